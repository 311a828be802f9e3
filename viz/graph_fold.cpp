// graph_fold.cpp — see graph_fold.h.

#include "graph_fold.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <tuple>
#include <vector>

namespace lockscope {
namespace viz {

using analysis::LockGraphEdge;
using analysis::LockGraphView;
using analysis::LockRef;

namespace {

constexpr size_t kMaxGroupTids = 8;  // threads listed on a merged edge

bool IsHexDigit(char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; }
bool IsDigit(char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; }

// (pid, kind, group name) identifies a group.
using GroupKey = std::tuple<int32_t, std::string, std::string>;

GroupKey KeyFor(const LockRef& lock, bool by_kind) {
  return {lock.pid, lock.kind, by_kind ? std::string() : LockGroupName(lock.name)};
}

template <typename T>
T At(const std::vector<T>& v, size_t i) {
  return i < v.size() ? v[i] : T{};
}

struct Grouping {
  std::vector<int> node_of;  // per input lock: index into the output's locks
  std::vector<LockRef> locks;
  std::vector<uint32_t> instances;
  std::vector<uint64_t> wait_ns;
  size_t groups = 0;
  size_t folded = 0;
};

Grouping Group(const LockGraphView& in, const std::set<LockKey>& keep, bool by_kind) {
  Grouping g;
  g.node_of.assign(in.locks.size(), -1);
  std::map<GroupKey, int> group_index;
  for (size_t i = 0; i < in.locks.size(); ++i) {
    const LockRef& lock = in.locks[i];
    const uint32_t instances = std::max<uint32_t>(At(in.instances, i), 1);
    const uint64_t wait = At(in.wait_ns, i);
    if (keep.count({lock.pid, lock.lock_id}) != 0) {
      g.node_of[i] = static_cast<int>(g.locks.size());
      g.locks.push_back(lock);
      g.instances.push_back(At(in.instances, i));
      g.wait_ns.push_back(wait);
      continue;
    }
    auto [it, fresh] = group_index.emplace(KeyFor(lock, by_kind), static_cast<int>(g.locks.size()));
    if (fresh) {
      LockRef group;
      group.pid = lock.pid;
      group.kind = lock.kind;
      group.lock_id = kFirstGroupId + static_cast<uint32_t>(g.groups++);
      group.name = by_kind ? "other " + lock.kind + " locks" : LockGroupName(lock.name);
      group.first_stack = lock.first_stack;  // one member's, as a witness
      g.locks.push_back(group);
      g.instances.push_back(0);
      g.wait_ns.push_back(0);
    }
    g.node_of[i] = it->second;
    g.instances[it->second] += instances;
    g.wait_ns[it->second] += wait;
    ++g.folded;
  }
  return g;
}

}  // namespace

std::string LockGroupName(const std::string& name) {
  std::string out;
  out.reserve(name.size());
  for (size_t i = 0; i < name.size();) {
    if (name[i] == '0' && i + 2 < name.size() && (name[i + 1] == 'x' || name[i + 1] == 'X') &&
        IsHexDigit(name[i + 2])) {
      i += 2;
      while (i < name.size() && IsHexDigit(name[i])) ++i;
      out += '#';
    } else if (IsDigit(name[i])) {
      while (i < name.size() && IsDigit(name[i])) ++i;
      out += '#';
    } else {
      out += name[i++];
    }
  }
  return out;
}

FoldedGraph FoldLockGraph(const LockGraphView& in, const std::set<LockKey>& keep) {
  Grouping g = Group(in, keep, /*by_kind=*/false);
  FoldedGraph out;
  if (g.groups > kMaxGroups) {
    g = Group(in, keep, /*by_kind=*/true);
    out.by_kind = true;
  }
  out.groups = g.groups;
  out.folded_locks = g.folded;
  out.graph.locks = std::move(g.locks);
  out.graph.instances = std::move(g.instances);
  out.graph.wait_ns = std::move(g.wait_ns);
  out.graph.threads = in.threads;
  out.graph.omitted_edges = in.omitted_edges;

  // Merge edges that now join the same two nodes in the same modes.
  using EdgeKey = std::tuple<int, int, std::string, std::string, bool>;
  std::map<EdgeKey, size_t> merged;
  const int n = static_cast<int>(in.locks.size());
  for (const LockGraphEdge& e : in.edges) {
    if (e.from < 0 || e.to < 0 || e.from >= n || e.to >= n) continue;
    LockGraphEdge folded = e;
    folded.from = g.node_of[e.from];
    folded.to = g.node_of[e.to];
    EdgeKey key{folded.from, folded.to, e.from_mode, e.to_mode, e.static_only};
    auto [it, fresh] = merged.emplace(key, out.graph.edges.size());
    if (fresh) {
      if (folded.tids.size() > kMaxGroupTids) folded.tids.resize(kMaxGroupTids);
      out.graph.edges.push_back(std::move(folded));
      continue;
    }
    LockGraphEdge& into = out.graph.edges[it->second];
    into.count += e.count;
    into.wait_ns += e.wait_ns;
    for (uint32_t tid : e.tids) {
      if (into.tids.size() >= kMaxGroupTids) break;
      if (std::find(into.tids.begin(), into.tids.end(), tid) == into.tids.end()) {
        into.tids.push_back(tid);
      }
    }
  }
  return out;
}

}  // namespace viz
}  // namespace lockscope
