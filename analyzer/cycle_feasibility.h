// cycle_feasibility.h — can a lock-order cycle actually deadlock? Choose the witnesses that say so.
//
// What: given a cycle L0 -> L1 -> ... -> L0 of a LockGraph, pick one Witness per edge such that
// the picked witnesses describe a state the program could reach, in which every thread holds its
// `from` lock and blocks on its `to` lock. An assignment is *feasible* when:
//   1. every picked witness can block (no try/timed attempt: a trylock never waits);
//   2. the witnesses come from at least two distinct threads (one thread cannot wait for itself
//      across two edges; same-thread inversions are lockdep's "not a deadlock yet");
//   3. no edge waits for a shared acquisition of a lock that the next thread of the cycle holds
//      shared (readers do not block readers), unless the lock prefers writers (a queued writer
//      makes the reader wait);
//   4. no gate lock: no lock is held by two witnesses of different threads (each holds its
//      edge's `from` lock and its also_held locks) unless both hold it shared — a common outer
//      lock serializes the inversion, and in a longer cycle one thread may hold another's lock;
//   5. not every pair of witnesses from different threads is ordered by thread create/join
//      (HappensBeforeGraph): if all are ordered, the states never coexist.
// Among feasible assignments the one with the most distinct threads wins (ties: earliest seq).
// When none is feasible the result names the reason of the assignment that came closest, in the
// order above: "try-lock", "single-thread", "shared-locks", "gate-lock", "happens-before".
// Complexity: the product of per-edge witness classes (witnesses that differ only in stacks are
// one class), capped at `max_assignments`; O(k^2) per assignment for a k-edge cycle.
// Thread-safety: pure function over immutable inputs.

#ifndef LOCKSCOPE_ANALYZER_CYCLE_FEASIBILITY_H_
#define LOCKSCOPE_ANALYZER_CYCLE_FEASIBILITY_H_

#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "happens_before.h"
#include "lock_graph.h"

namespace lockscope {
namespace analysis {

struct Feasibility {
  bool feasible = false;
  // One per edge (edge i = cycle[i] -> cycle[i+1 mod k]): the chosen witnesses when feasible,
  // else the closest miss (empty for "try-lock").
  std::vector<const Witness*> witnesses;
  std::string reason_id;       // when !feasible: "try-lock" | "single-thread" | "shared-locks" |
                               // "gate-lock" | "happens-before" | "missing-edge" (damaged graph) |
                               // "budget" (max_assignments was 0: not examined)
  int try_edge = -1;           // try-lock: the edge whose witnesses are all try/timed attempts
  int shared_edge = -1;        // shared-locks: edge i waits shared for a lock the next holds shared
  uint32_t gate_lock = 0;      // gate-lock: a lock two threads' witnesses would both hold
  uint32_t single_tid = 0;     // single-thread: the one thread
  uint32_t ordered_tid_a = 0;  // happens-before: one ordered pair (a's witness before b's)
  uint32_t ordered_tid_b = 0;
  uint64_t assignments = 0;  // witness combinations examined (for a caller's global budget)
  bool capped = false;       // max_assignments stopped the search before it was exhaustive
};

struct CycleContext {
  std::vector<uint32_t> cycle;  // lock ids; edge i = cycle[i] -> cycle[i+1 mod k]
  const HappensBeforeGraph& happens_before;
  std::set<uint32_t> writer_preferring;  // rwlocks with kAttrPreferWriter
};

Feasibility CheckCycleFeasibility(const LockGraph& graph, const CycleContext& context,
                                  uint64_t max_assignments = 50000);

}  // namespace analysis
}  // namespace lockscope

#endif  // LOCKSCOPE_ANALYZER_CYCLE_FEASIBILITY_H_
