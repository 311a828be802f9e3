// thread_dumps.cpp — see thread_dumps.h.

#include "thread_dumps.h"

#include <fmt/format.h>

#include <map>

#include "wait_findings.h"

namespace lockscope {
namespace analysis {
namespace {

namespace tf = ::lockscope::trace;

// A join that began before its target started names the target by pthread_t: the dumped thread
// whose kThreadStart has that pthread_self is the one (0 when none is).
uint32_t JoinTarget(const Trace& trace, const ThreadDumpEvent& dump, uint64_t self) {
  for (const DumpedThread& t : dump.threads) {
    const ThreadInfo* info = trace.FindThread(t.slot.tid);
    if (info != nullptr && info->pthread_self == self) return t.slot.tid;
  }
  return 0;
}

// "acquiring g_mu, held by thread T2": the holder from the same dump.
std::string DumpWait(FindingContext& ctx, const ThreadDumpEvent& dump, const SlotSnapshot& slot) {
  SlotSnapshot s = slot;
  if (s.wait_kind == tf::WaitKind::kJoin && (s.wait_flags & tf::kWaitJoinPthread) != 0) {
    if (uint32_t tid = JoinTarget(ctx.trace(), dump, s.wait_object)) {
      s.wait_object = tid;
      s.wait_flags &= static_cast<uint8_t>(~tf::kWaitJoinPthread);
    }
  }
  std::string what = DescribeWait(ctx, s);
  if (s.wait_kind != tf::WaitKind::kLock || s.wait_lock_id == 0) return what;
  for (const DumpedThread& other : dump.threads) {
    if (other.slot.tid == s.tid) continue;
    for (const HeldLock& h : other.slot.held) {
      if (h.lock_id == s.wait_lock_id) {
        return what + ", held by thread " + ctx.ThreadLabel(other.slot.tid);
      }
    }
  }
  return what;
}

std::string NoStackNote(const DumpedThread& t) {
  if (t.flags & tf::kDumpInKernel) {
    return fmt::format(
        "sleeping in the kernel{}; not asked for its stack (the signal would "
        "interrupt the call)",
        t.syscall_nr >= 0 ? " in " + SyscallName(t.syscall_nr) : "");
  }
  if (t.flags & tf::kDumpSignalBlocked) return "blocks the dump signal: no stack";
  if (t.flags & tf::kDumpNoAnswer) return "did not answer the stack request within 1 s: no stack";
  return "";
}

ThreadAtEnd MakeThread(FindingContext& ctx, const ThreadDumpEvent& dump, const DumpedThread& t) {
  const SlotSnapshot& s = t.slot;
  ThreadAtEnd a;
  a.thread = ctx.MakeThreadRef(s.tid);
  a.state = s.state == tf::ThreadState::kBlocked ? "blocked" : "running";
  if (s.state == tf::ThreadState::kBlocked) {
    a.waiting = DumpWait(ctx, dump, s);
    a.since = SinceTraceStart(ctx.trace(), s.wait_since_ns);
    a.wait_stack = ctx.StackOf(s.wait_stack_id);
  }
  if (t.flags & tf::kDumpStackLive) a.stack = ctx.StackOf(t.stack_id);
  if (a.stack.empty() && (s.state != tf::ThreadState::kBlocked || a.wait_stack.empty())) {
    a.note = NoStackNote(t);
  }
  for (const HeldLock& h : s.held) {
    a.held.push_back(ctx.MakeLockRef(h.lock_id));
    a.held_stacks.push_back(ctx.StackOf(h.stack_id));
  }
  return a;
}

}  // namespace

std::string SyscallName(int32_t nr) {
  static const std::map<int32_t, const char*> kNames = {{0, "read"},
                                                        {1, "write"},
                                                        {7, "poll"},
                                                        {17, "pread64"},
                                                        {19, "readv"},
                                                        {20, "writev"},
                                                        {23, "select"},
                                                        {34, "pause"},
                                                        {35, "nanosleep"},
                                                        {42, "connect"},
                                                        {43, "accept"},
                                                        {44, "sendto"},
                                                        {45, "recvfrom"},
                                                        {46, "sendmsg"},
                                                        {47, "recvmsg"},
                                                        {61, "wait4"},
                                                        {72, "fcntl"},
                                                        {73, "flock"},
                                                        {128, "rt_sigtimedwait"},
                                                        {130, "rt_sigsuspend"},
                                                        {202, "futex"},
                                                        {230, "clock_nanosleep"},
                                                        {232, "epoll_wait"},
                                                        {247, "waitid"},
                                                        {270, "pselect6"},
                                                        {271, "ppoll"},
                                                        {281, "epoll_pwait"},
                                                        {288, "accept4"}};
  auto it = kNames.find(nr);
  return it != kNames.end() ? it->second : fmt::format("syscall {}", nr);
}

std::vector<ThreadDump> ThreadDumps(FindingContext& ctx) {
  const Trace& trace = ctx.trace();
  std::vector<uint32_t> order = ThreadNumberingOrder(trace);
  std::vector<ThreadDump> out;
  for (const ThreadDumpEvent& dump : trace.thread_dumps) {
    ThreadDump d;
    d.number = dump.dump_id;
    d.at = SinceTraceStart(trace, dump.time_ns);
    d.reason = dump.reason == tf::DumpReason::kTimeout ? "timeout" : "signal";
    d.incomplete = dump.threads.size() < dump.expected;
    std::vector<bool> done(dump.threads.size(), false);
    // T<n> order first; threads the trace never saw start (no kThreadStart) after them.
    for (uint32_t tid : order) {
      for (size_t i = 0; i < dump.threads.size(); ++i) {
        if (done[i] || dump.threads[i].slot.tid != tid) continue;
        d.threads.push_back(MakeThread(ctx, dump, dump.threads[i]));
        done[i] = true;
      }
    }
    for (size_t i = 0; i < dump.threads.size(); ++i) {
      if (!done[i]) d.threads.push_back(MakeThread(ctx, dump, dump.threads[i]));
    }
    out.push_back(std::move(d));
  }
  return out;
}

}  // namespace analysis
}  // namespace lockscope
