// happens_before.h — thread create/join ordering of one trace.
//
// What: answers "did event (t1, epoch e1) happen before event (t2, epoch e2)?" using only the
// thread lifecycle: pthread_create orders the creator's events at epoch <= parent_epoch (its epoch
// *before* the create, trace_format.h ThreadStart) before everything in the child; a successful
// pthread_join orders everything in the joined thread before the joiner's events at epoch >=
// epoch_after. The relation is closed transitively (create/join chains). Lock hand-offs are
// deliberately not used: they are what a deadlock detector must not assume.
// Model: one node per (thread, epoch boundary) that matters, program-order edges between a
// thread's consecutive nodes, one edge per create and per join; queries are graph reachability.
// Thread-safety: immutable after construction.
// Complexity: construction O(T + J + A log A) for T threads, J joins and A query points;
// HappensBefore() is a BFS, O(nodes + edges), memoized per source node.

#ifndef LOCKSCOPE_ANALYZER_HAPPENS_BEFORE_H_
#define LOCKSCOPE_ANALYZER_HAPPENS_BEFORE_H_

#include <cstdint>
#include <map>
#include <vector>

#include "trace_model.h"

namespace lockscope {
namespace analysis {

class HappensBeforeGraph {
 public:
  // Uses trace.threads (parent, parent_epoch), trace.joins (successful ones) and the epochs of
  // trace.acquires as query points.
  explicit HappensBeforeGraph(const Trace& trace);

  // True when the event of `tid1` at `epoch1` happened before the event of `tid2` at `epoch2`.
  // Events of one thread are ordered by program order; this answers only for tid1 != tid2
  // (false for the same thread: ask the trace's seq instead).
  bool HappensBefore(uint32_t tid1, uint32_t epoch1, uint32_t tid2, uint32_t epoch2) const;
  // Either direction.
  bool Ordered(uint32_t tid1, uint32_t epoch1, uint32_t tid2, uint32_t epoch2) const {
    return HappensBefore(tid1, epoch1, tid2, epoch2) || HappensBefore(tid2, epoch2, tid1, epoch1);
  }

 private:
  void AddPoint(uint32_t tid, uint32_t epoch);
  int Node(uint32_t tid, uint32_t epoch) const;  // exact node, or -1
  const std::vector<bool>& Reach(int node) const;

  std::map<uint32_t, std::vector<uint32_t>> epochs_;  // tid -> sorted epochs (node boundaries)
  std::map<uint32_t, int> first_node_;                // tid -> node id of epochs_[tid][0]
  std::vector<std::vector<int>> succ_;
  mutable std::map<int, std::vector<bool>> reach_;  // memoized BFS results
};

}  // namespace analysis
}  // namespace lockscope

#endif  // LOCKSCOPE_ANALYZER_HAPPENS_BEFORE_H_
