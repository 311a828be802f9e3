// cycle_finder.h — elementary cycles of a small directed graph, shortest first.
//
// What: FindCycles() returns the elementary cycles (no repeated node) of length 2..max_length,
// each once, as its canonical rotation (smallest node first), ordered by length and then
// lexicographically. Self-loops are never cycles here (a lock re-acquired while held is a relock,
// reported elsewhere).
// Algorithm: Tarjan's strongly connected components (R. Tarjan, "Depth-first search and linear
// graph algorithms", SIAM J. Comput. 1(2), 1972; iterative form) restricts the search to
// non-trivial SCCs, since every cycle lies inside one. Within an SCC, cycles are enumerated by
// iterative deepening on the length L = 2..max_length: for each root s, a depth-bounded DFS over
// nodes > s of the same SCC finds the cycles whose smallest node is s (so each cycle is produced
// exactly once, already in canonical rotation, as in Tiernan's and Johnson's enumeration).
// Deepening makes "shortest first" hold even when the cap cuts the enumeration.
// Complexity: O(V + E) for the SCCs; enumeration is O(max_length * number of simple paths of
// length <= max_length) in the worst case, bounded by `max_cycles` results and `max_steps` DFS
// steps. Lock graphs have small SCCs, so this is fast in practice.
// Caps: when a cap stops the search, `truncated` is set; the cycles returned are still the
// shortest ones found, shortest first.
// Thread-safety: pure function.

#ifndef LOCKSCOPE_ANALYZER_CYCLE_FINDER_H_
#define LOCKSCOPE_ANALYZER_CYCLE_FINDER_H_

#include <cstddef>
#include <cstdint>
#include <vector>

namespace lockscope {
namespace analysis {

struct CycleOptions {
  int max_length = 8;               // longest cycle reported (nodes)
  size_t max_cycles = 1000;         // stop after this many cycles
  uint64_t max_steps = 20'000'000;  // stop after this many DFS steps (pathological graphs)
};

struct CycleResult {
  std::vector<std::vector<int>> cycles;  // node indices; cycle[i] -> cycle[i+1] -> ... -> cycle[0]
  bool truncated = false;                // a cap stopped the enumeration
};

// `adjacency[v]` lists the successors of node v (0 <= v < adjacency.size()); duplicates and
// out-of-range entries are ignored.
CycleResult FindCycles(const std::vector<std::vector<int>>& adjacency,
                       const CycleOptions& options = {});

// Tarjan's SCCs: component id per node; ids are in reverse topological order of the condensation.
std::vector<int> StronglyConnectedComponents(const std::vector<std::vector<int>>& adjacency);

}  // namespace analysis
}  // namespace lockscope

#endif  // LOCKSCOPE_ANALYZER_CYCLE_FINDER_H_
