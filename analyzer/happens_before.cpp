// happens_before.cpp — see happens_before.h.

#include "happens_before.h"

#include <algorithm>
#include <deque>
#include <limits>

namespace lockscope {
namespace analysis {
namespace {

// "The end of the thread": every event of a thread reaches it by program order.
constexpr uint32_t kEndEpoch = std::numeric_limits<uint32_t>::max();

}  // namespace

void HappensBeforeGraph::AddPoint(uint32_t tid, uint32_t epoch) { epochs_[tid].push_back(epoch); }

int HappensBeforeGraph::Node(uint32_t tid, uint32_t epoch) const {
  auto it = epochs_.find(tid);
  if (it == epochs_.end()) return -1;
  const auto& list = it->second;
  auto pos = std::lower_bound(list.begin(), list.end(), epoch);
  if (pos == list.end() || *pos != epoch) return -1;
  return first_node_.at(tid) + static_cast<int>(pos - list.begin());
}

HappensBeforeGraph::HappensBeforeGraph(const Trace& trace) {
  for (const auto& [tid, info] : trace.threads) {
    AddPoint(tid, 0);
    AddPoint(tid, kEndEpoch);
    if (info.parent_tid != 0) AddPoint(info.parent_tid, info.parent_epoch);
  }
  for (const JoinEvent& j : trace.joins) {
    if (j.failed || j.joined_tid == 0) continue;
    AddPoint(j.joiner_tid, j.epoch_after);
    AddPoint(j.joined_tid, kEndEpoch);
  }
  for (const AcquireEvent& a : trace.acquires) AddPoint(a.tid, a.epoch);
  int next = 0;
  for (auto& [tid, list] : epochs_) {
    if (list.front() != 0) list.insert(list.begin(), 0);
    std::sort(list.begin(), list.end());
    list.erase(std::unique(list.begin(), list.end()), list.end());
    if (list.back() != kEndEpoch) list.push_back(kEndEpoch);
    first_node_[tid] = next;
    next += static_cast<int>(list.size());
  }
  succ_.resize(next);
  for (const auto& [tid, list] : epochs_) {  // program order
    int first = first_node_[tid];
    for (size_t i = 0; i + 1 < list.size(); ++i) succ_[first + i].push_back(first + i + 1);
  }
  for (const auto& [tid, info] : trace.threads) {  // create: (parent, parent_epoch) -> (child, 0)
    if (info.parent_tid == 0 || info.parent_tid == tid) continue;
    succ_[Node(info.parent_tid, info.parent_epoch)].push_back(Node(tid, 0));
  }
  for (const JoinEvent& j : trace.joins) {  // join: (joined, end) -> (joiner, epoch_after)
    if (j.failed || j.joined_tid == 0 || j.joined_tid == j.joiner_tid) continue;
    succ_[Node(j.joined_tid, kEndEpoch)].push_back(Node(j.joiner_tid, j.epoch_after));
  }
}

const std::vector<bool>& HappensBeforeGraph::Reach(int node) const {
  auto it = reach_.find(node);
  if (it != reach_.end()) return it->second;
  std::vector<bool> seen(succ_.size(), false);
  std::deque<int> queue{node};
  seen[node] = true;
  while (!queue.empty()) {
    int v = queue.front();
    queue.pop_front();
    for (int w : succ_[v]) {
      if (!seen[w]) {
        seen[w] = true;
        queue.push_back(w);
      }
    }
  }
  return reach_.emplace(node, std::move(seen)).first->second;
}

bool HappensBeforeGraph::HappensBefore(uint32_t tid1, uint32_t epoch1, uint32_t tid2,
                                       uint32_t epoch2) const {
  if (tid1 == tid2) return false;
  auto it1 = epochs_.find(tid1);
  auto it2 = epochs_.find(tid2);
  if (it1 == epochs_.end() || it2 == epochs_.end()) return false;
  // An event at epoch e1 reaches forward from the first boundary >= e1 ...
  const auto& list1 = it1->second;
  auto from = std::lower_bound(list1.begin(), list1.end(), epoch1);
  if (from == list1.end()) return false;
  const std::vector<bool>& seen =
      Reach(first_node_.at(tid1) + static_cast<int>(from - list1.begin()));
  // ... and an event at epoch e2 is reached when any boundary <= e2 of its thread is.
  const auto& list2 = it2->second;
  int first2 = first_node_.at(tid2);
  for (size_t i = 0; i < list2.size() && list2[i] <= epoch2; ++i) {
    if (seen[first2 + i]) return true;
  }
  return false;
}

}  // namespace analysis
}  // namespace lockscope
