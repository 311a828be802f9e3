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

Announcements ParkAnnouncements(const ProgramFacts& facts) {
  Announcements out;
  for (const auto& [key, f] : facts.functions) {
    for (const AccessFact& a : f.accesses) {
      if (!a.write) continue;
      for (const CondWaitFact& w : f.cond_waits) {
        bool held = std::any_of(a.held.begin(), a.held.end(),
                                [&](const HeldLock& h) { return h.lock == w.mutex; });
        if (held && w.line > a.loc.line) out[{a.variable, w.mutex}].insert(key);
      }
    }
  }
  return out;
}

std::set<int> HandshakeLines(const FunctionFacts& f, const Announcements& announced) {
  std::set<int> out;
  for (const CondWaitFact& w : f.cond_waits) {
    for (const std::string& var : w.predicate) {
      auto it = announced.find({var, w.mutex});
      if (it == announced.end()) continue;
      // The announcer is another function (the threads' loop), not the waiter itself.
      if (it->second.size() > 1 || !it->second.count(f.usr)) out.insert(w.line);
    }
  }
  return out;
}

bool OrderedByHandshake(const ThreadEvents& e, int line) {
  return std::any_of(e.handshakes.begin(), e.handshakes.end(), [&](int h) {
    if (h >= line || (!e.spawns.empty() && *e.spawns.rbegin() > h)) return false;
    return std::none_of(e.wakes.begin(), e.wakes.end(), [&](int w) { return w > h && w < line; });
  });
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
