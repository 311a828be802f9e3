// watchdog.cpp — see watchdog.h.

#include "watchdog.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>

#include "channel_table.h"
#include "event_buffer.h"
#include "internal/mmap_alloc.h"
#include "internal/raw_log.h"
#include "runtime.h"
#include "thread_dump.h"
#include "thread_state.h"
#include "trace_writer.h"

namespace lockscope {
namespace rt {
namespace {

using internal::RawLog;
using trace::ThreadSlot;
using trace::WaitKind;

constexpr uint32_t kMaxReportTids = 64;
constexpr uint32_t kWarnMemory = 64;        // remembered (tid, wait start) long-block warnings
constexpr uint64_t kMaxPairChecks = 4000000; // per scan: waiters x live slots (huge programs)

std::atomic<int> g_watchdog_pid{0};

// Scratch memory of the watchdog thread, mmap'd once (never malloc).
struct Scan {
  ThreadSlot* copy = nullptr;  // live slots, copied
  int32_t* next = nullptr;     // wait-for successor (index into copy) or -1
  int32_t* path = nullptr;     // cycle search: start index of the walk that visited a node, or -1
  uint32_t n = 0;
  uint32_t capacity = 0;
  bool complete = true;        // false: some waits were not resolved (too many threads)
  uint64_t wake_epoch = 0;     // FileHeader::wake_epoch, read after the copy
  uint64_t wake_table[trace::kWakeBuckets] = {};  // the header's wake table, read after the copy
};

// Calls fn(tid) for every thread of the process according to the kernel (/proc/self/task) and
// returns their count, or -1. Raw syscalls into a stack buffer: no malloc, no stdio.
template <class Fn>
int ForEachTask(Fn fn) {
  int fd = open("/proc/self/task", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return -1;
  int count = 0;
  alignas(8) char buf[4096];
  for (;;) {
    long n = syscall(SYS_getdents64, fd, buf, sizeof(buf));
    if (n <= 0) break;
    for (long off = 0; off < n;) {
      auto* d = reinterpret_cast<struct dirent64*>(buf + off);
      if (d->d_name[0] != '.') {
        ++count;
        fn(d->d_name);
      }
      off += d->d_reclen;
    }
  }
  close(fd);
  return count;
}

int CountTasks() {
  return ForEachTask([](const char*) {});
}

// True when the kernel's thread `name` (a tid in /proc/self/task) has exited (zombie or dead): a
// main thread that called pthread_exit stays listed as a zombie while other threads run.
bool TaskEnded(const char* name) {
  char path[64];
  internal::RawFormat(path, sizeof(path), "/proc/self/task/%s/stat", name);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return true;  // gone
  char buf[512];
  ssize_t n = read(fd, buf, sizeof(buf) - 1);
  close(fd);
  if (n <= 0) return true;
  buf[n] = '\0';
  const char* paren = strrchr(buf, ')');  // "tid (comm) S ...": comm may contain anything
  return paren != nullptr && paren[1] == ' ' && (paren[2] == 'Z' || paren[2] == 'X');
}

// True when every other thread of the process has ended. The watchdog must then end too: glibc
// exits the process (exit(0) from the last thread) only when no thread is left, so a program
// whose main thread called pthread_exit would otherwise never terminate because of us.
bool OnlyWatchdogLeft() {
  const int self = static_cast<int>(GetTid());
  bool others = false;
  int count = ForEachTask([&](const char* name) {
    if (!others && atoi(name) != self && !TaskEnded(name)) others = true;
  });
  return count >= 1 && !others;
}

// What the watchdog remembers between scans.
struct Memory {
  uint64_t pending_cycle = 0;   // signature seen in the previous scan, not yet reported
  uint64_t pending_asleep = 0;
  uint64_t reported[16] = {};   // signatures already reported
  uint32_t n_reported = 0;
  uint64_t warned[kWarnMemory] = {};
  uint32_t n_warned = 0;
  EventBuffer buf;
  bool buf_ready = false;
};

// The watchdog's own chunk (its reports and thread dumps), claimed on first use.
EventBuffer* OwnBuffer(Memory* m) {
  if (!m->buf_ready) {
    m->buf.Init(GetTid());
    m->buf_ready = true;
  }
  return &m->buf;
}

uint64_t Mix(uint64_t h) {
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdull;
  h ^= h >> 33;
  return h;
}

// Order-independent signature of a set of waits: the same threads in the same waits.
uint64_t WaitSignature(const ThreadSlot& s) { return Mix(uint64_t{s.tid} << 32 ^ s.wait_since_ns); }

bool Blocked(const ThreadSlot& s) {
  return s.state == static_cast<uint32_t>(trace::ThreadState::kBlocked);
}

bool HoldsConflicting(const ThreadSlot& holder, uint32_t lock_id, uint8_t mode) {
  uint32_t n = holder.n_held < trace::kSlotHeld ? holder.n_held : trace::kSlotHeld;
  for (uint32_t k = 0; k < n; ++k) {
    const trace::HeldEntry& h = holder.held[k];
    if (h.lock_id == lock_id && (mode == 0 || h.mode == 0)) return true;
  }
  return false;
}

// Copies the live slots (running or blocked) out of the shared table.
void CopySlots(Scan* scan) {
  scan->n = 0;
  trace::FileHeader* header = g_writer.header();
  if (header == nullptr) return;
  auto* slots = reinterpret_cast<ThreadSlot*>(reinterpret_cast<uint8_t*>(header) +
                                              header->slots_offset);
  uint32_t count = header->slot_count < scan->capacity ? header->slot_count : scan->capacity;
  for (uint32_t i = 0; i < count; ++i) {
    uint32_t state = __atomic_load_n(&slots[i].state, __ATOMIC_ACQUIRE);
    if (state != static_cast<uint32_t>(trace::ThreadState::kRunning) &&
        state != static_cast<uint32_t>(trace::ThreadState::kBlocked)) {
      continue;
    }
    memcpy(&scan->copy[scan->n], &slots[i], sizeof(ThreadSlot));
    scan->copy[scan->n].state = state;
    ++scan->n;
  }
  scan->complete = scan->n < header->slot_count;  // a full table may hide threads
  scan->wake_epoch = __atomic_load_n(&header->wake_epoch, __ATOMIC_SEQ_CST);
  auto* table = reinterpret_cast<uint64_t*>(reinterpret_cast<uint8_t*>(header) +
                                            trace::kWakeTableOffset);
  for (uint32_t b = 0; b < trace::kWakeBuckets; ++b) {
    scan->wake_table[b] = __atomic_load_n(&table[b], __ATOMIC_SEQ_CST);
  }
}

// next[i]: the first thread blocked slot i waits for (lock holder, joined thread), or -1.
void ResolveWaits(Scan* scan) {
  uint64_t checks = 0;
  for (uint32_t i = 0; i < scan->n; ++i) {
    scan->next[i] = -1;
    const ThreadSlot& s = scan->copy[i];
    if (!Blocked(s)) continue;
    const auto kind = static_cast<WaitKind>(s.wait_kind);
    if (kind != WaitKind::kLock && kind != WaitKind::kJoin) continue;
    if ((checks += scan->n) > kMaxPairChecks) {
      scan->complete = false;
      continue;
    }
    const bool by_pthread = (s.wait_flags & trace::kWaitJoinPthread) != 0;
    for (uint32_t j = 0; j < scan->n; ++j) {
      const ThreadSlot& t = scan->copy[j];
      if (j == i || t.tid == s.tid) continue;
      bool waits = kind == WaitKind::kLock
                       ? s.wait_lock_id != 0 && HoldsConflicting(t, s.wait_lock_id, s.wait_mode)
                       : s.wait_object != 0 && s.wait_object == (by_pthread ? t.pthread_self : t.tid);
      if (waits) {
        scan->next[i] = static_cast<int32_t>(j);
        break;
      }
    }
  }
}

// Finds a cycle in the successor graph; writes its members (cycle order) to out, returns count.
uint32_t FindCycle(Scan* scan, uint32_t* out) {
  for (uint32_t i = 0; i < scan->n; ++i) scan->path[i] = -1;
  for (uint32_t start = 0; start < scan->n; ++start) {
    int32_t v = static_cast<int32_t>(start);
    while (v >= 0 && scan->path[v] < 0) {
      scan->path[v] = static_cast<int32_t>(start);
      v = scan->next[v];
    }
    if (v < 0 || scan->path[v] != static_cast<int32_t>(start)) continue;
    uint32_t n = 0;
    int32_t u = v;
    do {
      if (n < kMaxReportTids) out[n++] = static_cast<uint32_t>(u);
      u = scan->next[u];
    } while (u != v);
    return n;
  }
  return 0;
}

// What the kernel calls fd `fd` (/proc/self/fd: "pipe:[123]", "socket:[7]", a FIFO's path).
bool FdTarget(int fd, char* out, uint32_t size) {
  char path[64];
  internal::RawFormat(path, sizeof(path), "/proc/self/fd/%d", fd);
  ssize_t n = readlink(path, out, size - 1);
  if (n <= 0) return false;
  out[n] = '\0';
  return true;
}

// The fd's open-file flags from /proc/self/fdinfo ("flags:\t0104002", octal).
bool FdFlags(int fd, long* flags) {
  char path[64];
  internal::RawFormat(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
  int f = open(path, O_RDONLY | O_CLOEXEC);
  if (f < 0) return false;
  char buf[256];
  ssize_t n = read(f, buf, sizeof(buf) - 1);
  close(f);
  if (n <= 0) return false;
  buf[n] = '\0';
  const char* p = strstr(buf, "flags:");
  if (p == nullptr) return false;
  *flags = strtol(p + 6, nullptr, 8);
  return true;
}

// The fd of a kFd wait still is the channel the slot names (not closed behind the runtime's back
// and reused) and still blocking (no fcntl(O_NONBLOCK) since it was made). Writes what the
// kernel calls it to `name` when given.
bool FdStillBlockingChannel(const ThreadSlot& s, char* name, uint32_t size) {
  char target[256];
  if (!FdTarget(s.wait_fd, target, sizeof(target))) return false;
  char expect[64];
  switch (static_cast<trace::ChannelKind>(s.wait_channel)) {
    case trace::ChannelKind::kPipe:
      internal::RawFormat(expect, sizeof(expect), "pipe:[%llu]",
                          static_cast<unsigned long long>(s.wait_object));
      if (strcmp(target, expect) != 0) return false;
      break;
    case trace::ChannelKind::kSocketpair:
      if (strncmp(target, "socket:[", 8) != 0) return false;
      break;
    case trace::ChannelKind::kEventfd:
      if (strcmp(target, "anon_inode:[eventfd]") != 0) return false;
      break;
    default:
      break;  // FIFOs are external: never asleep for good
  }
  long flags = 0;
  if (!FdFlags(s.wait_fd, &flags) || (flags & O_NONBLOCK) != 0) return false;
  if (name != nullptr) internal::RawFormat(name, size, "%s", target);
  return true;
}

// "reading pipe fd 5 (pipe:[123])", "receiving from channel \"jobs\" (0x...)".
void DescribeChannelWait(const ThreadSlot& s, char* out, uint32_t size) {
  const bool send = s.wait_dir == static_cast<uint8_t>(trace::ChannelOp::kSend);
  const auto kind = static_cast<trace::ChannelKind>(s.wait_channel);
  if (kind == trace::ChannelKind::kUser) {
    char name[kUserChannelNameBytes];
    if (!UserChannelName(s.wait_object, name, sizeof(name))) name[0] = '\0';
    internal::RawFormat(out, size, "%s channel \"%s\" (%p)", send ? "sending to" : "receiving from",
                        name, reinterpret_cast<void*>(s.wait_object));
    return;
  }
  const char* what = kind == trace::ChannelKind::kPipe         ? "pipe"
                     : kind == trace::ChannelKind::kFifo       ? "FIFO"
                     : kind == trace::ChannelKind::kEventfd    ? "eventfd"
                     : kind == trace::ChannelKind::kSocketpair ? "socketpair"
                                                               : "fd";
  char target[256];
  if (!FdTarget(s.wait_fd, target, sizeof(target))) target[0] = '\0';
  internal::RawFormat(out, size, "%s %s fd %d (%s)", send ? "writing" : "reading", what, s.wait_fd,
                      target);
}

// True when slot i is blocked in a wait nothing in the process can end any more (watchdog.h).
bool AsleepForGood(const Scan& scan, uint32_t i) {
  const ThreadSlot& s = scan.copy[i];
  if (!Blocked(s) || (s.wait_flags & (trace::kWaitTimed | trace::kWaitShared)) != 0) return false;
  switch (static_cast<WaitKind>(s.wait_kind)) {
    case WaitKind::kLock:
    case WaitKind::kJoin:
      return scan.next[i] >= 0;
    case WaitKind::kCond:
    case WaitKind::kBarrier:
      // A wake-up of its object since the wait began may have woken it: it only looks blocked
      // until it runs (trace_format.h, the wake table).
      return s.wait_object_epoch == scan.wake_table[trace::WakeBucket(s.wait_object)];
    case WaitKind::kFd:
      // Unchanged wake key: no operation on the channel since the wait began that could have
      // ended it. External channels (kWaitShared, above) were filtered: a child may write.
      if (s.wait_object_epoch !=
          scan.wake_table[trace::WakeBucket(trace::ChannelWakeKey(s.wait_object, s.wait_dir))]) {
        return false;
      }
      return s.wait_fd < 0 || FdStillBlockingChannel(s, nullptr, 0);
    default:
      return false;  // semaphores (signal handlers may post), unknown
  }
}

bool AlreadyReported(Memory* m, uint64_t sig) {
  for (uint32_t k = 0; k < m->n_reported && k < 16; ++k) {
    if (m->reported[k] == sig) return true;
  }
  return false;
}

const char* WaitName(uint8_t kind) {
  switch (static_cast<WaitKind>(kind)) {
    case WaitKind::kLock: return "lock";
    case WaitKind::kCond: return "condition variable";
    case WaitKind::kSem: return "semaphore";
    case WaitKind::kBarrier: return "barrier";
    case WaitKind::kJoin: return "join of thread";
    case WaitKind::kFd: return "fd";
    default: return "?";
  }
}

// One line per thread: what it waits for, since when, who holds it, what it holds.
void DescribeThread(const Scan& scan, uint32_t i, uint64_t now) {
  const ThreadSlot& s = scan.copy[i];
  char held[256];
  size_t len = 0;
  held[0] = '\0';
  uint32_t n = s.n_held < trace::kSlotHeld ? s.n_held : trace::kSlotHeld;
  for (uint32_t k = 0; k < n && len + 16 < sizeof(held); ++k) {
    len += internal::RawFormat(held + len, sizeof(held) - len, "%sL%u", k ? ", " : "",
                               s.held[k].lock_id);
  }
  uint64_t ms = s.wait_since_ns && now > s.wait_since_ns ? (now - s.wait_since_ns) / 1000000 : 0;
  const auto kind = static_cast<WaitKind>(s.wait_kind);
  uint32_t other = scan.next[i] >= 0 ? scan.copy[scan.next[i]].tid : 0;
  if (kind == WaitKind::kLock) {
    RawLog("  thread %u blocked %llu ms acquiring lock L%u (%p), held by thread %u; holds [%s]",
           s.tid, static_cast<unsigned long long>(ms), s.wait_lock_id,
           reinterpret_cast<void*>(s.wait_object), other, held);
  } else if (kind == WaitKind::kFd) {
    char what[320];
    DescribeChannelWait(s, what, sizeof(what));
    RawLog("  thread %u blocked %llu ms %s%s; holds [%s]", s.tid,
           static_cast<unsigned long long>(ms), what,
           (s.wait_flags & trace::kWaitShared) ? " (another process may end it)" : "", held);
  } else if (kind == WaitKind::kJoin) {
    RawLog("  thread %u blocked %llu ms joining thread %u; holds [%s]", s.tid,
           static_cast<unsigned long long>(ms), other, held);
  } else {
    RawLog("  thread %u blocked %llu ms on %s %p%s; holds [%s]", s.tid,
           static_cast<unsigned long long>(ms), WaitName(s.wait_kind),
           reinterpret_cast<void*>(s.wait_object),
           kind == WaitKind::kCond && s.wait_lock_id ? " (with its mutex released)" : "", held);
  }
}

void WriteReport(const ReentryGuard& g, Memory* m, const Scan& scan, trace::WatchdogVerdict verdict,
                 const uint32_t* members, uint32_t n, uint64_t now) {
  if (!RuntimeActive()) return;
  uint32_t tids[kMaxReportTids];
  for (uint32_t k = 0; k < n; ++k) tids[k] = scan.copy[members[k]].tid;
  auto r = MakeRecord<trace::WatchdogReport>(trace::RecordKind::kWatchdogReport);
  r.seq = NextSeq();
  r.time_ns = now;
  r.verdict = static_cast<uint8_t>(verdict);
  r.n_tids = n;
  EmitRecord(g, OwnBuffer(m), r, tids, n * static_cast<uint32_t>(sizeof(uint32_t)));
}

void Report(const ReentryGuard& g, Memory* m, const Scan& scan, trace::WatchdogVerdict verdict,
            const uint32_t* members, uint32_t n, uint64_t sig) {
  const uint64_t now = MonotonicNs();
  m->reported[m->n_reported++ % 16] = sig;
  WriteReport(g, m, scan, verdict, members, n, now);
  if (verdict == trace::WatchdogVerdict::kCycle) {
    RawLog("WATCHDOG: deadlock: %u threads are blocked in a cycle (pid %d):", n, getpid());
  } else {
    RawLog("WATCHDOG: all %u threads are blocked and nothing in the process can wake them (pid %d):",
           n, getpid());
  }
  for (uint32_t k = 0; k < n; ++k) DescribeThread(scan, members[k], now);
  for (uint32_t k = 0; k < n && verdict == trace::WatchdogVerdict::kAllAsleep; ++k) {
    const ThreadSlot& s = scan.copy[members[k]];
    if (static_cast<WaitKind>(s.wait_kind) != WaitKind::kCond || s.wait_lost_signal_tid == 0 ||
        s.wait_lost_signal_tid == s.tid || s.wait_lost_signal_ns > s.wait_since_ns) {
      continue;
    }
    RawLog("WATCHDOG: lost wake-up: thread %u signalled condition variable %p %llu ms before "
           "thread %u began to wait on it, when no thread waited; nothing signalled it since",
           s.wait_lost_signal_tid, reinterpret_cast<void*>(s.wait_object),
           static_cast<unsigned long long>((s.wait_since_ns - s.wait_lost_signal_ns) / 1000000),
           s.tid);
  }
  RawLog("WATCHDOG: stacks and lock names are in the trace %s (lockscope analyze)",
         g_writer.path());
  const char* action = g_flags.on_deadlock;
  if (action != nullptr && strcmp(action, "abort") == 0) {
    RawLog("WATCHDOG: on_deadlock=abort: aborting");
    abort();
  }
}

// One warning per (thread, wait) blocked longer than block_warn_s.
void WarnLongBlocks(Memory* m, const Scan& scan) {
  if (g_flags.block_warn_s <= 0) return;
  const uint64_t now = MonotonicNs();
  const uint64_t limit = static_cast<uint64_t>(g_flags.block_warn_s) * 1000000000ull;
  for (uint32_t i = 0; i < scan.n; ++i) {
    const ThreadSlot& s = scan.copy[i];
    if (!Blocked(s) || (s.wait_flags & trace::kWaitTimed) || s.wait_since_ns == 0) continue;
    if (now - s.wait_since_ns < limit) continue;
    uint64_t sig = WaitSignature(s);
    bool seen = false;
    for (uint32_t k = 0; k < kWarnMemory && k < m->n_warned; ++k) seen |= m->warned[k] == sig;
    if (seen) continue;
    m->warned[m->n_warned++ % kWarnMemory] = sig;
    RawLog("WATCHDOG: thread %u has been blocked for more than %d s:", s.tid,
           g_flags.block_warn_s);
    DescribeThread(scan, i, now);
  }
}

void ScanOnce(const ReentryGuard& g, Scan* scan, Memory* m) {
  CopySlots(scan);
  ResolveWaits(scan);
  uint32_t members[kMaxReportTids];
  uint32_t n = FindCycle(scan, members);
  uint64_t sig = 0;
  for (uint32_t k = 0; k < n; ++k) sig += WaitSignature(scan->copy[members[k]]);
  if (n > 0 && sig == m->pending_cycle && !AlreadyReported(m, sig)) {
    Report(g, m, *scan, trace::WatchdogVerdict::kCycle, members, n, sig);
  }
  m->pending_cycle = sig;
  // All asleep: every live thread, none of them in a cycle already reported.
  uint64_t all = 0;
  bool asleep = scan->complete && scan->n > 0 && scan->n <= kMaxReportTids;
  for (uint32_t i = 0; asleep && i < scan->n; ++i) {
    asleep = AsleepForGood(*scan, i);
    members[i] = i;
    all += WaitSignature(scan->copy[i]);
  }
  // A thread without a slot yet (just created, not started) may be the one that wakes the others:
  // the kernel's count must be ours plus the watchdog.
  if (asleep && CountTasks() != static_cast<int>(scan->n) + 1) asleep = false;
  if (!asleep) all = 0;
  if (asleep && all == m->pending_asleep && !AlreadyReported(m, all) &&
      !(n > 0 && AlreadyReported(m, sig))) {
    Report(g, m, *scan, trace::WatchdogVerdict::kAllAsleep, members, scan->n, all);
  }
  m->pending_asleep = all;
  WarnLongBlocks(m, *scan);
}

void* WatchdogMain(void*) {
  // Held for the thread's life: anything this thread might call passes straight through.
  ReentryGuard g;
  Scan scan;      // on this thread's stack: a fork child starts afresh
  Memory memory;
  trace::FileHeader* header = g_writer.header();
  if (header == nullptr) return nullptr;
  scan.capacity = header->slot_count;
  scan.copy = static_cast<ThreadSlot*>(internal::MmapZeroed(scan.capacity * sizeof(ThreadSlot)));
  scan.next = static_cast<int32_t*>(internal::MmapZeroed(scan.capacity * sizeof(int32_t)));
  scan.path = static_cast<int32_t*>(internal::MmapZeroed(scan.capacity * sizeof(int32_t)));
  if (!scan.copy || !scan.next || !scan.path) return nullptr;  // no memory: no watchdog
  const long period_ms = g_flags.watchdog_ms;
  ArmThreadDump();  // the dump signal is served by this thread (thread_dump.h)
  for (;;) {
    const bool dump = WaitForDumpRequest(period_ms);  // sleeps one period unless asked for a dump
    if (CountTasks() <= 2 && OnlyWatchdogLeft()) break;
    if (!RuntimeActive()) continue;
    if (dump) WriteThreadDump(g, OwnBuffer(&memory));
    ScanOnce(g, &scan, &memory);
  }
  // We are the last thread: returning lets glibc exit the process (exit(0), as it would have
  // without us). Atexit handlers then run on this thread, which must stay invisible to the
  // interceptors once the guard is gone.
  t_thread_done = true;
  return nullptr;
}

}  // namespace

void MaybeStartWatchdog(const ReentryGuard&, PthreadCreateFn create) {
  if (g_flags.watchdog_ms <= 0 || !RuntimeActive() || create == nullptr) return;
  const int pid = getpid();  // a fork child has a new pid and no watchdog yet
  int seen = g_watchdog_pid.load(std::memory_order_relaxed);
  if (seen == pid || !g_watchdog_pid.compare_exchange_strong(seen, pid)) return;
  ErrnoSaver es;
  pthread_attr_t attr;
  if (pthread_attr_init(&attr) != 0) return;
  pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
  pthread_attr_setstacksize(&attr, 256 * 1024);
  // The watchdog inherits a full signal mask: the program's signals never run on our thread.
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &old);
  pthread_t thread;
  int rc = create(&thread, &attr, WatchdogMain, nullptr);
  if (rc == EINVAL) {
    // Too small for the static TLS of everything loaded (ThreadSanitizer's alone is larger than
    // 256 KiB): take the default size.
    pthread_attr_destroy(&attr);
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    rc = create(&thread, &attr, WatchdogMain, nullptr);
  }
  if (rc != 0) {
    RawLog("cannot start the watchdog thread (%s); live deadlock detection is off",
           rc == EAGAIN ? "EAGAIN" : rc == EPERM ? "EPERM" : "EINVAL");
  }
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
  pthread_attr_destroy(&attr);
}

}  // namespace rt
}  // namespace lockscope
