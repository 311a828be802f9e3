// frame_format.h — short, shared wordings of frames, stacks, sites and edges for the graphical
// and machine renderers (DOT/SVG, HTML, SARIF), so that an edge reads the same everywhere.
// Output is NOT escaped: callers escape for their format (escape.h). Pure, thread-safe.

#ifndef LOCKSCOPE_VIZ_FRAME_FORMAT_H_
#define LOCKSCOPE_VIZ_FRAME_FORMAT_H_

#include <cstddef>
#include <cstdint>
#include <string>

#include "findings.h"

namespace lockscope {
namespace viz {

// "Transfer bank.cc:42", or "module+0x1a2" without a symbol.
std::string FrameText(const analysis::Frame& frame);

// "#0 Transfer bank.cc:42\n#1 main bank.cc:80\n", at most `max_frames` frames, full file paths.
std::string StackText(const analysis::Stack& stack, size_t max_frames);

// The acquisition "site": the first frame with a source file outside /usr/include and /usr/lib,
// else the first frame with a source file, else the innermost frame.
const analysis::Frame* SiteFrame(const analysis::Stack& stack);
std::string SiteText(const analysis::Stack& stack);

// The name of `tid` among the finding's threads, else "thread <tid>".
std::string ThreadName(const analysis::Finding& finding, uint32_t tid);

// "read → write" when either side is shared, else "" (plain mutex order says nothing more).
std::string ModesText(const analysis::EdgeEvidence& edge);

// True for kinds whose edges form a closed lock-order path (cycle numbering applies).
bool IsCycleKind(analysis::FindingKind kind);

// Whether `edge` indexes valid entries of `finding.locks`.
bool EdgeInRange(const analysis::Finding& finding, const analysis::EdgeEvidence& edge);

}  // namespace viz
}  // namespace lockscope

#endif  // LOCKSCOPE_VIZ_FRAME_FORMAT_H_
