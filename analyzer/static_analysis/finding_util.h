// finding_util.h — small conversions from static facts to the analyzer's finding model, shared by
// the static rules (static_analyzer.cpp, annotation_rules.cpp). Internal to static_analysis/.

#ifndef LOCKSCOPE_ANALYZER_STATIC_ANALYSIS_FINDING_UTIL_H_
#define LOCKSCOPE_ANALYZER_STATIC_ANALYSIS_FINDING_UTIL_H_

#include <string>

#include "findings.h"
#include "static_facts.h"

namespace lockscope {
namespace static_analysis {
namespace internal {

inline analysis::Frame ToFrame(const SourceLoc& loc) {
  analysis::Frame f;
  f.function = loc.function;
  f.file = loc.file;
  f.line = loc.line;
  f.column = loc.column;
  return f;
}

// "ns::Class::Method (file.cpp:12)"
inline std::string Where(const SourceLoc& loc) {
  std::string file = loc.file.substr(loc.file.rfind('/') + 1);
  return loc.function + " (" + file + ":" + std::to_string(loc.line) + ")";
}

}  // namespace internal
}  // namespace static_analysis
}  // namespace lockscope

#endif  // LOCKSCOPE_ANALYZER_STATIC_ANALYSIS_FINDING_UTIL_H_
