// contention_table.h — the contention profile as a text table (like mutrace's, from a Report).
//
// What: Report::contention (analysis/contention.h) rendered as one header line and one row per
// lock, most contended first, at most `top` rows: acquisitions, contended acquisitions and their
// share, total and longest wait, average and longest sampled hold, owner changes, the lock's name
// and where it was first used. Empty string when the report has no rows. Pure function.

#ifndef LOCKSCOPE_VIZ_CONTENTION_TABLE_H_
#define LOCKSCOPE_VIZ_CONTENTION_TABLE_H_

#include <cstddef>
#include <string>

#include "findings.h"

namespace lockscope {
namespace viz {

std::string RenderContentionTable(const analysis::Report& report, size_t top);

}  // namespace viz
}  // namespace lockscope

#endif  // LOCKSCOPE_VIZ_CONTENTION_TABLE_H_
