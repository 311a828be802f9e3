// thread_leaks.cpp — see thread_leaks.h.

#include "thread_leaks.h"

#include <fmt/format.h>

#include <map>
#include <tuple>

#include "wait_findings.h"

namespace lockscope {
namespace analysis {
namespace {

namespace tf = ::lockscope::trace;

enum class Leak { kBlocked, kRunning, kNotJoined };

const char* LeakSubkind(Leak leak) {
  switch (leak) {
    case Leak::kBlocked:
      return "blocked";
    case Leak::kRunning:
      return "running";
    case Leak::kNotJoined:
      return "not-joined";
  }
  return "unknown";
}

// The slot of a live thread: the one with its tid that is not marked exited (a slot of an exited
// thread may be reused by another tid, never the reverse), or nullptr.
const SlotSnapshot* LiveSlot(const Trace& trace, uint32_t tid) {
  for (const SlotSnapshot& s : trace.slots) {
    if (s.tid == tid && s.state != tf::ThreadState::kExited) return &s;
  }
  return nullptr;
}

bool ExitedSlot(const Trace& trace, uint32_t tid) {
  for (const SlotSnapshot& s : trace.slots) {
    if (s.tid == tid && s.state == tf::ThreadState::kExited) return true;
  }
  return false;
}

// True when slot `s` was certainly still waiting at exit, not woken and yet to run: a lock wait
// with a live holder, a join of a live thread, a condvar or barrier wait with no wake-up in the
// process since it began (trace_format.h, wake_epoch), a semaphore or fd wait (no wake record).
bool CertainlyBlocked(const Trace& trace, const SlotSnapshot& s) {
  if (s.state != tf::ThreadState::kBlocked) return false;
  switch (s.wait_kind) {
    case tf::WaitKind::kLock:
    case tf::WaitKind::kJoin:
      for (const WaitForEdge& e : WaitForEdges(trace)) {
        if (&trace.slots[e.from] == &s) return true;
      }
      return false;
    case tf::WaitKind::kCond:
    case tf::WaitKind::kBarrier:
      return NoWakeupSince(trace, s);
    default:
      return true;
  }
}

// The runtime library that created the thread, when its pthread_create caller lies in one: the
// sanitizers' background threads and OpenMP/TBB worker pools live until exit by design.
std::string RuntimeCreator(FindingContext& ctx, const ThreadInfo& info) {
  static const char* const kRuntimes[] = {"libtsan", "libasan", "liblsan", "libubsan", "libhwasan",
                                          "libmsan", "libgomp", "libomp", "libiomp", "libtbb"};
  for (const Frame& f : ctx.StackOf(info.create_stack_id)) {
    std::string base = f.module.substr(f.module.rfind('/') + 1);
    if (base.rfind("libc.so", 0) == 0 || base.rfind("libpthread", 0) == 0) continue;
    for (const char* rt : kRuntimes) {
      if (base.rfind(rt, 0) == 0) return base;
    }
    if (f.function.rfind("__tsan", 0) == 0 || f.function.rfind("__asan", 0) == 0 ||
        f.function.rfind("__sanitizer", 0) == 0 || f.function.rfind("__lsan", 0) == 0) {
      return f.function;
    }
    return "";  // the first frame outside libc decides
  }
  return "";
}

// Threads grouped by what makes their reports identical.
struct GroupKey {
  Leak leak;
  uint32_t create_stack_id;
  uint64_t start_routine;
  uint32_t wait_stack_id;
  bool operator<(const GroupKey& o) const {
    return std::tie(leak, create_stack_id, start_routine, wait_stack_id) <
           std::tie(o.leak, o.create_stack_id, o.start_routine, o.wait_stack_id);
  }
};

// "running Poller(void*), started by T0 at main pool.cc:12".
std::string CreatedBy(FindingContext& ctx, const ThreadInfo& info) {
  std::string where = FindingContext::Where(ctx.StackOf(info.create_stack_id));
  std::string routine;
  if (info.start_routine != 0) {
    routine = ctx.symbolizer().Symbolize(info.start_routine, /*is_return_address=*/false).function;
  }
  return fmt::format("{}started by {}{}", routine.empty() ? "" : "running " + routine + ", ",
                     ctx.ThreadLabel(info.parent_tid), where.empty() ? "" : " at " + where);
}

std::string ThreadList(FindingContext& ctx, const std::vector<uint32_t>& tids) {
  std::string list;
  for (size_t i = 0; i < tids.size() && i < 8; ++i) {
    list += (i ? ", " : "") + ctx.ThreadLabel(tids[i]);
  }
  if (tids.size() > 8) list += fmt::format(" and {} more", tids.size() - 8);
  return list;
}

// Blocked: the wait of the first thread (they share the wait site) and what it holds.
void AddBlockedEvidence(FindingContext& ctx, const SlotSnapshot& s, Finding* f,
                        std::string* what) {
  const Trace& trace = ctx.trace();
  *what = DescribeWait(ctx, s);
  std::string since = SinceTraceStart(trace, s.wait_since_ns);
  f->extra_stacks.push_back(ctx.StackOf(s.wait_stack_id));
  f->extra_stack_titles.push_back(fmt::format("thread {} blocked here at exit{} ({})",
                                              ctx.ThreadLabel(s.tid),
                                              since.empty() ? "" : " since " + since, *what));
  if (s.wait_kind == tf::WaitKind::kLock || s.wait_kind == tf::WaitKind::kCond) {
    if (s.wait_lock_id != 0) f->locks.push_back(ctx.MakeLockRef(s.wait_lock_id));
  }
  for (const HeldLock& h : s.held) {
    LockRef ref = ctx.MakeLockRef(h.lock_id);
    f->extra_stacks.push_back(ctx.StackOf(h.stack_id));
    f->extra_stack_titles.push_back(fmt::format("thread {} holds {}, acquired here",
                                                ctx.ThreadLabel(s.tid),
                                                FindingContext::ShortLockName(ref)));
    f->locks.push_back(std::move(ref));
  }
  if (!since.empty()) *what += " since " + since;
  std::string at = FindingContext::Where(ctx.StackOf(s.wait_stack_id));
  if (!at.empty()) *what = "at " + at + " " + *what;
}

Finding MakeLeakFinding(FindingContext& ctx, const GroupKey& key,
                        const std::vector<uint32_t>& tids) {
  const Trace& trace = ctx.trace();
  const ThreadInfo& first = trace.threads.at(tids.front());
  Finding f;
  f.kind = FindingKind::kLeakedThread;
  f.subkind = LeakSubkind(key.leak);
  f.severity = key.leak == Leak::kBlocked ? "error" : "warning";
  f.pid = trace.pid;
  f.trace_path = trace.path;
  for (uint32_t tid : tids) f.threads.push_back(ctx.MakeThreadRef(tid));
  const std::string who = tids.size() == 1
                              ? "Thread " + ctx.ThreadLabel(tids.front())
                              : fmt::format("{} threads ({})", tids.size(), ThreadList(ctx, tids));
  const std::string was = tids.size() == 1 ? "was" : "were";
  const std::string origin = CreatedBy(ctx, first);
  std::string subject = tids.size() == 1 ? ctx.ThreadLabel(tids.front())
                                         : fmt::format("{} threads", tids.size());
  if (key.leak == Leak::kBlocked) {
    std::string what;
    AddBlockedEvidence(ctx, *LiveSlot(trace, tids.front()), &f, &what);
    f.summary = fmt::format("leaked thread: {} ({}) still blocked at exit, {}", subject, origin,
                            DescribeWait(ctx, *LiveSlot(trace, tids.front())));
    f.story = fmt::format(
        "{} ({}) {} still blocked when the process exited: {}. Nothing joined or detached {}, "
        "and the exit killed {} in the middle of {} work: the shutdown never woke {}. Make the "
        "shutdown wake every worker (set the stop flag under the mutex and broadcast the "
        "condition variable, post the semaphore, close the pipe) and join them before exiting.",
        who, origin, was, what, tids.size() == 1 ? "it" : "them",
        tids.size() == 1 ? "it" : "them", tids.size() == 1 ? "its" : "their",
        tids.size() == 1 ? "it" : "them");
  } else if (key.leak == Leak::kRunning) {
    f.summary = fmt::format("leaked thread: {} ({}) still running at exit, never joined", subject,
                            origin);
    f.story = fmt::format(
        "{} ({}) {} still running when the process exited: nothing joined or detached {}, so "
        "the exit killed {} wherever {} {}. A worker that never sees the stop request (a stop "
        "flag it does not check, or reads without synchronization) runs until the process dies "
        "and leaves its work half done. Make it check the stop request and join it before "
        "exiting.",
        who, origin, was, tids.size() == 1 ? "it" : "them", tids.size() == 1 ? "it" : "them",
        tids.size() == 1 ? "it" : "they", was);
  } else {
    std::string ended = SinceTraceStart(trace, first.exit_time_ns);
    f.summary = fmt::format("thread never joined: {} ({}) finished but {} neither joined nor "
                            "detached",
                            subject, origin, was);
    f.story = fmt::format(
        "{} ({}) finished{} but {} neither joined nor detached: until a joinable thread is "
        "joined, its stack and thread descriptor stay allocated, so a long-running program that "
        "starts threads like this leaks memory with each one. Join {}, or create {} detached "
        "(pthread_attr_setdetachstate, std::thread::detach) if nobody needs {} result.",
        who, origin, ended.empty() ? "" : " (at " + ended + ")", was,
        tids.size() == 1 ? "it" : "them", tids.size() == 1 ? "it" : "them",
        tids.size() == 1 ? "its" : "their");
  }
  return f;
}

SuppressedCandidate MakeSuppressed(FindingContext& ctx, const std::string& reason_id,
                                   const std::vector<uint32_t>& tids) {
  SuppressedCandidate s;
  s.kind = FindingKind::kLeakedThread;
  s.reason_id = reason_id;
  s.tids = tids;
  const ThreadInfo& first = ctx.trace().threads.at(tids.front());
  std::string who = ThreadList(ctx, tids);
  if (reason_id == "detached") {
    std::string how = "pthread_detach";
    if (first.detached_at_create) {
      how = "its creation attributes (PTHREAD_CREATE_DETACHED)";
    } else if (std::string at = FindingContext::Where(ctx.StackOf(first.detach_stack_id));
               !at.empty()) {
      how = "pthread_detach at " + at;
    }
    s.reason = fmt::format(
        "{} ({}) {} still alive at exit, but detached by {}: a detached thread may outlive main "
        "by design",
        who, CreatedBy(ctx, first), tids.size() == 1 ? "was" : "were", how);
  } else if (reason_id == "runtime-thread") {
    s.reason = fmt::format(
        "{} ({}) {} still alive at exit, but {} created by {}, a runtime that keeps its own "
        "threads until the process ends",
        who, CreatedBy(ctx, first), tids.size() == 1 ? "was" : "were",
        tids.size() == 1 ? "it was" : "they were", RuntimeCreator(ctx, first));
  } else {
    s.reason = fmt::format(
        "{} {} still alive at exit, but the runtime did not see {} created (no parent): whether "
        "{} joinable is unknown",
        who, tids.size() == 1 ? "was" : "were", tids.size() == 1 ? "it" : "them",
        tids.size() == 1 ? "it was" : "they were");
  }
  return s;
}

}  // namespace

void AddLeakedThreadFindings(FindingContext& ctx, std::vector<Finding>* out,
                             std::vector<SuppressedCandidate>* suppressed) {
  const Trace& trace = ctx.trace();
  // Hung or killed: wait_findings.h explains it. No slots or no pid: an imported trace (std
  // format) that says nothing about thread lifetimes.
  if (!trace.stats.clean_exit || trace.slots.empty() || trace.pid <= 0) return;
  std::map<GroupKey, std::vector<uint32_t>> leaks;
  std::map<std::pair<std::string, uint32_t>, std::vector<uint32_t>> quiet;  // (reason, site)
  for (const uint32_t tid : ThreadNumberingOrder(trace)) {
    const ThreadInfo& info = trace.threads.at(tid);
    if (!info.started || tid == static_cast<uint32_t>(trace.pid) || info.joined) continue;
    const SlotSnapshot* slot = LiveSlot(trace, tid);
    const bool alive = !info.exited && !(slot == nullptr && ExitedSlot(trace, tid));
    if (info.parent_tid == 0) {
      if (alive) quiet[{"unknown-origin", 0}].push_back(tid);
      continue;
    }
    if (info.detached) {
      if (alive) quiet[{"detached", info.create_stack_id}].push_back(tid);
      continue;
    }
    if (!RuntimeCreator(ctx, info).empty()) {
      if (alive) quiet[{"runtime-thread", info.create_stack_id}].push_back(tid);
      continue;
    }
    GroupKey key{Leak::kNotJoined, info.create_stack_id, info.start_routine, 0};
    if (alive) {
      bool blocked = slot != nullptr && CertainlyBlocked(trace, *slot);
      key.leak = blocked ? Leak::kBlocked : Leak::kRunning;
      key.wait_stack_id = blocked ? slot->wait_stack_id : 0;
    }
    leaks[key].push_back(tid);
  }
  const bool incomplete = trace.stats.dropped_records > 0 || trace.stats.runtime_disabled ||
                          trace.stats.seq_gaps > 0 || trace.stats.bad_chunks > 0;
  for (const auto& [key, tids] : leaks) {
    if (!incomplete) {
      out->push_back(MakeLeakFinding(ctx, key, tids));
      continue;
    }
    SuppressedCandidate s;
    s.kind = FindingKind::kLeakedThread;
    s.reason_id = "incomplete-trace";
    s.tids = tids;
    s.reason = fmt::format(
        "{} looked {} at exit, but the trace lost records (dropped, damaged or the runtime "
        "stopped), so a join or detach may be missing",
        ThreadList(ctx, tids), LeakSubkind(key.leak));
    suppressed->push_back(std::move(s));
  }
  for (const auto& [reason_site, tids] : quiet) {
    suppressed->push_back(MakeSuppressed(ctx, reason_site.first, tids));
  }
}

}  // namespace analysis
}  // namespace lockscope
