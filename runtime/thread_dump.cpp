// thread_dump.cpp — see thread_dump.h.

#include "thread_dump.h"

#include <dlfcn.h>
#include <execinfo.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <sys/syscall.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

#include <atomic>
#include <cstring>

#include "internal/mmap_alloc.h"
#include "internal/raw_log.h"
#include "internal/spin_lock.h"
#include "runtime.h"
#include "stack_table.h"
#include "thread_state.h"
#include "trace_writer.h"

namespace lockscope {
namespace rt {
namespace {

using internal::RawLog;
using trace::ThreadSlot;

constexpr int kAreaFrames = static_cast<int>(trace::kMaxStackDepth) + 16;
constexpr uint64_t kAnswerMs = 1000;  // how long the watchdog waits for the stacks of one dump
constexpr int kCaptureCookie = 0x4c4b5343;  // sigval of the watchdog's stack requests

// One per slot index: the watchdog's request to the slot's thread and the thread's answer.
struct CaptureArea {
  std::atomic<uint32_t> tid;       // the thread asked (the slot may change owner meanwhile)
  std::atomic<uint32_t> request;   // set by the watchdog before it signals (release)
  std::atomic<uint32_t> answered;  // = request once frames/depth/pc are written (release)
  int32_t depth;
  uint64_t pc;                   // the interrupted instruction
  uint64_t frames[kAreaFrames];  // raw backtrace(), handler frames included
};

// What the watchdog noted about one thread of the dump it is taking.
struct Pending {
  uint32_t slot;     // index in the slot table (and in the capture areas)
  uint32_t request;  // 0: not signalled
  uint8_t flags;     // trace::DumpThreadFlag bits found so far
  int32_t syscall_nr;
};

std::atomic<uint32_t> g_requests{0};  // futex word: dump requests (handler)
std::atomic<uint32_t> g_reasons{0};   // 1 << DumpReason of the pending requests (handler)
std::atomic<uint32_t> g_answers{0};   // futex word: stack answers (handler)
std::atomic<bool> g_armed{false};     // our handler is installed
std::atomic<bool> g_stood_down{false};
std::atomic<bool> g_told{false};
std::atomic<ThreadSlot*> g_slots{nullptr};  // the slot table the capture areas mirror
internal::SpinLock g_arm_lock;              // arming vs the program's sigaction
CaptureArea* g_areas = nullptr;             // slot_count entries, mmap'd once
uint32_t g_area_count = 0;
// Watchdog thread only.
ThreadSlot* g_snap = nullptr;
Pending* g_pending = nullptr;
uint32_t g_served = 0;
uint32_t g_dump_id = 0;
uint32_t g_next_request = 0;

// libc's sigaction (ours, exported by liblockscope.so, would take the program's side). Resolved
// by the watchdog thread or a program's sigaction call, never during start-up or in a handler.
int RealSigaction(int sig, const struct sigaction* act, struct sigaction* old) {
  static std::atomic<SigactionFn> real{nullptr};
  SigactionFn f = real.load(std::memory_order_acquire);
  if (f == nullptr) {
    f = reinterpret_cast<SigactionFn>(dlsym(RTLD_NEXT, "sigaction"));
    if (f == nullptr) return -1;
    real.store(f, std::memory_order_release);
  }
  return f(sig, act, old);
}

long Futex(std::atomic<uint32_t>* word, int op, uint32_t val, const timespec* timeout) {
  return syscall(SYS_futex, reinterpret_cast<uint32_t*>(word), op, val, timeout, nullptr, 0);
}

// Signals a user may pick: none that a shell, libc or a debugger gives another meaning to
// (SIGINT/SIGTERM/SIGQUIT keep their default action, SIGKILL and SIGSTOP cannot be caught).
bool SignalUsable(int sig) {
  switch (sig) {
    case SIGHUP:
    case SIGUSR1:
    case SIGUSR2:
    case SIGALRM:
    case SIGURG:
    case SIGXCPU:
    case SIGVTALRM:
    case SIGPROF:
    case SIGWINCH:
    case SIGPWR:
      return true;
    default:
      return sig >= SIGRTMIN && sig <= SIGRTMAX;
  }
}

uint64_t InterruptedPc(const void* ucontext) {
  if (ucontext == nullptr) return 0;
  const auto* uc = static_cast<const ucontext_t*>(ucontext);
#if defined(__x86_64__)
  return static_cast<uint64_t>(uc->uc_mcontext.gregs[REG_RIP]);
#elif defined(__aarch64__)
  return uc->uc_mcontext.pc;
#else
  (void)uc;
  return 0;
#endif
}

// In the handler: answers the watchdog's stack request if there is one for this thread.
bool AnswerCapture(const void* ucontext) {
  ThreadState* ts = t_tls.state;
  ThreadSlot* slots = g_slots.load(std::memory_order_acquire);
  if (ts == nullptr || ts->slot == nullptr || slots == nullptr || g_areas == nullptr) return false;
  const auto index = static_cast<size_t>(ts->slot - slots);
  if (index >= g_area_count) return false;
  CaptureArea& a = g_areas[index];
  const uint32_t request = a.request.load(std::memory_order_acquire);
  if (request == 0 || a.tid.load(std::memory_order_relaxed) != ts->tid ||
      a.answered.load(std::memory_order_relaxed) == request) {
    return false;
  }
  void* raw[kAreaFrames];
  int n = backtrace(raw, kAreaFrames);
  for (int i = 0; i < n; ++i) a.frames[i] = reinterpret_cast<uint64_t>(raw[i]);
  a.depth = n;
  a.pc = InterruptedPc(ucontext);
  a.answered.store(request, std::memory_order_release);
  g_answers.fetch_add(1, std::memory_order_release);
  Futex(&g_answers, FUTEX_WAKE_PRIVATE, 1, nullptr);
  return true;
}

// The dump signal's handler: async-signal-safe (atomics, backtrace as thread_dump.h explains,
// futex, getpid), no allocation, no lock.
void OnDumpSignal(int, siginfo_t* info, void* ucontext) {
  ErrnoSaver es;
  ReentryGuard g;
  // A stack request from the watchdog carries kCaptureCookie (rt_tgsigqueueinfo from this
  // process); anything else (kill, sigqueue, the program's own raise) asks for a dump.
  if (info != nullptr && info->si_code == SI_QUEUE && info->si_value.sival_int == kCaptureCookie &&
      info->si_pid == getpid()) {
    AnswerCapture(ucontext);
    return;
  }
  const bool timeout = info != nullptr && info->si_code == SI_QUEUE &&
                       info->si_value.sival_int == trace::kDumpTimeoutCookie;
  const auto reason = timeout ? trace::DumpReason::kTimeout : trace::DumpReason::kSignal;
  g_reasons.fetch_or(1u << static_cast<uint32_t>(reason), std::memory_order_relaxed);
  g_requests.fetch_add(1, std::memory_order_release);
  Futex(&g_requests, FUTEX_WAKE_PRIVATE, 1, nullptr);
}

// Called with g_arm_lock held.
void StandDown(int sig, bool ignored) {
  g_stood_down.store(true);
  g_writer.SetStatus(trace::kStatusDumpStoodDown);
  if (trace::FileHeader* h = g_writer.header())
    __atomic_store_n(&h->dump_signal, 0, __ATOMIC_RELEASE);
  if (!g_told.exchange(true)) {
    RawLog(
        "the program %s signal %d itself: no thread dumps on it (choose another signal with "
        "LOCKSCOPE_OPTIONS=dump_signal=N)",
        ignored ? "ignores" : "handles", sig);
  }
}

bool AllocateAreas(uint32_t slot_count) {
  if (g_areas != nullptr) return g_area_count >= slot_count;
  g_areas = static_cast<CaptureArea*>(internal::MmapZeroed(slot_count * sizeof(CaptureArea)));
  g_snap = static_cast<ThreadSlot*>(internal::MmapZeroed(slot_count * sizeof(ThreadSlot)));
  g_pending = static_cast<Pending*>(internal::MmapZeroed(slot_count * sizeof(Pending)));
  if (!g_areas || !g_snap || !g_pending) {
    internal::MunmapSafe(g_areas, slot_count * sizeof(CaptureArea));
    g_areas = nullptr;
    return false;
  }
  g_area_count = slot_count;
  return true;
}

// The kernel's view of thread `tid`: its run state ('R', 'S', 'D', ..., 0 = gone), whether it
// blocks `sig`, and (sleeping) the system call it sleeps in. Plain syscalls into stack buffers.
char TaskState(uint32_t tid, int sig, bool* blocks_sig, int32_t* syscall_nr) {
  *blocks_sig = false;
  *syscall_nr = -1;
  char path[64], buf[4096];
  internal::RawFormat(path, sizeof(path), "/proc/self/task/%u/status", tid);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  ssize_t n = read(fd, buf, sizeof(buf) - 1);
  close(fd);
  if (n <= 0) return 0;
  buf[n] = '\0';
  const char* state = strstr(buf, "\nState:\t");
  const char* blk = strstr(buf, "\nSigBlk:\t");
  if (blk != nullptr) {
    uint64_t mask = 0;
    for (const char* p = blk + 9; *p != '\n' && *p != '\0'; ++p) {
      int d = *p >= '0' && *p <= '9' ? *p - '0' : *p >= 'a' && *p <= 'f' ? *p - 'a' + 10 : -1;
      if (d < 0) break;
      mask = mask << 4 | static_cast<uint64_t>(d);
    }
    *blocks_sig = sig >= 1 && sig <= 64 && ((mask >> (sig - 1)) & 1) != 0;
  }
  const char s = state != nullptr ? state[8] : '?';
  if (s == 'S' || s == 'D') {
    internal::RawFormat(path, sizeof(path), "/proc/self/task/%u/syscall", tid);
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
      n = read(fd, buf, 32);
      close(fd);
      if (n > 0 && buf[0] >= '0' && buf[0] <= '9') {
        int32_t nr = 0;
        for (ssize_t i = 0; i < n && buf[i] >= '0' && buf[i] <= '9'; ++i)
          nr = nr * 10 + (buf[i] - '0');
        *syscall_nr = nr;
      }
    }
  }
  return s;
}

// Queues the stack request signal to one thread of this process (the cookie tells the handler).
bool AskForStack(int pid, uint32_t tid, int sig) {
  siginfo_t si;
  memset(&si, 0, sizeof(si));
  si.si_signo = sig;
  si.si_code = SI_QUEUE;
  si.si_pid = pid;
  si.si_uid = getuid();
  si.si_value.sival_int = kCaptureCookie;
  return syscall(SYS_rt_tgsigqueueinfo, pid, tid, sig, &si) == 0;
}

// Copies the live slots into g_snap and asks every running thread that can answer for its stack.
uint32_t SnapshotAndAsk(const trace::FileHeader* header, ThreadSlot* slots, int sig) {
  const uint32_t count = header->slot_count < g_area_count ? header->slot_count : g_area_count;
  const int pid = getpid();
  uint32_t n = 0;
  for (uint32_t i = 0; i < count; ++i) {
    uint32_t state = __atomic_load_n(&slots[i].state, __ATOMIC_ACQUIRE);
    if (state != static_cast<uint32_t>(trace::ThreadState::kRunning) &&
        state != static_cast<uint32_t>(trace::ThreadState::kBlocked)) {
      continue;
    }
    memcpy(&g_snap[n], &slots[i], sizeof(ThreadSlot));
    g_snap[n].state = state;
    Pending& p = g_pending[n];
    p = Pending{i, 0, 0, -1};
    ++n;
    if (state != static_cast<uint32_t>(trace::ThreadState::kRunning)) continue;  // wait's stack
    bool blocks = false;
    const uint32_t tid = g_snap[n - 1].tid;
    const char ks = TaskState(tid, sig, &blocks, &p.syscall_nr);
    if (blocks) {
      p.flags |= trace::kDumpSignalBlocked;
    } else if (ks == 'S' || ks == 'D') {
      p.flags |= trace::kDumpInKernel;
    } else if (ks == 'R') {
      CaptureArea& a = g_areas[i];
      p.request = ++g_next_request ? g_next_request : ++g_next_request;  // never 0
      a.tid.store(tid, std::memory_order_relaxed);
      a.request.store(p.request, std::memory_order_release);
      if (!AskForStack(pid, tid, sig)) p.request = 0;  // exited meanwhile
    }
  }
  return n;
}

bool Answered(const Pending& p) {
  return p.request == 0 || g_areas[p.slot].answered.load(std::memory_order_acquire) == p.request;
}

// Bounded: a thread that never answers (stopped, or its handler was replaced) costs kAnswerMs.
void WaitForAnswers(uint32_t n) {
  const uint64_t deadline = MonotonicNs() + kAnswerMs * 1000000ull;
  for (;;) {
    const uint32_t seen = g_answers.load(std::memory_order_acquire);
    bool all = true;
    for (uint32_t i = 0; i < n && all; ++i) all = Answered(g_pending[i]);
    const uint64_t now = MonotonicNs();
    if (all || now >= deadline) return;
    const uint64_t left = deadline - now < 10000000ull ? deadline - now : 10000000ull;
    timespec ts{0, static_cast<long>(left)};
    Futex(&g_answers, FUTEX_WAIT_PRIVATE, seen, &ts);
  }
}

// The thread's own stack from its capture area, interned; 0 when it has none.
uint32_t LiveStack(const ReentryGuard& g, EventBuffer* buf, const Pending& p) {
  CaptureArea& a = g_areas[p.slot];
  const int n = a.depth < kAreaFrames ? a.depth : kAreaFrames;
  const int first = FirstProgramFrame(a.frames, n, a.pc, g_self_start, g_self_end);
  uint32_t depth = static_cast<uint32_t>(n - first);
  const auto max_depth = static_cast<uint32_t>(g_flags.stack_depth);
  if (depth > max_depth) depth = max_depth;
  if (depth == 0) return 0;
  // The analyzer looks up pc - 1 for every frame (they are return addresses); the interrupted
  // instruction itself is stored + 1 so that it names its own function and line.
  if (a.frames[first] == a.pc) a.frames[first] += 1;
  return InternStack(g, buf, a.frames + first, depth);
}

void EmitThread(const ReentryGuard& g, EventBuffer* buf, uint32_t i, uint32_t dump_id) {
  const ThreadSlot& s = g_snap[i];
  const Pending& p = g_pending[i];
  auto r = MakeRecord<trace::ThreadDumpThread>(trace::RecordKind::kThreadDumpThread, p.flags);
  r.dump_id = dump_id;
  r.tid = s.tid;
  r.state = s.state;
  r.syscall_nr = p.syscall_nr;
  if (p.request != 0 && Answered(p)) {
    r.stack_id = LiveStack(g, buf, p);
    if (r.stack_id != 0) r.h.flags |= trace::kDumpStackLive;
  } else if (p.request != 0) {
    r.h.flags |= trace::kDumpNoAnswer;
  }
  if (s.state == static_cast<uint32_t>(trace::ThreadState::kBlocked)) {
    r.wait_object = s.wait_object;
    r.wait_since_ns = s.wait_since_ns;
    r.wait_lock_id = s.wait_lock_id;
    r.wait_stack_id = s.wait_stack_id;
    r.wait_kind = s.wait_kind;
    r.wait_mode = s.wait_mode;
    r.wait_flags = s.wait_flags;
    if (r.stack_id == 0 && s.wait_stack_id != 0) {
      r.stack_id = s.wait_stack_id;
      r.h.flags |= trace::kDumpStackWait;
    }
  }
  r.held_overflow = s.held_overflow;
  r.n_held = s.n_held < trace::kSlotHeld ? s.n_held : trace::kSlotHeld;
  EmitRecord(g, buf, r, s.held, r.n_held * static_cast<uint32_t>(sizeof(trace::HeldEntry)));
}

}  // namespace

int FirstProgramFrame(const uint64_t* frames, int n, uint64_t pc, uint64_t self_start,
                      uint64_t self_end) {
  auto in_self = [&](uint64_t f) { return f - self_start < self_end - self_start; };
  int first = n;
  for (int i = 0; pc != 0 && i < n; ++i) {
    if (frames[i] == pc) {
      first = i;
      break;
    }
  }
  if (first == n) {  // no pc: skip the handler's frames, then the signal trampoline
    first = 0;
    while (first < n && in_self(frames[first])) ++first;
    if (first < n) ++first;
  }
  while (first < n && in_self(frames[first])) ++first;
  return first;
}

bool IsDumpSignal(int sig) { return sig != 0 && sig == g_flags.dump_signal; }

void ArmThreadDump() {
  const int sig = g_flags.dump_signal;
  trace::FileHeader* header = g_writer.header();
  if (sig == 0 || header == nullptr) return;
  internal::SpinLockHolder hold(&g_arm_lock);
  if (g_stood_down.load()) {
    g_writer.SetStatus(trace::kStatusDumpStoodDown);
    return;
  }
  if (!SignalUsable(sig)) {
    if (!g_told.exchange(true)) {
      RawLog(
          "dump_signal=%d cannot be used (only SIGHUP, SIGUSR1/2, SIGALRM, SIGURG, SIGXCPU, "
          "SIGVTALRM, SIGPROF, SIGWINCH, SIGPWR and real-time signals); no thread dumps",
          sig);
    }
    return;
  }
  auto* slots =
      reinterpret_cast<ThreadSlot*>(reinterpret_cast<uint8_t*>(header) + header->slots_offset);
  if (!AllocateAreas(header->slot_count)) return;
  struct sigaction current;
  if (RealSigaction(sig, nullptr, &current) != 0) return;
  const bool ours = (current.sa_flags & SA_SIGINFO) != 0 && current.sa_sigaction == OnDumpSignal;
  if (!ours && current.sa_handler != SIG_DFL) {  // set before we could see it (exec, early init)
    StandDown(sig, current.sa_handler == SIG_IGN);
    return;
  }
  g_slots.store(slots, std::memory_order_release);
  struct sigaction sa;
  memset(&sa, 0, sizeof(sa));
  sa.sa_sigaction = OnDumpSignal;
  sa.sa_flags = SA_SIGINFO | SA_RESTART;  // restartable calls (read, futex waits) go on unnoticed
  sigemptyset(&sa.sa_mask);
  if (RealSigaction(sig, &sa, nullptr) != 0) return;
  g_armed.store(true);
  __atomic_store_n(&header->dump_signal, static_cast<uint32_t>(sig), __ATOMIC_RELEASE);
}

int DumpSignalSigaction(int sig, const struct sigaction* act, struct sigaction* old) {
  internal::SpinLockHolder hold(&g_arm_lock);
  if (!g_armed.load() || g_stood_down.load()) {
    if (act != nullptr && act->sa_handler != SIG_DFL) StandDown(sig, act->sa_handler == SIG_IGN);
    return RealSigaction(sig, act, old);
  }
  // Ours is installed; without us the program would see (and keep) the default action.
  struct sigaction dfl;
  memset(&dfl, 0, sizeof(dfl));
  dfl.sa_handler = SIG_DFL;
  sigemptyset(&dfl.sa_mask);
  if (act != nullptr && act->sa_handler != SIG_DFL) {
    StandDown(sig, act->sa_handler == SIG_IGN);
    g_armed.store(false);
    int rc = RealSigaction(sig, act, nullptr);
    if (rc != 0) return rc;
  }
  if (old != nullptr) *old = dfl;
  return 0;
}

bool WaitForDumpRequest(long ms) {
  const uint64_t deadline = MonotonicNs() + static_cast<uint64_t>(ms) * 1000000ull;
  for (;;) {
    const uint32_t seen = g_requests.load(std::memory_order_acquire);
    if (seen != g_served && g_armed.load(std::memory_order_relaxed)) return true;
    const uint64_t now = MonotonicNs();
    if (now >= deadline) return false;
    const uint64_t left = deadline - now;
    timespec ts{static_cast<time_t>(left / 1000000000ull), static_cast<long>(left % 1000000000ull)};
    Futex(&g_requests, FUTEX_WAIT_PRIVATE, seen, &ts);
  }
}

void WriteThreadDump(const ReentryGuard& g, EventBuffer* buf) {
  g_served = g_requests.load(std::memory_order_acquire);
  const uint32_t reasons = g_reasons.exchange(0);
  trace::FileHeader* header = g_writer.header();
  ThreadSlot* slots = g_slots.load(std::memory_order_acquire);
  if (header == nullptr || slots == nullptr || g_areas == nullptr || !RuntimeActive()) return;
  const auto reason = (reasons & (1u << static_cast<uint32_t>(trace::DumpReason::kTimeout)))
                          ? trace::DumpReason::kTimeout
                          : trace::DumpReason::kSignal;
  const uint64_t now = MonotonicNs();
  const uint32_t n = SnapshotAndAsk(header, slots, g_flags.dump_signal);
  WaitForAnswers(n);
  auto r = MakeRecord<trace::ThreadDump>(trace::RecordKind::kThreadDump);
  r.seq = NextSeq();
  r.time_ns = now;
  r.dump_id = ++g_dump_id;
  r.n_threads = n;
  r.reason = static_cast<uint8_t>(reason);
  EmitRecord(g, buf, r);
  for (uint32_t i = 0; i < n; ++i) EmitThread(g, buf, i, r.dump_id);
  __atomic_fetch_add(&header->dumps_written, 1, __ATOMIC_RELEASE);
  RawLog("thread dump %u (%s, %u threads) written to %s (lockscope analyze shows it)", r.dump_id,
         reason == trace::DumpReason::kTimeout ? "timeout" : "signal", n, g_writer.path());
}

void ThreadDumpResetAfterFork() {
  g_slots.store(nullptr, std::memory_order_relaxed);  // the child's slot table is another one
  g_requests.store(0);
  g_reasons.store(0);
  g_served = 0;
  g_dump_id = 0;
  g_arm_lock.ResetAfterFork();
}

}  // namespace rt
}  // namespace lockscope
