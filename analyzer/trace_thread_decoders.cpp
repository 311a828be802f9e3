// trace_thread_decoders.cpp — the trace reader's decoders of thread records (start, join, exit,
// name) and, once every chunk was read, which thread each detach meant (trace_reader_impl.h).

#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "trace_reader_impl.h"

namespace lockscope {
namespace analysis {
namespace internal {

namespace tf = ::lockscope::trace;

ThreadInfo& Reader::Thread(uint32_t tid) {
  ThreadInfo& info = out_->threads[tid];
  info.tid = tid;
  return info;
}

bool Reader::DecodeThreadStart(uint64_t offset, uint32_t tid) {
  tf::ThreadStart r;
  if (!bytes_.Load(offset, &r)) return false;
  ThreadInfo& t = Thread(tid);
  // Linux reuses tids: a second ThreadStart means two threads share this id in the trace, and
  // their events are merged (the format has no other thread identity). Say so.
  if (t.started) reused_tids_.insert(tid);
  t.parent_tid = r.parent_tid;
  t.create_stack_id = r.create_stack_id;
  t.parent_epoch = r.parent_epoch;
  t.pthread_self = r.pthread_self;
  t.start_routine = r.start_routine;
  t.start_seq = r.seq;
  t.start_time_ns = r.time_ns;
  t.started = true;
  if ((r.h.flags & tf::kStartDetached) != 0) t.detached = t.detached_at_create = true;
  return true;
}

bool Reader::DecodeThreadJoin(uint64_t offset, uint32_t tid) {
  tf::ThreadJoin r;
  if (!bytes_.Load(offset, &r)) return false;
  JoinEvent j;
  j.joiner_tid = tid;
  j.joined_tid = r.joined_tid;
  j.seq = r.seq;
  j.time_ns = r.time_ns;
  j.stack_id = r.stack_id;
  j.epoch_after = r.epoch_after;
  j.failed = (r.h.flags & 1u) != 0;
  if (!j.failed && j.joined_tid != 0) {
    ThreadInfo& joined = Thread(j.joined_tid);
    joined.joined = true;
    joined.joiner_tid = tid;
    joined.join_seq = j.seq;
    joined.joiner_epoch_after = j.epoch_after;
  }
  out_->joins.push_back(j);
  return true;
}

bool Reader::DecodeThreadExit(uint64_t offset, uint32_t size, uint32_t tid) {
  tf::ThreadExit r;
  if (!LoadFixed(bytes_, offset, size, &r)) return false;
  ThreadInfo& t = Thread(tid);
  t.exited = true;
  t.exit_seq = r.seq;
  t.exit_time_ns = r.time_ns;
  t.held_at_exit = r.n_held;
  t.via_pthread_exit = r.via_pthread_exit != 0;
  return true;
}

bool Reader::DecodeThreadName(uint64_t offset, uint32_t size, uint32_t tid) {
  tf::ThreadName r;
  if (!LoadFixed(bytes_, offset, size, &r) || !TrailingFits(size, sizeof(r), r.len, 1)) {
    return false;
  }
  uint32_t target = r.tid != 0 ? r.tid : tid;
  Thread(target).name = std::string(bytes_.Slice(offset + sizeof(r), r.len));
  return true;
}

// A pthread_t is reused only after its thread was joined, or exited detached: the target of a
// detach is the first thread (by start) with that pthread_self that nothing joined or detached
// before it. Joins name their thread by tid (resolved by the runtime after the join succeeded).
void Reader::ResolveDetaches() {
  Trace& t = *out_;
  std::map<uint64_t, std::vector<ThreadInfo*>> by_self;  // pthread_self -> threads by start seq
  for (auto& [tid, info] : t.threads) {
    if (info.started && info.pthread_self != 0) by_self[info.pthread_self].push_back(&info);
  }
  for (auto& [self, list] : by_self) {
    std::stable_sort(list.begin(), list.end(), [](const ThreadInfo* a, const ThreadInfo* b) {
      return a->start_seq < b->start_seq;
    });
  }
  // Claimed before `seq`: joined before it, or detached at create or by an earlier detach
  // (detaches are resolved in seq order, so `detached` holds only those so far).
  auto claimed = [](const ThreadInfo& th, uint64_t seq) {
    return th.detached || (th.joined && th.join_seq < seq);
  };
  for (DetachEvent& d : t.detaches) {
    if (d.resolved_tid == 0 && d.target_self != 0) {
      auto it = by_self.find(d.target_self);
      if (it == by_self.end()) continue;
      for (ThreadInfo* th : it->second) {
        if (!claimed(*th, d.seq)) {
          d.resolved_tid = th->tid;
          break;
        }
      }
    }
    if (d.resolved_tid == 0) continue;
    ThreadInfo& th = Thread(d.resolved_tid);
    if (th.detached) continue;  // a second detach of the same thread (undefined): keep the first
    th.detached = true;
    // A thread that detaches itself (or was created detached) never needed a join: seq 0.
    if (d.resolved_tid != d.tid) th.detach_seq = d.seq;
    th.detach_stack_id = d.stack_id;
  }
}

}  // namespace internal
}  // namespace analysis
}  // namespace lockscope
