#include "thread_order.h"

#include <algorithm>
#include <iterator>

namespace lockscope {
namespace static_analysis {
namespace internal {

bool OrderedByCreateJoin(const ThreadEvents& e, int line) {
  if (e.spawns.empty()) {
    return std::any_of(e.joins.begin(), e.joins.end(), [&](int j) { return j < line; });
  }
  if (line < *e.spawns.begin()) return true;
  return std::any_of(e.joins.begin(), e.joins.end(),
                     [&](int j) { return j > *e.spawns.rbegin() && j < line; });
}

bool RunOneAfterAnother(const std::set<int>& lines, const std::vector<int>& spawns,
                        const std::vector<int>& joins) {
  if (lines.size() < 2) return false;
  for (auto a = lines.begin(), b = std::next(a); b != lines.end(); ++a, ++b) {
    bool separated = std::any_of(joins.begin(), joins.end(), [&](int j) {
      return j > *a && j < *b &&
             std::count_if(spawns.begin(), spawns.end(), [&](int s) { return s < j; }) ==
                 std::count_if(joins.begin(), joins.end(), [&](int k) { return k <= j; });
    });
    if (!separated) return false;
  }
  return true;
}

}  // namespace internal
}  // namespace static_analysis
}  // namespace lockscope
