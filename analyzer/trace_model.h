// trace_model.h — one decoded trace, as the analyzer works with it.
//
// What: the owning, in-memory form of a trace file written by liblockscope.so (one process). It is
// produced by ReadTrace() (trace_reader.h) and consumed by the detectors and by `lockscope dump`.
// Identity: lock ids, stack ids and tids are those the runtime assigned; they are unique within one
// Trace only. Every cross-reference (Acquire::lock_id -> locks, *_stack_id -> stacks) may dangle in a
// damaged trace: look-ups return nullptr and callers must cope.
// Thread-safety: a Trace is immutable after ReadTrace(); concurrent readers are fine.
// Complexity: memory is O(records); the runtime's default mode writes each distinct dependency once,
// so this is O(distinct behaviour), not O(lock operations).

#ifndef LOCKSCOPE_ANALYZER_TRACE_MODEL_H_
#define LOCKSCOPE_ANALYZER_TRACE_MODEL_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "lockscope/trace_format.h"

namespace lockscope {
namespace analysis {

using trace::LockKind;
using trace::LockMode;

struct ModuleInfo {
  uint64_t load_bias = 0;
  uint64_t start = 0;
  uint64_t end = 0;
  std::string path;
};

struct LockInfo {
  uint32_t id = 0;
  uint64_t address = 0;
  uint32_t generation = 0;
  uint32_t stack_id = 0;  // init site or first-use site
  uint16_t attrs = 0;     // trace::LockAttr bits
  LockKind kind = LockKind::kUnknown;
  bool destroyed = false;
  std::string name;       // kLockName: the program's own name (lockscope/annotations.h), or ""
};

struct SemSignalInfo {
  uint32_t tid = 0;       // the posting thread
  uint32_t stack_id = 0;  // its sem_post
  uint64_t seq = 0;
};

// kLockInstancesCapped: locks initialised at `site` beyond `cap` were not traced.
struct CappedInitSite {
  uint64_t site = 0;      // the *_init call's return address
  uint32_t stack_id = 0;  // its stack
  uint32_t cap = 0;       // max_lock_instances, > 0
  LockKind kind = LockKind::kUnknown;
};

struct HeldLock {
  uint32_t lock_id = 0;
  uint32_t stack_id = 0;
  LockMode mode = LockMode::kExclusive;
  uint32_t count = 1;
};

// One kAcquire record: "thread `tid`, holding `held`, acquired (or tried) `lock_id` at `stack_id`".
struct AcquireEvent {
  uint32_t tid = 0;
  uint64_t seq = 0;
  uint64_t time_ns = 0;
  uint32_t lock_id = 0;
  uint32_t stack_id = 0;
  uint32_t epoch = 0;
  LockMode mode = LockMode::kExclusive;
  uint8_t flags = 0;  // trace::AcquireFlag bits
  std::vector<HeldLock> held;  // outermost first
};

struct ThreadInfo {
  uint32_t tid = 0;
  uint32_t parent_tid = 0;       // 0 for the main thread or when unknown
  uint32_t create_stack_id = 0;
  uint32_t parent_epoch = 0;     // creator's epoch before pthread_create
  uint64_t pthread_self = 0;
  uint64_t start_routine = 0;
  uint64_t start_seq = 0;
  uint64_t start_time_ns = 0;
  bool started = false;          // a ThreadStart record was seen
  bool exited = false;
  bool via_pthread_exit = false;
  uint64_t exit_seq = 0;
  uint64_t exit_time_ns = 0;
  uint32_t held_at_exit = 0;
  bool detached = false;         // created detached, or detached later (see DetachEvent)
  bool detached_at_create = false;  // kStartDetached: PTHREAD_CREATE_DETACHED in its attributes
  uint64_t detach_seq = 0;       // seq of the pthread_detach by another thread that detached it;
                                 // 0: none, or the thread detached itself / was created detached
  uint32_t detach_stack_id = 0;
  bool joined = false;
  uint32_t joiner_tid = 0;
  uint64_t join_seq = 0;
  uint32_t joiner_epoch_after = 0;
  std::string name;
};

struct JoinEvent {
  uint32_t joiner_tid = 0;
  uint32_t joined_tid = 0;
  uint64_t seq = 0;
  uint64_t time_ns = 0;
  uint32_t stack_id = 0;
  uint32_t epoch_after = 0;
  bool failed = false;
};

// One pthread_detach (kThreadDetached, or the older kThreadDetach). `resolved_tid` is the thread
// it detached, found by the reader (trace_format.h: the first thread with pthread_self ==
// target_self not joined or detached before), 0 when none matches.
struct DetachEvent {
  uint32_t tid = 0;           // the calling thread
  uint64_t seq = 0;
  uint64_t target_self = 0;   // 0 in the older kThreadDetach (resolved_tid came from the runtime)
  uint32_t stack_id = 0;
  uint32_t resolved_tid = 0;
};

struct MisuseEvent {
  uint32_t tid = 0;
  trace::MisuseKind kind = trace::MisuseKind::kUnlockNotHeld;
  uint64_t seq = 0;
  uint64_t time_ns = 0;
  uint64_t object = 0;
  uint32_t lock_id = 0;
  uint32_t stack_id = 0;
  uint32_t other_tid = 0;
  uint32_t other_id = 0;
};

// The live state of one thread at the end of the trace (clean exit, or the moment of SIGKILL).
struct SlotSnapshot {
  uint32_t tid = 0;
  trace::ThreadState state = trace::ThreadState::kFree;
  uint64_t pthread_self = 0;
  trace::WaitKind wait_kind = trace::WaitKind::kNone;
  LockMode wait_mode = LockMode::kExclusive;
  uint32_t wait_lock_id = 0;
  uint64_t wait_object = 0;
  uint64_t wait_since_ns = 0;
  uint32_t wait_stack_id = 0;
  uint8_t wait_flags = 0;  // trace::WaitFlag bits (kWaitTimed)
  uint64_t wait_wake_epoch = 0;  // Trace::wake_epoch when a cond/barrier wait began
  uint64_t wait_object_epoch = 0;  // Trace::wake_table[WakeBucket(wait_object)] then
  uint64_t lost_signal_ns = 0;      // kCond: the last signal before the wait found no waiter:
  uint32_t lost_signal_tid = 0;     //   when, who (0 = none), from where
  uint32_t lost_signal_stack_id = 0;
  bool held_overflow = false;
  std::vector<HeldLock> held;
  // kFd waits (wait_object is the channel's ident, Trace::channels).
  int32_t wait_fd = -1;  // -1: a user channel
  trace::ChannelKind wait_channel = trace::ChannelKind::kNone;
  trace::ChannelOp wait_dir = trace::ChannelOp::kReceive;
};

// One kChannelUse: thread `tid` read from / wrote to / closed (an end of) a channel.
struct ChannelUseEvent {
  uint32_t tid = 0;
  trace::ChannelOp op = trace::ChannelOp::kReceive;
  int32_t fd = -1;
  uint32_t stack_id = 0;
  uint64_t seq = 0;
};

// A channel (kChannel): pipe, FIFO, eventfd, socketpair or annotated user channel, and who used
// it (issue #4). Keyed by ident in Trace::channels.
struct ChannelInfo {
  trace::ChannelKind kind = trace::ChannelKind::kNone;
  bool defined = false;    // a kChannel record was read (else only uses or waits name it)
  bool external = false;   // kChannelExternal
  int32_t fds[2] = {-1, -1};
  uint32_t creator_tid = 0;
  uint32_t stack_id = 0;
  uint64_t seq = 0;
  std::string name;        // user channels
  std::vector<ChannelUseEvent> uses;  // sorted by seq; first (tid, op, fd) only
};

// One kWatchdogReport: the runtime's live watchdog reached a verdict (issue #4).
struct WatchdogEvent {
  uint64_t seq = 0;
  uint64_t time_ns = 0;
  trace::WatchdogVerdict verdict = trace::WatchdogVerdict::kCycle;
  std::vector<uint32_t> tids;  // see trace::WatchdogVerdict
};

// One thread in a thread dump (kThreadDumpThread, issue #4).
struct DumpedThread {
  SlotSnapshot slot;        // tid, state, wait_* and held as the dump saw them
  uint32_t stack_id = 0;    // the thread's stack (see flags), 0 = none
  uint8_t flags = 0;        // trace::DumpThreadFlag bits: where the stack comes from, or why none
  int32_t syscall_nr = -1;  // kDumpInKernel: the system call it sleeps in (x86-64), -1 = unknown
};

// One thread dump: a kThreadDump and the kThreadDumpThread records with its dump_id.
struct ThreadDumpEvent {
  uint64_t seq = 0;
  uint64_t time_ns = 0;
  uint32_t dump_id = 0;
  uint32_t expected = 0;  // threads the dump announced (fewer read: the process died mid-dump)
  trace::DumpReason reason = trace::DumpReason::kSignal;
  std::vector<DumpedThread> threads;
};

// One lock's contention counters: the sum of every thread's kLockStats records (issue #7).
// Hold times are sampled (one acquisition in 64 per thread, fewer after 16 384): hold_total_ns
// covers hold_samples holds, not all of them.
struct LockContention {
  uint64_t acquisitions = 0;
  uint64_t contended = 0;
  uint64_t wait_total_ns = 0;
  uint64_t wait_max_ns = 0;
  uint64_t hold_samples = 0;
  uint64_t hold_total_ns = 0;
  uint64_t hold_max_ns = 0;
  uint64_t owner_changes = 0;
  uint32_t records = 0;  // kLockStats records summed (about one per thread that used the lock)
};

// One kTestBegin / kTestEnd record: a unit test's boundary (lockscope/runtime_api.h).
struct TestMarkerEvent {
  uint64_t seq = 0;
  uint64_t time_ns = 0;
  uint32_t tid = 0;      // the thread that ran the test
  bool end = false;      // kTestEnd
  bool failed = false;   // kTestEnd: the framework had already failed it
  std::string name;      // "Suite.Test"
};

// One kThreadCreated: the creator's side of a pthread_create.
struct ThreadCreateEvent {
  uint64_t seq = 0;
  uint32_t parent_tid = 0;    // the creator
  uint32_t parent_epoch = 0;  // matches the child's ThreadInfo::parent_epoch
  uint64_t pthread_self = 0;  // the child's pthread_t
  uint32_t stack_id = 0;      // where pthread_create was called
  bool detached = false;      // created PTHREAD_CREATE_DETACHED
};

// How complete the read was. Everything readable is kept; `warnings` says what was not.
struct ReadStats {
  uint64_t file_bytes = 0;
  uint64_t chunks = 0;
  uint64_t records = 0;
  uint64_t unknown_records = 0;   // kinds this reader does not know (skipped by size)
  uint64_t bad_chunks = 0;        // chunks with a broken header or record (read up to the damage)
  uint64_t dropped_records = 0;   // the runtime said it could not store these
  uint64_t seq_gaps = 0;          // missing per-thread chunk sequence numbers
  uint32_t threads_without_slot = 0;  // threads traced without live state (max_threads reached)
  uint64_t skipped_regions = 0;   // runs of damaged (non-zero, non-chunk) 4096-byte blocks skipped
  bool clean_exit = false;        // kStatusCleanExit
  bool runtime_disabled = false;
  bool truncated = false;         // the file ends before its last claimed chunk
  std::vector<std::string> warnings;  // one line each, for the report
};

// A source location of an imported trace (std_trace_reader.h): such traces have no code
// addresses, so each location gets a synthetic pc and FindingContext shows this instead of
// symbolizing it.
struct SyntheticSite {
  std::string function;  // "loc 42" when the location is not FILE:LINE
  std::string file;
  int line = 0;
};

struct Trace {
  std::string path;
  uint32_t version = 0;
  int32_t pid = 0;
  int32_t ppid = 0;
  uint64_t start_monotonic_ns = 0;
  uint64_t start_realtime_ns = 0;
  uint64_t end_monotonic_ns = 0;
  uint32_t stack_depth = 0;
  uint32_t status_flags = 0;
  uint64_t wake_epoch = 0;  // FileHeader::wake_epoch: wake-ups (cond signals, barrier arrivals)
  std::vector<uint64_t> wake_table;  // kFeatureWakeTable: per-bucket wake-ups; empty without
  std::string exe_path;
  std::string cmdline;

  std::vector<ModuleInfo> modules;
  std::map<uint32_t, std::vector<uint64_t>> stacks;  // stack_id -> return addresses, innermost first
  std::map<uint32_t, LockInfo> locks;                // lock_id -> info
  // Binary semaphores seen signalling (kSemSignal): lock_id -> the first post by a non-holder.
  // Such a semaphore is not a lock: its orders and misuse are dropped (analyze.h).
  std::map<uint32_t, SemSignalInfo> sem_signals;
  // Init sites over max_lock_instances (kLockInstancesCapped), by site: the first record each.
  std::map<uint64_t, CappedInitSite> capped_init_sites;
  std::map<uint32_t, ThreadInfo> threads;            // tid -> info
  std::vector<AcquireEvent> acquires;                // sorted by seq
  std::vector<JoinEvent> joins;                      // sorted by seq
  std::vector<DetachEvent> detaches;                 // sorted by seq
  std::vector<MisuseEvent> misuses;                  // sorted by seq
  std::vector<int32_t> forked_children;
  std::map<uint32_t, LockContention> contention;    // lock_id -> counters (kLockStats)
  std::vector<SlotSnapshot> slots;                   // non-free slots only
  std::vector<WatchdogEvent> watchdog_reports;       // sorted by seq
  std::vector<ThreadDumpEvent> thread_dumps;         // sorted by dump_id
  uint32_t dump_signal = 0;  // FileHeader::dump_signal: the signal that takes a dump (0 = none)
  std::map<uint64_t, SyntheticSite> synthetic_sites;  // pc -> site (imported traces only)
  std::vector<TestMarkerEvent> test_markers;         // sorted by seq
  std::vector<ThreadCreateEvent> thread_creates;     // sorted by seq
  std::map<uint64_t, ChannelInfo> channels;         // ident -> channel (kChannel, kChannelUse)
  ReadStats stats;

  const LockInfo* FindLock(uint32_t id) const {
    auto it = locks.find(id);
    return it == locks.end() ? nullptr : &it->second;
  }
  // A binary semaphore some thread posted without holding it: a signal, not a lock.
  const SemSignalInfo* FindSemSignal(uint32_t lock_id) const {
    const LockInfo* lock = FindLock(lock_id);
    if (lock == nullptr || lock->kind != LockKind::kSemaphore) return nullptr;
    auto it = sem_signals.find(lock_id);
    return it == sem_signals.end() ? nullptr : &it->second;
  }
  const std::vector<uint64_t>* FindStack(uint32_t id) const {
    auto it = stacks.find(id);
    return it == stacks.end() ? nullptr : &it->second;
  }
  const ThreadInfo* FindThread(uint32_t tid) const {
    auto it = threads.find(tid);
    return it == threads.end() ? nullptr : &it->second;
  }
};

}  // namespace analysis
}  // namespace lockscope

#endif  // LOCKSCOPE_ANALYZER_TRACE_MODEL_H_
