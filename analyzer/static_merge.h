// static_merge.h — `lockscope analyze TRACE --static FINDINGS.json`: dynamic findings meet the
// findings `lockscope static --format json` read from the source.
//
// What: a dynamic finding is *confirmed by source* when a static finding of the same kind names
// the same places: every static edge's acquisition statement (file:line of the innermost frame of
// its acquire stack) appears among the frames of the dynamic finding's edge stacks. Places, not
// lock names, because the runtime names a member mutex by its first-lock site while the source
// names it `Class::mu_`; the lines are where both meet. A static finding no dynamic finding
// confirms is *static-only* (typically a path the run never took): it is listed in the report
// and its edges are added to the lock graph as dashed static edges, named the way the source
// names the locks.
// Failure semantics: LoadStaticFindings returns false with one line in *error for an unreadable
// file, invalid JSON or a document that is not a lockscope report; it never throws.
// Thread-safety: pure functions.

#ifndef LOCKSCOPE_ANALYZER_STATIC_MERGE_H_
#define LOCKSCOPE_ANALYZER_STATIC_MERGE_H_

#include <string>
#include <vector>

#include "findings.h"

namespace lockscope {
namespace analysis {

struct StaticSite {
  std::string file;  // as the static report wrote it (absolute when compiled so)
  int line = 0;
  std::string function;
};

struct StaticEdge {
  std::string from_lock;  // lock names as the source names them ("chat::Hub::mu_")
  std::string to_lock;
  std::string from_mode;  // "exclusive" | "shared"
  std::string to_mode;
  StaticSite acquire;     // the acquisition statement (innermost frame of the call chain)
  std::vector<StaticSite> chain;  // the whole chain, innermost first
};

struct StaticFinding {
  std::string kind;     // FindingKindName() spelling: "lock-order-cycle", "rwlock-upgrade", ...
  std::string summary;  // the static report's one line
  std::vector<std::string> lock_kinds;  // parallel to lock names, for the graph
  std::vector<std::string> locks;
  std::vector<StaticEdge> edges;
};

bool LoadStaticFindings(const std::string& path, std::vector<StaticFinding>* out,
                        std::string* error);

// Marks the dynamic findings of `report` confirmed by `statics` (Finding::confirmed_by_source),
// puts every unconfirmed static finding into Report::static_only and its edges into
// Report::graph (LockGraphEdge::static_only).
void MergeStaticFindings(const std::vector<StaticFinding>& statics, Report* report);

}  // namespace analysis
}  // namespace lockscope

#endif  // LOCKSCOPE_ANALYZER_STATIC_MERGE_H_
