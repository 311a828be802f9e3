// wait_findings.cpp — see wait_findings.h.

#include "wait_findings.h"

#include <fmt/format.h>

#include <algorithm>
#include <deque>
#include <functional>
#include <map>
#include <set>

#include "channel_waits.h"

namespace lockscope {
namespace analysis {
namespace {

namespace tf = ::lockscope::trace;

bool Blocked(const SlotSnapshot& s) { return s.state == tf::ThreadState::kBlocked; }

// True when `holder` holds `lock_id` in a mode that blocks a request in `mode`.
bool HoldsConflicting(const SlotSnapshot& holder, uint32_t lock_id, LockMode mode) {
  return std::any_of(holder.held.begin(), holder.held.end(), [&](const HeldLock& h) {
    return h.lock_id == lock_id && (mode == LockMode::kExclusive || h.mode == LockMode::kExclusive);
  });
}

// Tarjan's strongly connected components over `adj` (recursive: the graph has one node per
// thread slot and few edges per node).
std::vector<std::vector<size_t>> StronglyConnected(const std::vector<std::vector<size_t>>& adj) {
  const size_t n = adj.size();
  std::vector<int> index(n, -1), low(n, 0);
  std::vector<bool> on_stack(n, false);
  std::vector<size_t> stack;
  std::vector<std::vector<size_t>> out;
  int next = 0;
  std::function<void(size_t)> visit = [&](size_t v) {
    index[v] = low[v] = next++;
    stack.push_back(v);
    on_stack[v] = true;
    for (size_t w : adj[v]) {
      if (index[w] < 0) {
        visit(w);
        low[v] = std::min(low[v], low[w]);
      } else if (on_stack[w]) {
        low[v] = std::min(low[v], index[w]);
      }
    }
    if (low[v] != index[v]) return;
    std::vector<size_t> component;
    size_t w;
    do {
      w = stack.back();
      stack.pop_back();
      on_stack[w] = false;
      component.push_back(w);
    } while (w != v);
    std::sort(component.begin(), component.end());
    out.push_back(std::move(component));
  };
  for (size_t v = 0; v < n; ++v) {
    if (index[v] < 0) visit(v);
  }
  std::sort(out.begin(), out.end());
  return out;
}

// The shortest cycle through `start` inside `component` (BFS), as edges in cycle order.
std::vector<WaitForEdge> CycleThrough(size_t start, const std::set<size_t>& component,
                                      const std::vector<WaitForEdge>& edges) {
  std::map<size_t, const WaitForEdge*> came_by;  // node -> edge that reached it first
  std::deque<size_t> queue{start};
  const WaitForEdge* closing = nullptr;
  while (!queue.empty() && closing == nullptr) {
    size_t v = queue.front();
    queue.pop_front();
    for (const WaitForEdge& e : edges) {
      if (e.from != v || component.count(e.to) == 0) continue;
      if (e.to == start) {
        closing = &e;
        break;
      }
      if (came_by.emplace(e.to, &e).second) queue.push_back(e.to);
    }
  }
  std::vector<WaitForEdge> cycle;
  if (closing == nullptr) return cycle;
  for (const WaitForEdge* e = closing;; e = came_by.at(e->from)) {
    cycle.push_back(*e);
    if (e->from == start) break;
  }
  std::reverse(cycle.begin(), cycle.end());
  return cycle;
}

// "+1.234 s" after the trace started, or "" when `ns` is unknown.
std::string RelTime(const Trace& trace, uint64_t ns) {
  if (ns == 0 || ns < trace.start_monotonic_ns) return "";
  return fmt::format("+{:.3f} s", static_cast<double>(ns - trace.start_monotonic_ns) / 1e9);
}

std::string SinceStart(const Trace& trace, uint64_t ns) {
  std::string t = RelTime(trace, ns);
  return t.empty() ? "" : " since " + t;
}

// "acquiring M2" / "joining T3" for the wait of slot `s` along edge `e`.
std::string WaitAction(FindingContext& ctx, const SlotSnapshot& s, const WaitForEdge& e) {
  const SlotSnapshot& target = ctx.trace().slots[e.to];
  if (s.wait_kind == tf::WaitKind::kJoin) return "joining thread " + ctx.ThreadLabel(target.tid);
  if (e.behind_writer) {
    return "read-acquiring " + FindingContext::ShortLockName(ctx.MakeLockRef(e.lock_id)) +
           ", queued behind thread " + ctx.ThreadLabel(target.tid) +
           "'s write request (the rwlock prefers writers)";
  }
  std::string verb = s.wait_mode == LockMode::kShared ? "read-acquiring " : "acquiring ";
  return verb + FindingContext::ShortLockName(ctx.MakeLockRef(e.lock_id)) + ", held by thread " +
         ctx.ThreadLabel(target.tid);
}

const HeldLock* FindHeld(const SlotSnapshot& s, uint32_t lock_id) {
  for (const HeldLock& h : s.held) {
    if (h.lock_id == lock_id) return &h;
  }
  return nullptr;
}

// Lock cycles get lock-order-style edge evidence: the thread of cycle edge k+1 holds lock k (the
// one cycle edge k waits for) and waits for lock k+1.
void AddLockEdges(FindingContext& ctx, const std::vector<WaitForEdge>& cycle, Finding* f) {
  const Trace& trace = ctx.trace();
  const size_t n = cycle.size();
  for (const WaitForEdge& e : cycle) f->locks.push_back(ctx.MakeLockRef(e.lock_id));
  f->cycle_locks = static_cast<int>(n);
  for (size_t k = 0; k < n; ++k) {
    const WaitForEdge& next = cycle[(k + 1) % n];
    const SlotSnapshot& s = trace.slots[next.from];
    EdgeEvidence ev;
    ev.from = static_cast<int>(k);
    ev.to = static_cast<int>((k + 1) % n);
    const HeldLock* held = FindHeld(s, cycle[k].lock_id);
    ev.from_mode = held != nullptr && held->mode == LockMode::kShared ? "shared" : "exclusive";
    ev.to_mode = s.wait_mode == LockMode::kShared ? "shared" : "exclusive";
    ev.tid = s.tid;
    ev.acquire_stack = ctx.StackOf(s.wait_stack_id);
    ev.held_stack = ctx.StackOf(held != nullptr ? held->stack_id : 0);
    f->edges.push_back(std::move(ev));
  }
}

// Mixed cycles (joins): each thread's wait site and the stacks of the locks it holds.
void AddThreadStacks(FindingContext& ctx, const std::vector<WaitForEdge>& cycle, Finding* f) {
  const Trace& trace = ctx.trace();
  for (const WaitForEdge& e : cycle) {
    const SlotSnapshot& s = trace.slots[e.from];
    f->extra_stacks.push_back(ctx.StackOf(s.wait_stack_id));
    f->extra_stack_titles.push_back(
        fmt::format("thread {} blocked here{} ({})", ctx.ThreadLabel(s.tid),
                    SinceStart(trace, s.wait_since_ns), WaitAction(ctx, s, e)));
    bool listed = std::any_of(f->locks.begin(), f->locks.end(),
                              [&](const LockRef& l) { return l.lock_id == e.lock_id; });
    if (e.lock_id != 0 && !listed) f->locks.push_back(ctx.MakeLockRef(e.lock_id));
    for (const HeldLock& h : s.held) {
      LockRef ref = ctx.MakeLockRef(h.lock_id);
      f->extra_stacks.push_back(ctx.StackOf(h.stack_id));
      f->extra_stack_titles.push_back(fmt::format("thread {} holds {}, acquired here",
                                                  ctx.ThreadLabel(s.tid),
                                                  FindingContext::ShortLockName(ref)));
    }
  }
}

void AddScenario(FindingContext& ctx, const std::vector<WaitForEdge>& cycle, Finding* f) {
  const Trace& trace = ctx.trace();
  for (const WaitForEdge& e : cycle) {
    const SlotSnapshot& s = trace.slots[e.from];
    for (const HeldLock& h : s.held) {
      std::string verb = h.mode == LockMode::kShared ? "rlock" : "lock";
      f->scenario.push_back(
          {s.tid, fmt::format("{}({})", verb, FindingContext::ShortLockName(ctx.MakeLockRef(h.lock_id)))});
    }
  }
  for (const WaitForEdge& e : cycle) {
    const SlotSnapshot& s = trace.slots[e.from];
    std::string action =
        e.lock_id == 0
            ? fmt::format("join({})", ctx.ThreadLabel(trace.slots[e.to].tid))
            : fmt::format("{}({})", s.wait_mode == LockMode::kShared ? "rlock" : "lock",
                          FindingContext::ShortLockName(ctx.MakeLockRef(e.lock_id)));
    f->scenario.push_back({s.tid, action + " <- blocked"});
  }
}

// The first watchdog report that names every thread of the cycle, or nullptr.
const WatchdogEvent* WatchdogSaw(const Trace& trace, const std::vector<uint32_t>& tids) {
  for (const WatchdogEvent& w : trace.watchdog_reports) {
    if (w.verdict != tf::WatchdogVerdict::kCycle && w.verdict != tf::WatchdogVerdict::kAllAsleep) {
      continue;
    }
    bool all = std::all_of(tids.begin(), tids.end(), [&](uint32_t t) {
      return std::find(w.tids.begin(), w.tids.end(), t) != w.tids.end();
    });
    if (all) return &w;
  }
  return nullptr;
}

std::string Story(FindingContext& ctx, const std::vector<WaitForEdge>& cycle, bool joins,
                  bool behind_writer) {
  const Trace& trace = ctx.trace();
  std::string story;
  std::vector<uint32_t> tids;
  for (const WaitForEdge& e : cycle) {
    const SlotSnapshot& s = trace.slots[e.from];
    tids.push_back(s.tid);
    std::string at = FindingContext::Where(ctx.StackOf(s.wait_stack_id));
    std::string holds;
    for (const HeldLock& h : s.held) {
      holds += (holds.empty() ? "" : ", ") + FindingContext::ShortLockName(ctx.MakeLockRef(h.lock_id));
    }
    story += fmt::format("Thread {} is blocked{}{} {}{}. ", ctx.ThreadLabel(s.tid),
                         SinceStart(trace, s.wait_since_ns), at.empty() ? "" : " at " + at,
                         WaitAction(ctx, s, e), holds.empty() ? "" : "; it holds " + holds);
  }
  story += "None of these threads can ever proceed: the process hung.";
  if (const WatchdogEvent* w = WatchdogSaw(trace, tids)) {
    std::string when = RelTime(trace, w->time_ns);
    story += fmt::format(" The runtime's watchdog saw this while the process ran{}.",
                         when.empty() ? "" : " (at " + when + ")");
  }
  if (behind_writer) {
    story += " A thread that already read-holds a writer-preferring rwlock must not read-lock it "
             "again: a writer queued in between blocks the second read, and waits for the first. "
             "Pass the locked state down instead of locking again.";
  } else {
    story += joins ? " Do not join a thread while holding a lock that thread needs: release the "
                     "lock before pthread_join (or std::thread::join)."
                   : " Take these locks in one global order everywhere.";
  }
  return story;
}

Finding MakeDeadlockFinding(FindingContext& ctx, const std::vector<WaitForEdge>& cycle) {
  const Trace& trace = ctx.trace();
  Finding f;
  f.kind = FindingKind::kActualDeadlock;
  f.severity = "error";
  f.hung = true;
  f.pid = trace.pid;
  f.trace_path = trace.path;
  bool joins = std::any_of(cycle.begin(), cycle.end(), [](const WaitForEdge& e) {
    return e.lock_id == 0;
  });
  bool behind_writer = std::any_of(cycle.begin(), cycle.end(), [](const WaitForEdge& e) {
    return e.behind_writer;
  });
  if (joins || behind_writer) {
    AddThreadStacks(ctx, cycle, &f);
  } else {
    AddLockEdges(ctx, cycle, &f);
  }
  std::string chain;
  for (const WaitForEdge& e : cycle) {
    const SlotSnapshot& s = trace.slots[e.from];
    f.threads.push_back(ctx.MakeThreadRef(s.tid));
    chain += (chain.empty() ? "" : "; ") + ctx.ThreadLabel(s.tid) + " " + WaitAction(ctx, s, e);
  }
  f.summary = fmt::format("deadlock: {} threads blocked in a wait-for cycle ({})", cycle.size(),
                          chain);
  AddScenario(ctx, cycle, &f);
  f.story = Story(ctx, cycle, joins, behind_writer);
  return f;
}

// "waiting on condition variable 0x.. (mutex M released)" and the like, for a non-lock wait.
std::string ObjectWait(FindingContext& ctx, const SlotSnapshot& s) {
  switch (s.wait_kind) {
    case tf::WaitKind::kCond: {
      std::string mutex =
          s.wait_lock_id == 0
              ? ""
              : " (its mutex " + FindingContext::ShortLockName(ctx.MakeLockRef(s.wait_lock_id)) +
                    " released while waiting)";
      return fmt::format("waiting on condition variable {:#x}{}", s.wait_object, mutex);
    }
    case tf::WaitKind::kBarrier:
      return fmt::format("waiting at barrier {:#x}", s.wait_object);
    case tf::WaitKind::kSem:
      return fmt::format("waiting on semaphore {:#x}", s.wait_object);
    case tf::WaitKind::kFd:
      return DescribeChannelWait(ctx.trace(), s);
    case tf::WaitKind::kLock:
      return "acquiring " + FindingContext::ShortLockName(ctx.MakeLockRef(s.wait_lock_id));
    case tf::WaitKind::kJoin:
      return (s.wait_flags & tf::kWaitJoinPthread) != 0
                 ? fmt::format("joining a thread that had not started (pthread_t {:#x})",
                               s.wait_object)
                 : "joining thread " + ctx.ThreadLabel(static_cast<uint32_t>(s.wait_object));
    default:
      return "waiting";
  }
}

// A wait nothing in the process can end once every thread is blocked (watchdog.h's rule, the
// same in the runtime): lock waits and joins on a live thread of this process, waits on
// process-private condvars and barriers, and on channels no other process can hold an end of
// (made here, no fork or spawn since: else kWaitShared). Never semaphores (sem_post is
// async-signal-safe, a signal handler may be the waker), never timed or process-shared waits.
bool AsleepForGood(const Trace& trace, const SlotSnapshot& s, bool has_edge) {
  if (s.state != tf::ThreadState::kBlocked) return false;
  if ((s.wait_flags & (tf::kWaitTimed | tf::kWaitShared)) != 0) return false;
  switch (s.wait_kind) {
    case tf::WaitKind::kLock:
    case tf::WaitKind::kJoin:
      return has_edge;
    case tf::WaitKind::kCond:
    case tf::WaitKind::kBarrier:
    case tf::WaitKind::kFd:
      // A wake-up after the wait began may have woken it (it had not run yet when killed).
      return NoWakeupSince(trace, s);
    default:
      return false;
  }
}

Finding MakeCommDeadlockFinding(FindingContext& ctx, const std::vector<WaitForEdge>& edges) {
  const Trace& trace = ctx.trace();
  Finding f;
  f.kind = FindingKind::kCommDeadlock;
  f.subkind = "all-threads-asleep";
  f.severity = "error";
  f.hung = true;
  f.pid = trace.pid;
  f.trace_path = trace.path;
  std::string story;
  std::vector<uint32_t> tids;
  for (size_t i = 0; i < trace.slots.size(); ++i) {
    const SlotSnapshot& s = trace.slots[i];
    if (s.state != tf::ThreadState::kBlocked) continue;
    tids.push_back(s.tid);
    f.threads.push_back(ctx.MakeThreadRef(s.tid));
    auto edge = std::find_if(edges.begin(), edges.end(),
                             [&](const WaitForEdge& e) { return e.from == i; });
    std::string what = edge != edges.end() ? WaitAction(ctx, s, *edge) : ObjectWait(ctx, s);
    if (s.wait_kind == tf::WaitKind::kCond && s.wait_lock_id != 0) {
      f.locks.push_back(ctx.MakeLockRef(s.wait_lock_id));
    }
    Stack stack = ctx.StackOf(s.wait_stack_id);
    std::string at = FindingContext::Where(stack);
    story += fmt::format("Thread {} is blocked{}{} {}. ", ctx.ThreadLabel(s.tid),
                         SinceStart(trace, s.wait_since_ns), at.empty() ? "" : " at " + at, what);
    f.extra_stacks.push_back(std::move(stack));
    f.extra_stack_titles.push_back(fmt::format("thread {} blocked here{} ({})",
                                               ctx.ThreadLabel(s.tid),
                                               SinceStart(trace, s.wait_since_ns), what));
  }
  // Channel waits: name the channel in the summary and say who was to wake each waiter.
  std::string channels;
  std::string channel_story;
  for (const SlotSnapshot& s : trace.slots) {
    if (s.state != tf::ThreadState::kBlocked || s.wait_kind != tf::WaitKind::kFd) continue;
    channels += fmt::format("{}thread {} {}", channels.empty() ? "" : "; ", ctx.ThreadLabel(s.tid),
                            DescribeChannelWait(trace, s));
    channel_story += ChannelWaitStory(ctx, s, &f) + " ";
  }
  f.summary = fmt::format(
      "communication deadlock: all {} threads are blocked and none of them can wake another{}",
      tids.size(), channels.empty() ? "" : " (" + channels + ")");
  story += channel_story;
  if (!channel_story.empty()) {
    story +=
        "Every thread of the process is blocked in a wait that only another thread of the "
        "process could end, so the process hung for good. A wait on a channel needs a thread "
        "left that will still do the other side (write or send for a reader, read or receive "
        "for a writer), or a close: close the channel (every write end of a pipe) or send a stop "
        "message once no more messages will come, and before joining the threads that use it.";
  } else {
    story +=
        "Every thread of the process is blocked in a wait that only another thread of the "
        "process could end (a signal, a post, a lock release, an exit), so the process hung for "
        "good: the notification that would wake the waiters was never sent, or was sent before "
        "they waited (a lost wake-up). Wait in a loop on a predicate checked under the mutex, "
        "and make sure every waiter has a thread left that will notify it.";
  }
  if (const WatchdogEvent* w = WatchdogSaw(trace, tids)) {
    std::string when = RelTime(trace, w->time_ns);
    story += fmt::format(" The runtime's watchdog saw this while the process ran{}.",
                         when.empty() ? "" : " (at " + when + ")");
  }
  f.story = story;
  return f;
}

// The waiter's evidence of a lost signal, or false (wait_findings.h, lost-wakeup).
bool LostSignalBefore(const SlotSnapshot& s) {
  return s.wait_kind == tf::WaitKind::kCond && s.lost_signal_tid != 0 &&
         s.lost_signal_tid != s.tid && s.lost_signal_ns <= s.wait_since_ns;
}

Finding MakeLostWakeupFinding(FindingContext& ctx, const SlotSnapshot& s) {
  const Trace& trace = ctx.trace();
  Finding f;
  f.kind = FindingKind::kLostWakeup;
  f.severity = "error";
  f.hung = true;
  f.pid = trace.pid;
  f.trace_path = trace.path;
  f.threads.push_back(ctx.MakeThreadRef(s.tid));
  f.threads.push_back(ctx.MakeThreadRef(s.lost_signal_tid));
  if (s.wait_lock_id != 0) f.locks.push_back(ctx.MakeLockRef(s.wait_lock_id));
  const std::string waiter = ctx.ThreadLabel(s.tid);
  const std::string signaller = ctx.ThreadLabel(s.lost_signal_tid);
  Stack wait_stack = ctx.StackOf(s.wait_stack_id);
  Stack signal_stack = ctx.StackOf(s.lost_signal_stack_id);
  std::string wait_at = FindingContext::Where(wait_stack);
  std::string signal_at = FindingContext::Where(signal_stack);
  std::string cond = fmt::format("condition variable {:#x}", s.wait_object);
  f.extra_stacks.push_back(wait_stack);
  f.extra_stack_titles.push_back(fmt::format("thread {} waits here{} on {} (nothing signals it "
                                             "any more)",
                                             waiter, SinceStart(trace, s.wait_since_ns), cond));
  f.extra_stacks.push_back(signal_stack);
  f.extra_stack_titles.push_back(fmt::format(
      "thread {} signalled {} here{}, when no thread waited on it", signaller, cond,
      RelTime(trace, s.lost_signal_ns).empty() ? "" : " at " + RelTime(trace, s.lost_signal_ns)));
  f.summary = fmt::format("lost wake-up: thread {} waits for good on {}; its last signal came "
                          "from thread {} before the wait began",
                          waiter, cond, signaller);
  double gap_ms = static_cast<double>(s.wait_since_ns - s.lost_signal_ns) / 1e6;
  f.story = fmt::format(
      "Thread {} signalled {}{} when no thread was waiting on it, so the signal woke nobody. "
      "{:.3f} ms later thread {} began to wait on it{}, and nothing signalled it again: the "
      "wake-up was lost and thread {} waits for good (every thread of the process is blocked). "
      "A waiter that does not check a condition first misses a signal sent before it waits: "
      "wait in a loop on a predicate (`while (!ready) pthread_cond_wait(...)`) that the signaller "
      "sets under the mutex before it signals.",
      signaller, cond, signal_at.empty() ? "" : " at " + signal_at, gap_ms, waiter,
      wait_at.empty() ? "" : " at " + wait_at, waiter);
  if (const WatchdogEvent* w = WatchdogSaw(trace, {s.tid})) {
    std::string when = RelTime(trace, w->time_ns);
    f.story += fmt::format(" The runtime's watchdog saw the hang while the process ran{}.",
                           when.empty() ? "" : " (at " + when + ")");
  }
  return f;
}

}  // namespace

std::string DescribeWait(FindingContext& ctx, const SlotSnapshot& s) {
  const Trace& trace = ctx.trace();
  for (const WaitForEdge& e : WaitForEdges(trace)) {
    if (&trace.slots[e.from] == &s) return WaitAction(ctx, s, e);
  }
  return ObjectWait(ctx, s);
}

std::string SinceTraceStart(const Trace& trace, uint64_t ns) { return RelTime(trace, ns); }

std::vector<ThreadAtEnd> ThreadsAtEnd(FindingContext& ctx) {
  const Trace& trace = ctx.trace();
  std::vector<ThreadAtEnd> out;
  for (uint32_t tid : ThreadNumberingOrder(trace)) {
    for (const SlotSnapshot& s : trace.slots) {
      if (s.tid != tid || s.state == tf::ThreadState::kExited) continue;
      ThreadAtEnd t;
      t.thread = ctx.MakeThreadRef(tid);
      t.state = s.state == tf::ThreadState::kBlocked ? "blocked" : "running";
      if (s.state == tf::ThreadState::kBlocked) {
        t.waiting = DescribeWait(ctx, s);
        t.since = RelTime(trace, s.wait_since_ns);
        t.wait_stack = ctx.StackOf(s.wait_stack_id);
      }
      for (const HeldLock& h : s.held) {
        t.held.push_back(ctx.MakeLockRef(h.lock_id));
        t.held_stacks.push_back(ctx.StackOf(h.stack_id));
      }
      out.push_back(std::move(t));
      break;
    }
  }
  return out;
}

bool NoWakeupSince(const Trace& trace, const SlotSnapshot& s) {
  if (trace.wake_table.size() == tf::kWakeBuckets) {
    const uint64_t key =
        s.wait_kind == tf::WaitKind::kFd
            ? tf::ChannelWakeKey(s.wait_object, static_cast<uint8_t>(s.wait_dir))
            : s.wait_object;
    return s.wait_object_epoch == trace.wake_table[tf::WakeBucket(key)];
  }
  return s.wait_wake_epoch == trace.wake_epoch;
}

void AddCommDeadlockFindings(FindingContext& ctx, std::vector<Finding>* out,
                             std::vector<SuppressedCandidate>* suppressed) {
  const Trace& trace = ctx.trace();
  if (trace.stats.clean_exit) return;  // threads still blocked at exit are leaks, not deadlocks
  std::vector<WaitForEdge> edges = WaitForEdges(trace);
  std::set<uint32_t> live_tids;
  bool object_wait = false;
  for (size_t i = 0; i < trace.slots.size(); ++i) {
    const SlotSnapshot& s = trace.slots[i];
    if (s.state == tf::ThreadState::kExited) continue;
    bool has_edge = std::any_of(edges.begin(), edges.end(), [&](const WaitForEdge& e) {
      return e.from == i && trace.slots[e.to].state != tf::ThreadState::kExited;
    });
    if (!AsleepForGood(trace, s, has_edge)) return;
    object_wait |= s.wait_kind == tf::WaitKind::kCond || s.wait_kind == tf::WaitKind::kBarrier ||
                   s.wait_kind == tf::WaitKind::kFd;
    live_tids.insert(s.tid);
  }
  // Only lock waits and joins: actual-deadlock explains it. A started, unexited thread without a
  // slot (more threads than slots) might be the waker: say nothing.
  if (!object_wait || live_tids.empty()) return;
  for (const auto& [tid, info] : trace.threads) {
    if (info.started && !info.exited && live_tids.count(tid) == 0) return;
  }
  std::vector<uint32_t> lost;
  for (const SlotSnapshot& s : trace.slots) {
    if (s.state != tf::ThreadState::kBlocked || !LostSignalBefore(s)) continue;
    out->push_back(MakeLostWakeupFinding(ctx, s));
    lost.push_back(s.tid);
  }
  if (lost.empty()) {
    out->push_back(MakeCommDeadlockFinding(ctx, edges));
    return;
  }
  if (suppressed == nullptr) return;
  SuppressedCandidate c;
  c.kind = FindingKind::kCommDeadlock;
  c.reason_id = "lost-wakeup";
  c.tids.assign(live_tids.begin(), live_tids.end());
  std::string who;
  for (uint32_t tid : lost) who += (who.empty() ? "" : ", ") + ctx.ThreadLabel(tid);
  c.reason = fmt::format(
      "every thread is blocked (all threads asleep), explained by the lost-wakeup finding of "
      "thread {}: its signal came before it waited",
      who);
  suppressed->push_back(std::move(c));
}

// `s` read-requests a writer-preferring rwlock for which `t` is blocked as a writer.
bool QueuedWriterAhead(const Trace& trace, const SlotSnapshot& s, const SlotSnapshot& t) {
  if (s.wait_kind != tf::WaitKind::kLock || s.wait_lock_id == 0 ||
      s.wait_mode != LockMode::kShared || !Blocked(t) || t.wait_kind != tf::WaitKind::kLock ||
      t.wait_lock_id != s.wait_lock_id || t.wait_mode != LockMode::kExclusive) {
    return false;
  }
  const LockInfo* lock = trace.FindLock(s.wait_lock_id);
  return lock != nullptr && (lock->attrs & tf::kAttrPreferWriter) != 0;
}

std::vector<WaitForEdge> WaitForEdges(const Trace& trace) {
  std::vector<WaitForEdge> edges;
  const std::vector<SlotSnapshot>& slots = trace.slots;
  for (size_t i = 0; i < slots.size(); ++i) {
    const SlotSnapshot& s = slots[i];
    if (!Blocked(s)) continue;
    for (size_t j = 0; j < slots.size(); ++j) {
      const SlotSnapshot& t = slots[j];
      if (j == i || t.tid == s.tid || t.state == tf::ThreadState::kExited) continue;
      if (s.wait_kind == tf::WaitKind::kLock && s.wait_lock_id != 0 &&
          HoldsConflicting(t, s.wait_lock_id, s.wait_mode)) {
        edges.push_back({i, j, s.wait_lock_id});
      } else if (QueuedWriterAhead(trace, s, t)) {
        edges.push_back({i, j, s.wait_lock_id, /*behind_writer=*/true});
      } else if (s.wait_kind == tf::WaitKind::kJoin && s.wait_object != 0 &&
                 s.wait_object == ((s.wait_flags & tf::kWaitJoinPthread) != 0 ? t.pthread_self
                                                                              : t.tid)) {
        edges.push_back({i, j, 0});
      }
    }
  }
  return edges;
}

std::vector<std::vector<WaitForEdge>> BlockedCycles(const Trace& trace) {
  std::vector<WaitForEdge> edges = WaitForEdges(trace);
  std::vector<std::vector<size_t>> adj(trace.slots.size());
  for (const WaitForEdge& e : edges) adj[e.from].push_back(e.to);
  std::vector<std::vector<WaitForEdge>> cycles;
  for (const std::vector<size_t>& component : StronglyConnected(adj)) {
    if (component.size() < 2) continue;
    std::set<size_t> members(component.begin(), component.end());
    std::vector<WaitForEdge> cycle = CycleThrough(component.front(), members, edges);
    if (!cycle.empty()) cycles.push_back(std::move(cycle));
  }
  return cycles;
}

void AddActualDeadlockFindings(FindingContext& ctx, std::vector<Finding>* out) {
  for (const std::vector<WaitForEdge>& cycle : BlockedCycles(ctx.trace())) {
    out->push_back(MakeDeadlockFinding(ctx, cycle));
  }
}

}  // namespace analysis
}  // namespace lockscope
