// text_report.h — the human report: TSan's header and stacks, lockdep's scenario table.
//
// What: renders an analysis::Report as the text a person reads on a terminal. Shape (STYLE 12):
//   ==================
//   WARNING: lockscope: lock-order-inversion (potential deadlock) (pid=1234)
//     Cycle in lock order graph: M0 (a) => M1 (b) => M0
//     M1 (b) acquired here while holding M0 (a) in thread T1:   + stack
//     M0 (a) previously acquired by the same thread here:        + stack
//     ...one block per edge, Threads:, Possible unsafe locking scenario
//   ==================
//   SUMMARY: lockscope: 1 lock-order-inversion, 0 other findings in 1 process
// With several processes (traces), each gets a section: "--- process PID (CMDLINE): N findings ---"
// followed by its findings.
// Lock labels (M0, M1, ...) are indices into Finding::locks, so they are stable per finding and
// independent of runtime ids (golden tests diff them).
// Pure: no I/O, no global state; thread-safe. Never throws on odd content (empty stacks, dangling
// indices are printed as "M?").

#ifndef LOCKSCOPE_VIZ_TEXT_REPORT_H_
#define LOCKSCOPE_VIZ_TEXT_REPORT_H_

#include <string>

#include "findings.h"

namespace lockscope {
namespace viz {

struct TextOptions {
  bool color = false;    // ANSI escapes: red WARNING, bold lock names
  bool verbose = false;  // list suppressed candidates, per-trace notes and lock first-use stacks
};

std::string RenderText(const analysis::Report& report, const TextOptions& options);

}  // namespace viz
}  // namespace lockscope

#endif  // LOCKSCOPE_VIZ_TEXT_REPORT_H_
