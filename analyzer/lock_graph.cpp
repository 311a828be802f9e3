// lock_graph.cpp — see lock_graph.h.

#include "lock_graph.h"

#include <algorithm>
#include <tuple>

namespace lockscope {
namespace analysis {
namespace {

namespace tf = ::lockscope::trace;

// Key deciding whether two witnesses are the same (everything but seq and count).
auto WitnessKey(const Witness& w) {
  std::vector<std::tuple<uint32_t, int>> held;
  for (const HeldLock& h : w.also_held) held.emplace_back(h.lock_id, static_cast<int>(h.mode));
  return std::make_tuple(w.tid, w.acquire_stack_id, w.held_stack_id, static_cast<int>(w.from_mode),
                         static_cast<int>(w.to_mode), w.epoch, w.flags, held);
}

// A witness keeps at most this many other held locks. A thread holding N locks at once gives
// N edges per acquire, each with N held entries: unbounded, 1 000 held locks cost O(N^3) memory
// (~5 GB) and O(N^4) time in the duplicate check below. Gate locks are taken first, so the
// outermost entries are the ones cycle_feasibility.h looks for.
constexpr size_t kMaxAlsoHeld = 32;

Witness MakeWitness(const AcquireEvent& a, const HeldLock& from) {
  Witness w;
  w.tid = a.tid;
  w.acquire_stack_id = a.stack_id;
  w.held_stack_id = from.stack_id;
  w.from_mode = from.mode;
  w.to_mode = a.mode;
  w.epoch = a.epoch;
  w.flags = a.flags;
  w.try_acquire = IsTryAttempt(a.flags);
  w.seq = a.seq;
  w.count = 1;
  for (const HeldLock& h : a.held) {
    if (w.also_held.size() == kMaxAlsoHeld) break;
    bool duplicate = std::any_of(w.also_held.begin(), w.also_held.end(),
                                 [&](const HeldLock& o) { return o.lock_id == h.lock_id; });
    if (h.lock_id != from.lock_id && h.lock_id != a.lock_id && !duplicate) {
      w.also_held.push_back(h);
    }
  }
  return w;
}

bool IsReacquire(const AcquireEvent& a) {
  return (a.flags & tf::kAcqReentrant) != 0 ||
         std::any_of(a.held.begin(), a.held.end(),
                     [&](const HeldLock& h) { return h.lock_id == a.lock_id; });
}

}  // namespace

bool IsFailedAttempt(uint8_t flags) {
  return (flags & (tf::kAcqTry | tf::kAcqTimed)) != 0 && (flags & tf::kAcqFailed) != 0;
}

bool IsTryAttempt(uint8_t flags) { return (flags & (tf::kAcqTry | tf::kAcqTimed)) != 0; }

bool LockEdge::Blocking() const {
  return std::any_of(witnesses.begin(), witnesses.end(),
                     [](const Witness& w) { return !w.try_acquire; });
}

uint64_t LockEdge::TotalCount() const {
  uint64_t n = 0;
  for (const Witness& w : witnesses) n += w.count;
  return n;
}

LockGraph::LockGraph(const Trace& trace) {
  // (from, to) -> witnesses, plus a per-edge index by witness key so that a trace with many
  // threads on one edge stays O(n log n). std::map keeps edges sorted without a separate pass.
  using Key = decltype(WitnessKey(Witness{}));
  std::map<std::pair<uint32_t, uint32_t>, std::vector<Witness>> edges;
  std::map<std::pair<uint32_t, uint32_t>, std::map<Key, size_t>> index;
  for (const AcquireEvent& a : trace.acquires) {
    // A re-acquisition of a lock the thread already holds (recursive mutex, or a relock that
    // self-deadlocks, reported as misuse) never waits for another thread: it orders nothing. With
    // R held, "lock(M); lock(R)" must not give M -> R, or every recursive pattern is a cycle.
    if (IsFailedAttempt(a.flags) || IsReacquire(a)) continue;
    for (const HeldLock& h : a.held) {
      std::pair<uint32_t, uint32_t> edge_key{h.lock_id, a.lock_id};
      std::vector<Witness>& list = edges[edge_key];
      Witness w = MakeWitness(a, h);
      auto [it, inserted] = index[edge_key].emplace(WitnessKey(w), list.size());
      if (inserted) {
        list.push_back(std::move(w));
      } else {
        Witness& same = list[it->second];
        ++same.count;
        same.seq = std::min(same.seq, w.seq);
      }
    }
  }
  for (auto& [key, list] : edges) {
    nodes_.push_back(key.first);
    nodes_.push_back(key.second);
  }
  std::sort(nodes_.begin(), nodes_.end());
  nodes_.erase(std::unique(nodes_.begin(), nodes_.end()), nodes_.end());
  out_.resize(nodes_.size());
  for (auto& [key, list] : edges) {
    std::stable_sort(list.begin(), list.end(),
                     [](const Witness& a, const Witness& b) { return a.seq < b.seq; });
    int index = static_cast<int>(edges_.size());
    edges_.push_back(LockEdge{key.first, key.second, std::move(list)});
    edge_index_[key] = index;
    out_[NodeIndex(key.first)].push_back(index);
  }
}

int LockGraph::NodeIndex(uint32_t lock_id) const {
  auto it = std::lower_bound(nodes_.begin(), nodes_.end(), lock_id);
  if (it == nodes_.end() || *it != lock_id) return -1;
  return static_cast<int>(it - nodes_.begin());
}

const LockEdge* LockGraph::FindEdge(uint32_t from, uint32_t to) const {
  auto it = edge_index_.find({from, to});
  return it == edge_index_.end() ? nullptr : &edges_[it->second];
}

bool LockGraph::CheckInvariants() const {
  if (!std::is_sorted(nodes_.begin(), nodes_.end()) ||
      std::adjacent_find(nodes_.begin(), nodes_.end()) != nodes_.end()) {
    return false;
  }
  if (out_.size() != nodes_.size() || edge_index_.size() != edges_.size()) return false;
  size_t out_total = 0;
  for (const auto& list : out_) out_total += list.size();
  if (out_total != edges_.size()) return false;
  for (size_t i = 0; i < edges_.size(); ++i) {
    const LockEdge& e = edges_[i];
    if (e.from == e.to || e.witnesses.empty()) return false;
    if (i > 0 &&
        std::make_pair(edges_[i - 1].from, edges_[i - 1].to) >= std::make_pair(e.from, e.to)) {
      return false;
    }
    if (NodeIndex(e.from) < 0 || NodeIndex(e.to) < 0) return false;
    for (const Witness& w : e.witnesses) {
      if (w.count == 0) return false;
      for (const HeldLock& h : w.also_held) {
        if (h.lock_id == e.from || h.lock_id == e.to) return false;
      }
    }
  }
  return true;
}

}  // namespace analysis
}  // namespace lockscope
