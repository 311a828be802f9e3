// Thread lifecycle policy: creation (trampoline), exit (pthread key destructor), join, detach,
// names, fork. Exit is caught in exactly one place — the key destructor — because it runs after
// the start routine returned, after pthread_exit's and cancellation's cleanup handlers (which
// often unlock mutexes) and after C++ thread_local destructors.

#include <pthread.h>
#include <sched.h>
#include <sys/resource.h>
#include <unistd.h>

#include <atomic>
#include <cstring>

#include "internal/mmap_alloc.h"
#include "internal/raw_log.h"
#include "internal/spin_lock.h"
#include "lock_stats.h"
#include "lock_table.h"
#include "runtime.h"
#include "stack_table.h"
#include "thread_state.h"
#include "trace_writer.h"

extern "C" void* __libc_stack_end;  // ld.so: the main thread's initial stack pointer

namespace lockscope {
namespace rt {

// Set once this thread's exit was recorded: later calls (other TSD destructors) pass through.
__thread bool t_thread_done __attribute__((tls_model("initial-exec"))) = false;

struct ThreadArgs {
  void* (*fn)(void*);
  void* arg;
  ThreadOrigin origin;
  ThreadArgs* next_free;
};

namespace {

constexpr uint64_t kThreadSlots = 1u << 16;

struct ThreadTableEntry {
  std::atomic<uint64_t> self;
  std::atomic<uint32_t> tid;
  uint32_t reserved;
};

pthread_key_t g_key;
bool g_key_created = false;
ThreadTableEntry* g_threads = nullptr;
internal::SpinLock g_args_lock;
ThreadArgs* g_free_args = nullptr;

uint64_t HashSelf(uint64_t a) {
  a ^= a >> 31;
  a *= 0x9e3779b97f4a7c15ull;
  return a ^ (a >> 29);
}

// pthread_t values are reused once a thread is joined or has exited detached, so an insert
// overwrites the tid of an existing key.
void ThreadTableInsert(uint64_t self, uint32_t tid) {
  if (!g_threads) return;
  uint64_t h = HashSelf(self);
  for (uint32_t i = 0; i < 1024; ++i) {
    ThreadTableEntry* e = &g_threads[(h + i) & (kThreadSlots - 1)];
    uint64_t k = e->self.load(std::memory_order_acquire);
    if (k == 0 && e->self.compare_exchange_strong(k, self, std::memory_order_acq_rel)) k = self;
    if (k == self) {
      e->tid.store(tid, std::memory_order_release);
      return;
    }
  }
}

void ThreadTableClear(uint64_t self, uint32_t tid) {
  if (!g_threads) return;
  uint64_t h = HashSelf(self);
  for (uint32_t i = 0; i < 1024; ++i) {
    ThreadTableEntry* e = &g_threads[(h + i) & (kThreadSlots - 1)];
    uint64_t k = e->self.load(std::memory_order_acquire);
    if (k == 0) return;
    if (k == self) {
      e->tid.compare_exchange_strong(tid, 0, std::memory_order_acq_rel);
      return;
    }
  }
}

ThreadArgs* AllocArgs() {
  internal::SpinLockHolder hold(&g_args_lock);
  if (!g_free_args) {
    auto* page = static_cast<ThreadArgs*>(internal::MmapZeroed(4096));
    if (!page) return nullptr;
    for (size_t i = 0; i < 4096 / sizeof(ThreadArgs); ++i) {
      page[i].next_free = g_free_args;
      g_free_args = &page[i];
    }
  }
  ThreadArgs* a = g_free_args;
  g_free_args = a->next_free;
  return a;
}

void FreeArgs(ThreadArgs* a) {
  internal::SpinLockHolder hold(&g_args_lock);
  a->next_free = g_free_args;
  g_free_args = a;
}

void WriteThreadStart(const ReentryGuard& g, ThreadState* ts, const ThreadOrigin& o) {
  auto r = MakeRecord<trace::ThreadStart>(trace::RecordKind::kThreadStart,
                                          o.detached ? trace::kStartDetached : 0);
  r.seq = NextSeq();
  r.time_ns = MonotonicNs();
  r.pthread_self = ts->pthread_self;
  r.start_routine = o.start_routine;
  r.parent_tid = o.parent_tid;
  r.create_stack_id = o.create_stack_id;
  r.parent_epoch = o.parent_epoch;
  EmitRecord(g, &ts->buf, r);
}

// The main thread's stack: from its initial stack pointer down to the current frame, which is
// mapped (the stack grows down contiguously); the walk needs nothing below where we are now
// plus what the program will use later, bounded by RLIMIT_STACK.
void MainThreadStack(ThreadState* ts) {
  rlimit rl{};
  uintptr_t limit = 8u << 20;
  if (getrlimit(RLIMIT_STACK, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < limit) {
    limit = rl.rlim_cur;
  }
  auto hi = reinterpret_cast<uintptr_t>(__libc_stack_end);
  if (hi <= limit) return;
  ts->stack_hi = hi;
  ts->stack_lo = hi - limit;
}

void KeyDestructor(void* v) {
  auto* ts = static_cast<ThreadState*>(v);
  if (!ts) return;
  // Postpone twice: other keys' destructors (run in the same rounds) may still lock and unlock.
  if (ts->dtor_rounds++ < 2 && pthread_setspecific(g_key, ts) == 0) return;
  ReentryGuard g;
  ExitThread(g, ts, /*release=*/true);
}

}  // namespace

bool ThreadingInit() {
  if (!g_key_created) {
    if (pthread_key_create(&g_key, KeyDestructor) != 0) return false;
    g_key_created = true;
  }
  if (!g_threads) {
    g_threads =
        static_cast<ThreadTableEntry*>(internal::MmapZeroed(kThreadSlots * sizeof(ThreadTableEntry)));
  }
  return g_threads != nullptr;
}

void ThreadingResetAfterFork() {
  g_args_lock.ResetAfterFork();
  internal::MunmapSafe(g_threads, kThreadSlots * sizeof(ThreadTableEntry));
  g_threads = nullptr;
  ThreadingInit();
}

uint32_t LookupThreadTid(uint64_t self) {
  if (!g_threads) return 0;
  uint64_t h = HashSelf(self);
  for (uint32_t i = 0; i < 1024; ++i) {
    ThreadTableEntry* e = &g_threads[(h + i) & (kThreadSlots - 1)];
    uint64_t k = e->self.load(std::memory_order_acquire);
    if (k == self) return e->tid.load(std::memory_order_acquire);
    if (k == 0) return 0;
  }
  return 0;
}

ThreadState* CreateThreadState(const ReentryGuard& g, const ThreadOrigin& origin) {
  ErrnoSaver es;
  const size_t dedup_bytes = ThreadState::kDedupSlots * sizeof(uint64_t);
  const size_t bytes =
      (sizeof(ThreadState) + dedup_bytes + FastPathBytes() + 4095) & ~size_t{4095};
  auto* ts = static_cast<ThreadState*>(internal::MmapZeroed(bytes));
  if (!ts) return nullptr;
  ts->map_bytes = bytes;
  ts->tid = GetTid();
  ts->pthread_self = static_cast<uint64_t>(pthread_self());
  ts->buf.Init(ts->tid);
  ts->held = ts->held_inline;
  ts->held_cap = ThreadState::kInlineHeld;
  ts->dedup = reinterpret_cast<uint64_t*>(reinterpret_cast<uint8_t*>(ts) + sizeof(ThreadState));
  InitFastPath(ts, reinterpret_cast<uint8_t*>(ts->dedup) + dedup_bytes);
  ts->stack_lo = origin.stack_lo;
  ts->stack_hi = origin.stack_hi;
  if (!ts->stack_hi && ts->tid == static_cast<uint32_t>(getpid())) MainThreadStack(ts);
  ts->slot = g_writer.ClaimSlot(ts->tid, ts->pthread_self);
  ThreadTableInsert(ts->pthread_self, ts->tid);
  SetThreadState(ts);
  if (g_key_created) pthread_setspecific(g_key, ts);
  WriteThreadStart(g, ts, origin);
  return ts;
}

ThreadState* CurrentThreadState(const ReentryGuard& g) {
  if (t_tls.state) return t_tls.state;
  if (t_thread_done || !RuntimeActive()) return nullptr;
  return CreateThreadState(g, ThreadOrigin{});  // a thread we did not see being created
}

void ExitThread(const ReentryGuard& g, ThreadState* ts, bool release) {
  ErrnoSaver es;
  if (!ts->exited) {
    ts->exited = true;
    FlushLockStats(g, ts);
    auto r = MakeRecord<trace::ThreadExit>(trace::RecordKind::kThreadExit);
    r.seq = NextSeq();
    r.time_ns = MonotonicNs();
    r.n_held = ts->n_held;
    r.via_pthread_exit = ts->via_pthread_exit ? 1 : 0;
    EmitRecord(g, &ts->buf, r);
    if (ts->n_held) {
      const HeldLock& h = ts->held[ts->n_held - 1];
      WriteMisuse(g, ts, trace::MisuseKind::kExitHoldingLock, h.addr, h.lock_id, h.stack_id, 0, 0);
    }
    if (trace::ThreadSlot* s = ts->slot) {
      s->wait_kind = static_cast<uint8_t>(trace::WaitKind::kNone);
      s->wait_lock_id = 0;
      s->wait_object = 0;
      s->wait_stack_id = 0;
      __atomic_store_n(&s->state, static_cast<uint32_t>(trace::ThreadState::kExited),
                       __ATOMIC_RELEASE);
    }
  }
  if (t_tls.state == ts) {
    SetThreadState(nullptr);
    t_thread_done = true;
    if (g_key_created && release) pthread_setspecific(g_key, nullptr);
  }
  if (release) {
    ts->buf.Close();
    if (ts->held_map_bytes) internal::MunmapSafe(ts->held - 1, ts->held_map_bytes);
    internal::MunmapSafe(ts, ts->map_bytes);
  }
}

void ResetThreadStateAfterFork(const ReentryGuard& g, ThreadState* ts, uint32_t parent_tid) {
  ts->tid = GetTid();
  ts->buf.ResetAfterFork(ts->tid);
  ts->slot = g_writer.ClaimSlot(ts->tid, ts->pthread_self);
  ThreadTableInsert(ts->pthread_self, ts->tid);
  ThreadOrigin o;
  o.parent_tid = parent_tid;
  o.parent_epoch = ts->epoch;
  WriteThreadStart(g, ts, o);
  // The locks this thread holds stay held in the child: give them identities in the new trace.
  for (uint32_t i = 0; i < ts->n_held; ++i) {
    HeldLock& h = ts->held[i];
    h.stack_id = 0;
    h.entry = RegisterLock(g, &ts->buf, h.addr, static_cast<trace::LockKind>(h.kind), 0, false);
    h.lock_id = h.entry ? h.entry->lock_id : 0;
    h.hot_pop = 0;  // a new identity: its stored hash is stale
    if (h.entry && h.mode == static_cast<uint8_t>(trace::LockMode::kExclusive) &&
        h.kind != static_cast<uint8_t>(trace::LockKind::kMutex) &&
        h.kind != static_cast<uint8_t>(trace::LockKind::kRwLock)) {
      h.entry->owner_tid.store(ts->tid, std::memory_order_relaxed);  // glibc keeps the others
    }
  }
  ClearDedup(ts);  // after the new lock ids: it also recomputes the held-set hash
  // A new slot: the hot path's pushes must write their mirror again (HeldLock::hot).
  for (uint32_t i = 0; i < ThreadState::kHotMaxHeld; ++i) ts->held[i].hot = nullptr;
  MirrorHeld(ts, 0);
}

ThreadArgs* BeforeThreadCreate(const ReentryGuard& g, ThreadState* ts, void* (*fn)(void*),
                               void* arg) {
  ErrnoSaver es;
  ThreadArgs* a = AllocArgs();
  if (!a) return nullptr;
  a->origin = ThreadOrigin{};  // pooled blocks: nothing from the previous thread may remain
  a->fn = fn;
  a->arg = arg;
  a->origin.parent_tid = ts->tid;
  a->origin.parent_epoch = ts->epoch;
  a->origin.start_routine = reinterpret_cast<uint64_t>(fn);
  a->origin.create_stack_id = CaptureStackId(g, &ts->buf);
  return a;
}

void AfterThreadCreate(const ReentryGuard&, ThreadState* ts, ThreadArgs* args, int rc) {
  ErrnoSaver es;
  if (rc != 0) {
    if (args) FreeArgs(args);
    return;
  }
  ++ts->epoch;  // the creator's later events are concurrent with the child's
  HotFlush(ts);
}

// The creator's side of the new thread's stack bounds: the stack the attributes give (a caller-
// provided stack exactly; else only its size, or the default size). Nothing here allocates.
void NoteThreadAttr(ThreadArgs* args, const pthread_attr_t* attr) {
  if (args == nullptr) return;
  int detach_state = PTHREAD_CREATE_JOINABLE;
  args->origin.detached = attr != nullptr && pthread_attr_getdetachstate(attr, &detach_state) == 0 &&
                          detach_state == PTHREAD_CREATE_DETACHED;
  void* addr = nullptr;
  size_t size = 0;
  if (attr != nullptr && pthread_attr_getstack(attr, &addr, &size) == 0 && addr != nullptr) {
    args->origin.stack_lo = reinterpret_cast<uintptr_t>(addr);
    args->origin.stack_hi = args->origin.stack_lo + size;
    return;
  }
  size = 0;
  if (attr != nullptr) {
    pthread_attr_getstacksize(attr, &size);
  } else {
    pthread_attr_t def;
    if (pthread_getattr_default_np(&def) == 0) {
      pthread_attr_getstacksize(&def, &size);
      pthread_attr_destroy(&def);
    }
  }
  args->origin.stack_size = size;
}

ThreadOrigin OriginOf(const ThreadArgs* args) { return args ? args->origin : ThreadOrigin{}; }

// Written by the creator, so a test that starts a thread and returns before the thread ran has
// the creation inside its window (the child's kThreadStart may come much later).
void RecordThreadCreated(const ReentryGuard& g, ThreadState* ts, pthread_t child,
                         const ThreadOrigin& origin) {
  ErrnoSaver es;
  auto r = MakeRecord<trace::ThreadCreated>(trace::RecordKind::kThreadCreated,
                                            origin.detached ? trace::kCreatedDetached : 0);
  r.seq = NextSeq();
  r.pthread_self = static_cast<uint64_t>(child);
  r.parent_epoch = origin.parent_epoch;
  r.create_stack_id = origin.create_stack_id;
  EmitRecord(g, &ts->buf, r);
}

// The new thread's stack, for the call-site frame walk: everything the program does runs below
// the trampoline's frame. With only the size known, half of it below that frame is certainly
// mapped (glibc puts the guard page at the bottom and TLS at the top of the same block). No
// pthread_getattr_np here: it allocates, and in a thread another interposer (ThreadSanitizer)
// has not set up yet, its malloc crashes.
__attribute__((noinline)) static void StackBounds(ThreadOrigin* o) {
  auto here = reinterpret_cast<uintptr_t>(__builtin_frame_address(0));
  if (o->stack_hi != 0) {  // a caller-provided stack
    if (here <= o->stack_lo || here >= o->stack_hi) o->stack_lo = o->stack_hi = 0;
    return;
  }
  if (o->stack_size < 4 * 4096 || here < o->stack_size) return;  // unknown: no frame walk
  o->stack_hi = here + 256;  // the trampoline's caller frame (start_thread) is mapped too
  o->stack_lo = here - o->stack_size / 2;
}

void* ThreadTrampoline(void* p) {
  auto* a = static_cast<ThreadArgs*>(p);
  void* (*fn)(void*) = a->fn;
  void* arg = a->arg;
  ThreadOrigin origin = a->origin;
  FreeArgs(a);
  if (RuntimeActive()) {
    ReentryGuard g;
    StackBounds(&origin);
    ThreadState* ts = CreateThreadState(g, origin);
    if (ts != nullptr && origin.detached) {  // as if it had called pthread_detach(self) first
      auto r = MakeRecord<trace::ThreadDetach>(trace::RecordKind::kThreadDetach);
      r.seq = NextSeq();
      r.detached_tid = ts->tid;
      EmitRecord(g, &ts->buf, r);
    }
  }
  return fn(arg);
}

uint32_t BeforeJoin(const ReentryGuard& g, ThreadState* ts, pthread_t target, bool blocking,
                    uint32_t* stack_id, bool timed) {
  ErrnoSaver es;
  uint32_t tid = LookupThreadTid(static_cast<uint64_t>(target));
  *stack_id = CaptureStackId(g, &ts->buf);
  if (blocking && ts->slot) {
    trace::ThreadSlot* s = ts->slot;
    s->wait_kind = static_cast<uint8_t>(trace::WaitKind::kJoin);
    s->wait_lock_id = 0;
    // A target that has not started yet has no tid: name it by its pthread_t instead.
    s->wait_object = tid != 0 ? tid : static_cast<uint64_t>(target);
    s->wait_flags = static_cast<uint8_t>((timed ? trace::kWaitTimed : 0) |
                                         (tid != 0 ? 0 : trace::kWaitJoinPthread));
    s->wait_stack_id = *stack_id;
    s->wait_since_ns = MonotonicNs();
    __atomic_store_n(&s->state, static_cast<uint32_t>(trace::ThreadState::kBlocked),
                     __ATOMIC_RELEASE);
  }
  return tid;
}

void AfterJoin(const ReentryGuard& g, ThreadState* ts, pthread_t target, uint32_t target_tid,
               uint32_t stack_id, int rc) {
  ErrnoSaver es;
  if (trace::ThreadSlot* s = ts->slot) {
    __atomic_store_n(&s->state, static_cast<uint32_t>(trace::ThreadState::kRunning),
                     __ATOMIC_RELEASE);
    s->wait_kind = static_cast<uint8_t>(trace::WaitKind::kNone);
    s->wait_flags = 0;
    s->wait_object = 0;
    s->wait_stack_id = 0;
  }
  // The target registers its pthread_t -> tid when it starts. When the join began it may not
  // have started yet (the table then holds 0, or the tid of an earlier thread that had the same
  // pthread_t); once the join succeeded it has certainly registered, so the value read now is
  // authoritative. Then the entry is cleared: this pthread_t is dead until a new thread reuses it.
  if (rc == 0) {
    uint32_t now = LookupThreadTid(static_cast<uint64_t>(target));
    if (now) target_tid = now;
    ThreadTableClear(static_cast<uint64_t>(target), target_tid);
  }
  if (rc == 0) {
    ++ts->epoch;  // the joined thread's events happen-before what follows
    HotFlush(ts);
  }
  auto r = MakeRecord<trace::ThreadJoin>(trace::RecordKind::kThreadJoin, rc == 0 ? 0 : 1);
  r.seq = NextSeq();
  r.time_ns = MonotonicNs();
  r.joined_tid = target_tid;
  r.stack_id = stack_id;
  r.epoch_after = ts->epoch;
  EmitRecord(g, &ts->buf, r);
}

// The target is named by pthread_t: it may not have started yet, and the pthread_t -> tid table
// may still map this pthread_t to an earlier, exited thread (trace_format.h, kThreadDetached).
void OnDetach(const ReentryGuard& g, ThreadState* ts, pthread_t target, int rc) {
  ErrnoSaver es;
  if (rc != 0) return;
  auto r = MakeRecord<trace::ThreadDetached>(trace::RecordKind::kThreadDetached);
  r.seq = NextSeq();
  r.target_self = static_cast<uint64_t>(target);
  r.target_tid = r.target_self == ts->pthread_self ? ts->tid : 0;
  r.stack_id = CaptureStackId(g, &ts->buf);
  EmitRecord(g, &ts->buf, r);
}

void OnSetName(const ReentryGuard& g, ThreadState* ts, pthread_t target, const char* name,
               int rc) {
  ErrnoSaver es;
  if (rc != 0 || !name) return;
  auto r = MakeRecord<trace::ThreadName>(trace::RecordKind::kThreadName);
  r.tid = LookupThreadTid(static_cast<uint64_t>(target));
  if (static_cast<uint64_t>(target) == ts->pthread_self) r.tid = ts->tid;
  // A target that already exited has left the thread table; tid 0 would mean "the caller".
  if (r.tid == 0) return;
  r.len = static_cast<uint32_t>(strnlen(name, 64));
  EmitRecord(g, &ts->buf, r, name, r.len);
}

void OnPthreadExit(const ReentryGuard&, ThreadState* ts) {
  // The exit itself is recorded by the key destructor, after the cleanup handlers ran.
  ts->via_pthread_exit = true;
}

void AfterFork(const ReentryGuard& g, ThreadState* ts, pid_t rc, uint32_t stack_id) {
  ErrnoSaver es;
  if (rc == 0) {
    ReinitAfterFork(g, ts);
    return;
  }
  if (rc < 0) return;
  auto r = MakeRecord<trace::Fork>(trace::RecordKind::kFork);
  r.seq = NextSeq();
  r.child_pid = rc;
  r.stack_id = stack_id;
  EmitRecord(g, &ts->buf, r);
}

}  // namespace rt
}  // namespace lockscope
