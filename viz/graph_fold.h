// graph_fold.h — a lock graph too big to lay out, folded into groups of similar locks.
//
// Graphviz lays out a few hundred labelled nodes in well under a second and ten thousand in tens of
// seconds (bench/graph_render.sh), and a picture with ten thousand boxes explains nothing anyway.
// So when more than kMaxDrawnLocks locks would be drawn, every lock that no finding names is
// replaced by the node of its group, and edges between groups are merged (counts, threads and wait
// times added up). Like a lockdep lock class, a group is the locks whose names differ only in
// numbers and addresses ("Account::mu_ (0x55..)", "shard_17" -> "shard_#"), per process and kind;
// if that still leaves more than kMaxGroups groups, the locks are grouped by kind alone. The locks
// of findings and suppressed candidates are never folded: the bug stays drawn lock by lock.
//
// Cost: O(locks + edges · log edges). Pure; no Graphviz here.

#ifndef LOCKSCOPE_VIZ_GRAPH_FOLD_H_
#define LOCKSCOPE_VIZ_GRAPH_FOLD_H_

#include <cstddef>
#include <cstdint>
#include <set>
#include <string>
#include <utility>

#include "findings.h"

namespace lockscope {
namespace viz {

inline constexpr size_t kMaxDrawnLocks = 600;
inline constexpr size_t kMaxGroups = 200;
// Group nodes get lock ids from here up (runtime lock ids are dense from 1).
inline constexpr uint32_t kFirstGroupId = 0xF0000000u;

using LockKey = std::pair<int32_t, uint32_t>;  // (pid, lock id)

struct FoldedGraph {
  analysis::LockGraphView graph;  // kept locks as they were, the others as group nodes
  size_t folded_locks = 0;        // locks now drawn as part of a group
  size_t groups = 0;
  bool by_kind = false;           // grouped by kind alone (names were too diverse)
};

// The name a lock's group is known by: runs of decimal digits and 0x-hex addresses become '#'
// ("shard_17 (0x55d1c0)" -> "shard_# (#)").
std::string LockGroupName(const std::string& name);

// Folds the locks of `in` that are not in `keep` into groups. Edges that end up inside one group
// become a self-loop on it. `in.instances` counts carry over (a group of class nodes adds them).
FoldedGraph FoldLockGraph(const analysis::LockGraphView& in, const std::set<LockKey>& keep);

}  // namespace viz
}  // namespace lockscope

#endif  // LOCKSCOPE_VIZ_GRAPH_FOLD_H_
