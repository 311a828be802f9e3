// lock_graph.h — the lock-order graph of one trace (lockdep's "dependency graph").
//
// What: a directed graph whose nodes are lock ids and whose edge A -> B means "B was acquired (or
// a blocking attempt was made) while A was held". Built once from Trace::acquires: every acquire
// that is not a *failed* try/timed attempt and not a re-acquisition of a lock already held
// (kAcqReentrant, or lock_id among the held entries: it cannot wait for another thread)
// contributes one edge h.lock_id -> lock_id per held entry h.
// Each edge keeps every distinct Witness (who, where, in which modes, what else was held), with a
// count of the records that repeat it, so a detector can choose the witnesses that make a cycle
// feasible and a report can show them.
// Try-acquisitions (kAcqTry or kAcqTimed) cannot block forever, so their witnesses are kept but
// marked `try_acquire`; an edge whose witnesses are all tries is not a blocking edge.
// Identity/ownership: the graph owns its edges and copies what it needs from the Trace (it does not
// point into it). Node and edge order is deterministic (sorted by lock id).
// Thread-safety: immutable after construction; concurrent readers are fine.
// Complexity: construction O(sum over acquires of |held| * log E); Successors() O(1);
// FindEdge() O(log E). Memory O(E + witnesses).

#ifndef LOCKSCOPE_ANALYZER_LOCK_GRAPH_H_
#define LOCKSCOPE_ANALYZER_LOCK_GRAPH_H_

#include <cstdint>
#include <map>
#include <utility>
#include <vector>

#include "trace_model.h"

namespace lockscope {
namespace analysis {

// One way an edge was observed. Two witnesses are distinct when any field but `seq`/`count`
// differs.
struct Witness {
  // identity
  uint32_t tid = 0;
  uint32_t acquire_stack_id = 0;  // where `to` was acquired
  uint32_t held_stack_id = 0;     // where `from` had been acquired
  LockMode from_mode = LockMode::kExclusive;
  LockMode to_mode = LockMode::kExclusive;
  uint32_t epoch = 0;  // the thread's create/join epoch at the acquire
  uint8_t flags = 0;   // trace::AcquireFlag bits
  std::vector<HeldLock>
      also_held;  // the other held locks (neither `from` nor `to`), outermost first, at most 32
  // evidence
  bool try_acquire = false;  // kAcqTry or kAcqTimed: cannot block forever
  uint64_t seq = 0;          // earliest record with this witness
  uint64_t count = 0;        // records with this witness
};

struct LockEdge {
  uint32_t from = 0;
  uint32_t to = 0;
  std::vector<Witness> witnesses;  // ordered by first seq
  // True when some witness can block (a plain lock, not a try/timed attempt).
  bool Blocking() const;
  uint64_t TotalCount() const;
};

class LockGraph {
 public:
  explicit LockGraph(const Trace& trace);

  // Lock ids that appear on some edge, ascending.
  const std::vector<uint32_t>& nodes() const { return nodes_; }
  // Every edge, ordered by (from, to).
  const std::vector<LockEdge>& edges() const { return edges_; }
  // Index of `lock_id` in nodes(), or -1.
  int NodeIndex(uint32_t lock_id) const;
  // Edge indices leaving node index `node`, ordered by target.
  const std::vector<int>& OutEdges(int node) const { return out_[node]; }
  // nullptr when there is no edge from -> to.
  const LockEdge* FindEdge(uint32_t from, uint32_t to) const;

  // Expensive self-check, O(E * witnesses): sorted unique nodes, edges sorted and unique, no
  // self-loops, adjacency consistent, every witness counted, also_held excludes the edge's locks.
  // Returns false when one is broken; tests call it after every construction.
  bool CheckInvariants() const;

 private:
  std::vector<uint32_t> nodes_;
  std::vector<LockEdge> edges_;
  std::vector<std::vector<int>> out_;  // node index -> edge indices
  std::map<std::pair<uint32_t, uint32_t>, int> edge_index_;
};

// True when `flags` describe an attempt that did not get the lock (failed try/timed): no edge.
bool IsFailedAttempt(uint8_t flags);
// True when `flags` describe a try or timed attempt: it cannot block forever.
bool IsTryAttempt(uint8_t flags);

}  // namespace analysis
}  // namespace lockscope

#endif  // LOCKSCOPE_ANALYZER_LOCK_GRAPH_H_
