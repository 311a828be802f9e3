#include "runtime.h"

#include <sys/auxv.h>
#include <time.h>
#include <unistd.h>

#include "event_buffer.h"
#include "init_sites.h"
#include "internal/raw_log.h"
#include "lock_table.h"
#include "process_filter.h"
#include "stack_table.h"
#include "thread_dump.h"
#include "thread_state.h"
#include "trace_writer.h"
#include "wait_clock.h"

namespace lockscope {
namespace rt {

__thread ThreadTls t_tls __attribute__((tls_model("initial-exec"))) = {ThreadTls::kNoState, 0,
                                                                       nullptr};

std::atomic<uint32_t> g_mode{static_cast<uint32_t>(Mode::kUninit)};
Flags g_flags;

namespace {

std::atomic<uint64_t> g_seq{1};
std::atomic<bool> g_disabled{false};
char g_trace_template[4096];
bool g_have_template = false;

}  // namespace

uint64_t MonotonicNs() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1000000000ull + static_cast<uint64_t>(ts.tv_nsec);
}

uint64_t NextSeq() { return g_seq.fetch_add(1, std::memory_order_relaxed); }

uint32_t GetTid() { return static_cast<uint32_t>(gettid()); }

bool DisableRuntime(trace::DisableReason reason) {
  g_mode.store(static_cast<uint32_t>(Mode::kPassThrough), std::memory_order_relaxed);
  if (g_disabled.exchange(true)) return false;
  uint32_t bits = trace::kStatusDisabled;
  if (reason == trace::DisableReason::kTraceFull) bits |= trace::kStatusTruncated;
  g_writer.SetStatus(bits);
  return true;
}

bool InitRuntime(const ReentryGuard& g, const char* trace_template, const char* options,
                 const void* self_fn) {
  ParseFlags(options, &g_flags);
  if (!g_flags.enabled) {
    g_mode.store(static_cast<uint32_t>(Mode::kPassThrough));
    return false;
  }
  // Never record inside setuid/setgid programs: the trace would leak privileged state.
  if (getauxval(AT_SECURE)) {
    g_mode.store(static_cast<uint32_t>(Mode::kPassThrough));
    return false;
  }
  // only=/exclude= (lockscope run --only/--exclude): an unselected process runs untraced.
  if (*g_flags.only || *g_flags.exclude) {
    char exe[trace::kMaxPathBytes];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    exe[n > 0 ? n : 0] = '\0';
    if (!ProcessSelected(g_flags.only, g_flags.exclude, exe)) {
      if (g_flags.verbose) internal::RawLog("not recording '%s' (only=/exclude=)", exe);
      g_mode.store(static_cast<uint32_t>(Mode::kPassThrough));
      return false;
    }
  }
  g_have_template = trace_template && *trace_template;
  if (g_have_template) {
    internal::RawFormat(g_trace_template, sizeof(g_trace_template), "%s", trace_template);
  }
  g_disabled.store(false);
  g_disabled_record_written.store(false);
  WaitClockInit();
  if (!LockTableInit() || !ThreadingInit() ||
      !StackTableInit(g, self_fn, g_flags.stack_depth)) {
    internal::RawLog("cannot allocate runtime tables; recording disabled, the program continues");
    g_mode.store(static_cast<uint32_t>(Mode::kPassThrough));
    return false;
  }
  if (!g_writer.Open(g, g_flags, g_have_template ? g_trace_template : nullptr, 0)) {
    g_mode.store(static_cast<uint32_t>(Mode::kPassThrough));
    return false;
  }
  g_mode.store(static_cast<uint32_t>(Mode::kActive), std::memory_order_release);
  ThreadState* ts = CreateThreadState(g, ThreadOrigin{});
  if (!ts) {
    DisableRuntime(trace::DisableReason::kInternal);
    internal::RawLog("cannot allocate thread state; recording stopped, the program continues");
    return false;
  }
  RecordModules(g, &ts->buf);
  if (g_flags.verbose) internal::RawLog("recording to '%s'", g_writer.path());
  return true;
}

void FinishRuntime(const ReentryGuard& g) {
  if (!g_writer.is_open()) return;
  if (ThreadState* ts = t_tls.state) {
    if (RuntimeActive()) ExitThread(g, ts, /*release=*/false);
  }
  g_writer.SetEndTime(MonotonicNs());
  g_writer.SetStatus(trace::kStatusCleanExit);
}

void ReinitAfterFork(const ReentryGuard& g, ThreadState* ts) {
  // Only the forking thread exists in the child. Anything another thread held at fork time
  // (spin locks, half-registered table entries) is dropped with the tables.
  const uint32_t parent_tid = ts->tid;
  g_writer.Abandon();  // never write to the parent's file from here on
  g_disabled_record_written.store(false);
  LockTableReset();
  InitSitesReset();
  StackTableReset();
  ThreadingResetAfterFork();
  ThreadDumpResetAfterFork();
  if (!g_writer.Open(g, g_flags, g_have_template ? g_trace_template : nullptr,
                     trace::kStatusForkChild)) {
    g_mode.store(static_cast<uint32_t>(Mode::kPassThrough));
    ts->buf.ResetAfterFork(GetTid());
    // The hot path (hot_path.h) does not look at the mode; what stops it here is the thread
    // state: its slot was in the parent's mapping, gone now, and this is the child's only thread.
    ts->slot = nullptr;
    SetThreadState(nullptr);
    return;
  }
  ResetThreadStateAfterFork(g, ts, parent_tid);
  RecordModules(g, &ts->buf);
}

void TestOnlyShutdown() {
  if (ThreadState* ts = t_tls.state) {
    ReentryGuard g;
    ExitThread(g, ts, /*release=*/true);
  }
  t_thread_done = false;
  g_mode.store(static_cast<uint32_t>(Mode::kUninit));
  g_writer.Abandon();
  LockTableReset();
  InitSitesReset();
  StackTableReset();
  g_seq.store(1);
}

}  // namespace rt
}  // namespace lockscope
