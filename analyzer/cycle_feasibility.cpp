// cycle_feasibility.cpp — see cycle_feasibility.h.

#include "cycle_feasibility.h"

#include <algorithm>
#include <set>
#include <tuple>
#include <utility>

namespace lockscope {
namespace analysis {
namespace {

// How far an assignment got through the checks of the header, in order.
enum Stage { kSingleThread = 0, kSharedOnly = 1, kGateLock = 2, kHappensBefore = 3, kFeasible = 4 };

// Blocking witnesses of `edge`, one per class: witnesses with the same thread, epoch and other held
// locks are interchangeable for feasibility (they differ only in stacks), keep the earliest.
std::vector<const Witness*> WitnessClasses(const LockEdge& edge) {
  std::vector<const Witness*> out;
  std::set<std::tuple<uint32_t, uint32_t, std::vector<std::pair<uint32_t, int>>>> seen;
  for (const Witness& w : edge.witnesses) {
    if (w.try_acquire) continue;
    std::vector<std::pair<uint32_t, int>> held;
    for (const HeldLock& h : w.also_held) held.emplace_back(h.lock_id, static_cast<int>(h.mode));
    std::sort(held.begin(), held.end());
    if (seen.emplace(w.tid, w.epoch, std::move(held)).second) out.push_back(&w);
  }
  return out;
}

// Shortcuts for the common infeasible cases, so they cost O(witnesses) instead of a search: one
// thread behind every witness, or one lock held exclusively by every witness of every edge.
bool TriviallyInfeasible(const std::vector<std::vector<const Witness*>>& classes,
                         Feasibility* result) {
  std::set<uint32_t> tids;
  std::set<uint32_t> common;
  bool first = true;
  for (const auto& edge : classes) {
    for (const Witness* w : edge) {
      tids.insert(w->tid);
      std::set<uint32_t> held;
      for (const HeldLock& h : w->also_held) {
        if (h.mode == LockMode::kExclusive && (first || common.count(h.lock_id) != 0)) {
          held.insert(h.lock_id);
        }
      }
      common = std::move(held);
      first = false;
    }
  }
  for (const auto& edge : classes) result->witnesses.push_back(edge.front());
  if (tids.size() == 1) {
    result->reason_id = "single-thread";
    result->single_tid = *tids.begin();
    return true;
  }
  if (!common.empty()) {
    result->reason_id = "gate-lock";
    result->gate_lock = *common.begin();
    return true;
  }
  result->witnesses.clear();
  return false;
}

class Search {
 public:
  Search(const std::vector<std::vector<const Witness*>>& classes, const CycleContext& context,
         uint64_t max_assignments)
      : classes_(classes),
        context_(context),
        hb_(context.happens_before),
        budget_(max_assignments),
        max_assignments_(max_assignments),
        chosen_(classes.size()) {}

  Feasibility Run() {
    Recurse(0);
    Feasibility result = miss_;
    if (best_score_ > 0) {
      result = Feasibility{};
      result.feasible = true;
      result.witnesses = best_;
    } else if (miss_stage_ < 0) {
      result.reason_id = "budget";  // nothing was examined
    }
    result.capped = budget_ == 0;
    result.assignments = max_assignments_ - budget_;
    return result;
  }

 private:
  // Returns false to stop (budget exhausted or a perfect assignment found).
  bool Recurse(size_t edge) {
    if (edge == classes_.size()) return Evaluate();
    for (const Witness* w : classes_[edge]) {
      chosen_[edge] = w;
      if (!Recurse(edge + 1)) return false;
    }
    return true;
  }

  bool Evaluate() {
    if (budget_ == 0) return false;
    --budget_;
    Feasibility attempt;
    attempt.witnesses = chosen_;
    Stage stage = Check(&attempt);
    if (stage == kFeasible) {
      std::set<uint32_t> tids;
      for (const Witness* w : chosen_) tids.insert(w->tid);
      int score = static_cast<int>(tids.size());
      if (score > best_score_) {
        best_score_ = score;
        best_ = chosen_;
      }
      return tids.size() < chosen_.size();  // every edge on its own thread: cannot do better
    }
    if (static_cast<int>(stage) > miss_stage_) {
      miss_stage_ = stage;
      miss_ = attempt;
    }
    return true;
  }

  Stage Check(Feasibility* attempt) const {
    std::set<uint32_t> tids;
    for (const Witness* w : chosen_) tids.insert(w->tid);
    if (tids.size() < 2) {
      attempt->reason_id = "single-thread";
      attempt->single_tid = *tids.begin();
      return kSingleThread;
    }
    if (int edge = SharedOnlyEdge(); edge >= 0) {
      attempt->reason_id = "shared-locks";
      attempt->shared_edge = edge;
      return kSharedOnly;
    }
    if (uint32_t gate = GateLock(); gate != 0) {
      attempt->reason_id = "gate-lock";
      attempt->gate_lock = gate;
      return kGateLock;
    }
    const Witness* first_a = nullptr;
    const Witness* first_b = nullptr;
    for (size_t i = 0; i < chosen_.size(); ++i) {
      for (size_t j = i + 1; j < chosen_.size(); ++j) {
        const Witness* a = chosen_[i];
        const Witness* b = chosen_[j];
        if (a->tid == b->tid) continue;
        if (!hb_.Ordered(a->tid, a->epoch, b->tid, b->epoch)) return kFeasible;
        if (first_a == nullptr) {
          bool a_first = hb_.HappensBefore(a->tid, a->epoch, b->tid, b->epoch);
          first_a = a_first ? a : b;
          first_b = a_first ? b : a;
        }
      }
    }
    attempt->reason_id = "happens-before";
    attempt->ordered_tid_a = first_a->tid;
    attempt->ordered_tid_b = first_b->tid;
    return kHappensBefore;
  }

  // An edge i whose thread waits for a shared acquisition of a lock the next thread holds shared:
  // readers do not block readers, so that thread never waits (unless the lock prefers writers,
  // where a queued writer can block the reader: then the wait is possible). -1 when none.
  int SharedOnlyEdge() const {
    const size_t k = chosen_.size();
    for (size_t i = 0; i < k; ++i) {
      const Witness* waiter = chosen_[i];
      const Witness* holder = chosen_[(i + 1) % k];
      uint32_t lock = context_.cycle[(i + 1) % k];
      if (waiter->to_mode == LockMode::kShared && holder->from_mode == LockMode::kShared &&
          context_.writer_preferring.count(lock) == 0) {
        return static_cast<int>(i);
      }
    }
    return -1;
  }

  // The locks witness i holds while it waits: its edge's `from` lock and its also_held locks.
  std::vector<HeldLock> HeldBy(size_t i) const {
    std::vector<HeldLock> held = chosen_[i]->also_held;
    held.push_back({context_.cycle[i], chosen_[i]->held_stack_id, chosen_[i]->from_mode, 1});
    return held;
  }

  // A lock two witnesses of different threads would both hold at the moment of the deadlock, not
  // both in shared mode (two readers do not exclude each other): those states cannot coexist.
  // A lock held around the whole cycle (the classic gate lock) is the common case; in a longer
  // cycle, one thread may also hold another edge's lock. 0 when there is none.
  uint32_t GateLock() const {
    const size_t k = chosen_.size();
    for (size_t i = 0; i < k; ++i) {
      std::vector<HeldLock> held_i = HeldBy(i);
      for (size_t j = i + 1; j < k; ++j) {
        if (chosen_[i]->tid == chosen_[j]->tid) continue;
        for (const HeldLock& b : HeldBy(j)) {
          for (const HeldLock& a : held_i) {
            bool both_shared = a.mode == LockMode::kShared && b.mode == LockMode::kShared;
            if (a.lock_id == b.lock_id && !both_shared) return a.lock_id;
          }
        }
      }
    }
    return 0;
  }

  const std::vector<std::vector<const Witness*>>& classes_;
  const CycleContext& context_;
  const HappensBeforeGraph& hb_;
  uint64_t budget_;
  uint64_t max_assignments_;
  std::vector<const Witness*> chosen_;
  std::vector<const Witness*> best_;
  int best_score_ = 0;
  Feasibility miss_;
  int miss_stage_ = -1;
};

}  // namespace

Feasibility CheckCycleFeasibility(const LockGraph& graph, const CycleContext& context,
                                  uint64_t max_assignments) {
  const std::vector<uint32_t>& cycle = context.cycle;
  Feasibility result;
  std::vector<std::vector<const Witness*>> classes;
  for (size_t i = 0; i < cycle.size(); ++i) {
    const LockEdge* edge = graph.FindEdge(cycle[i], cycle[(i + 1) % cycle.size()]);
    if (edge == nullptr) {
      result.reason_id = "missing-edge";
      return result;
    }
    classes.push_back(WitnessClasses(*edge));
    if (classes.back().empty()) {
      result.reason_id = "try-lock";
      result.try_edge = static_cast<int>(i);
      return result;
    }
  }
  if (cycle.size() < 2) {
    result.reason_id = "missing-edge";
    return result;
  }
  if (TriviallyInfeasible(classes, &result)) return result;
  return Search(classes, context, max_assignments).Run();
}

}  // namespace analysis
}  // namespace lockscope
