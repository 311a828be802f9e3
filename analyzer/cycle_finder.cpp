// cycle_finder.cpp — see cycle_finder.h for the algorithm and its references.

#include "cycle_finder.h"

#include <algorithm>
#include <utility>

namespace lockscope {
namespace analysis {
namespace {

using Adjacency = std::vector<std::vector<int>>;

// Successor lists sorted, unique, in range and without self-loops, so the enumeration order (and
// therefore the output order) does not depend on how the caller listed edges.
Adjacency Normalize(const Adjacency& adjacency) {
  const int n = static_cast<int>(adjacency.size());
  Adjacency out(adjacency.size());
  for (int v = 0; v < n; ++v) {
    for (int w : adjacency[v]) {
      if (w >= 0 && w < n && w != v) out[v].push_back(w);
    }
    std::sort(out[v].begin(), out[v].end());
    out[v].erase(std::unique(out[v].begin(), out[v].end()), out[v].end());
  }
  return out;
}

// Depth-bounded enumeration of cycles of exactly `length_` nodes whose smallest node is `root`.
class Enumerator {
 public:
  Enumerator(const Adjacency& adjacency, const std::vector<int>& component,
             const CycleOptions& options, CycleResult* result)
      : adjacency_(adjacency),
        component_(component),
        options_(options),
        result_(result),
        on_path_(adjacency.size(), false) {}

  // Returns false when a cap stopped the search.
  bool Run(int root, int length) {
    root_ = root;
    length_ = static_cast<size_t>(length);
    path_.assign(1, root);
    on_path_[root] = true;
    bool ok = Extend(root);
    on_path_[root] = false;
    return ok;
  }

 private:
  bool Extend(int v) {
    for (int w : adjacency_[v]) {
      if (++steps_ > options_.max_steps) return false;
      if (w == root_) {
        if (path_.size() == length_) {
          result_->cycles.push_back(path_);
          if (result_->cycles.size() >= options_.max_cycles) return false;
        }
        continue;
      }
      // Only nodes above the root: the cycle is found once, from its smallest node.
      if (w < root_ || on_path_[w] || component_[w] != component_[root_]) continue;
      if (path_.size() >= length_) continue;
      path_.push_back(w);
      on_path_[w] = true;
      bool ok = Extend(w);
      on_path_[w] = false;
      path_.pop_back();
      if (!ok) return false;
    }
    return true;
  }

  const Adjacency& adjacency_;
  const std::vector<int>& component_;
  const CycleOptions& options_;
  CycleResult* result_;
  std::vector<bool> on_path_;
  std::vector<int> path_;
  int root_ = 0;
  size_t length_ = 0;
  uint64_t steps_ = 0;  // across all runs: the cap bounds the whole search
};

}  // namespace

std::vector<int> StronglyConnectedComponents(const Adjacency& adjacency) {
  const int n = static_cast<int>(adjacency.size());
  std::vector<int> index(n, -1), low(n, 0), component(n, -1);
  std::vector<bool> on_stack(n, false);
  std::vector<int> stack;
  std::vector<std::pair<int, size_t>> calls;  // explicit DFS stack: (node, next successor)
  int next_index = 0;
  int next_component = 0;
  auto visit = [&](int v) {
    index[v] = low[v] = next_index++;
    stack.push_back(v);
    on_stack[v] = true;
    calls.emplace_back(v, 0);
  };
  for (int root = 0; root < n; ++root) {
    if (index[root] != -1) continue;
    visit(root);
    while (!calls.empty()) {
      const int v = calls.back().first;
      const size_t pos = calls.back().second;
      if (pos < adjacency[v].size()) {
        ++calls.back().second;
        const int w = adjacency[v][pos];
        if (w < 0 || w >= n) continue;
        if (index[w] == -1) {
          visit(w);  // may reallocate `calls`: nothing below uses a reference into it
        } else if (on_stack[w]) {
          low[v] = std::min(low[v], index[w]);
        }
        continue;
      }
      if (low[v] == index[v]) {  // v is the root of an SCC: pop it
        int w;
        do {
          w = stack.back();
          stack.pop_back();
          on_stack[w] = false;
          component[w] = next_component;
        } while (w != v);
        ++next_component;
      }
      calls.pop_back();
      if (!calls.empty()) low[calls.back().first] = std::min(low[calls.back().first], low[v]);
    }
  }
  return component;
}

CycleResult FindCycles(const Adjacency& adjacency, const CycleOptions& options) {
  CycleResult result;
  if (options.max_cycles == 0) return result;
  Adjacency graph = Normalize(adjacency);
  std::vector<int> component = StronglyConnectedComponents(graph);
  std::vector<int> component_size(graph.size() + 1, 0);
  for (int c : component) ++component_size[c];
  Enumerator enumerator(graph, component, options, &result);
  for (int length = 2; length <= options.max_length; ++length) {
    for (int root = 0; root < static_cast<int>(graph.size()); ++root) {
      if (component_size[component[root]] < length) continue;  // too small to hold such a cycle
      if (!enumerator.Run(root, length)) {
        result.truncated = true;
        return result;
      }
    }
  }
  return result;
}

}  // namespace analysis
}  // namespace lockscope
