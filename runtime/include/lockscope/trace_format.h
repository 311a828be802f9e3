// trace_format.h — THE contract between liblockscope.so (producer) and the lockscope CLI
// (consumer). Every change to the on-disk trace touches exactly this file, the version in the
// top-level CMakeLists.txt, and tests/unit/trace_format_test.cpp.
//
// Dependency-free on purpose (only <cstdint>, <cstddef>, <type_traits>): the runtime is built
// without exceptions/RTTI and must not pull in anything that allocates.
//
// File layout (all little-endian, offsets in bytes):
//
//   [0, kHeaderBytes)                 FileHeader, padded; written once at open, then only the
//                                     `status_flags`, `end_*` and `dropped_records` fields change.
//   [slots_offset, +slot_count*kSlotBytes)
//                                     ThreadSlot table: the *live* state of every thread (what it
//                                     holds, what it waits for). Updated in place on every lock
//                                     operation, so a process killed with SIGKILL leaves the exact
//                                     picture of who held and waited for what at the moment of death.
//   [chunks_offset, ...)              a sequence of chunks (ChunkHeader, then records back to
//                                     back), each starting at a 4096-aligned offset.
//
// Why a shared file mapping rather than write(2) from a writer thread: the runtime maps the file
// MAP_SHARED, so every record is in the kernel's page cache the moment it is stored. Nothing is
// lost when the program hangs and is SIGKILLed (issue #2: "the trace must survive the program"),
// and there is no writer thread to deadlock or starve. Disk blocks are reserved with fallocate()
// before a region is used, so a full disk is an error we see at reservation time, never a SIGBUS.
//
// Durability protocol for a chunk: the owning thread writes a record's bytes first, then
// publishes it by storing the new `ChunkHeader::used_bytes` with release ordering. A reader trusts
// only [sizeof(ChunkHeader), used_bytes). A record cut by SIGKILL is therefore never visible.
//
// Records: every record starts with a RecordHeader {kind, flags, size}. `size` is the total
// record size in bytes including trailing arrays and is a multiple of 8. The fixed part of each
// kind has a static_assert'ed size; kinds with a trailing array say how its length is encoded.
// A reader skips kinds it does not know (forward-compatible within a version) by `size`.

#ifndef LOCKSCOPE_TRACE_FORMAT_H_
#define LOCKSCOPE_TRACE_FORMAT_H_

#include <cstddef>
#include <cstdint>
#include <type_traits>

#ifndef LOCKSCOPE_TRACE_FORMAT_VERSION
#error "LOCKSCOPE_TRACE_FORMAT_VERSION must be injected by CMake (target lockscope::trace_format)"
#endif

namespace lockscope {
namespace trace {

// Version history:
//   v1: initial — header + thread slots + chunked records (dependency records, lifecycle,
//       lock/stack/module definitions, misuse).
//   v1 (additive): ThreadSlot::wait_flags (was reserved0, always 0 before: kWaitTimed);
//       kWatchdogReport (16); FileHeader::wake_epoch and ThreadSlot::wait_wake_epoch (were
//       reserved, 0 in older traces).
//   v1 (additive): kLockStats (24), per-thread per-lock contention counters (issue #7).
//   v1 (additive): kLockName (28), the name a program gave a lock through lockscope/annotations.h
//       (issue #3).
//   v1 (additive): kTestBegin (32) / kTestEnd (33), unit-test boundaries, and kThreadCreated
//       (34), the creator's side of pthread_create (issue #9).
//   v1 (additive, issue #4): ThreadStart h.flags kStartDetached (was 0); kThreadDetached (17)
//       names the detached thread by pthread_t and replaces kThreadDetach (still read); the wake
//       table in the header page (kFeatureWakeTable) and ThreadSlot::wait_object_epoch (was
//       reserved); ThreadSlot::wait_lost_signal_* (were reserved).
//   v1 (additive): binary semaphores as locks (issue #3): kLockDef with LockKind::kSemaphore for
//       sem_init(s, _, 1), kAcquire/kRelease on sem_wait/sem_post by the same thread, and
//       kSemSignal (29) the first time such a semaphore is posted by a thread not holding it.
//   v1 (additive, issue #4): thread dumps on demand: kThreadDump (20) and kThreadDumpThread (21);
//       FileHeader::dump_signal and dumps_written (were reserved1[0]: 0 in older traces);
//       kStatusDumpStoodDown.
//   v1 (compatible, issue #7): FileHeader::wake_epoch and the wake table hold the last waker's
//       unique stamp instead of a count of wake-ups; what readers use — equal value, no wake-up
//       since — is unchanged, so no bump.
//   v1 (additive, issue #4): WaitKind::kFd used for blocking I/O on pipes, FIFOs, eventfds and
//       socketpairs, and for waits in annotated user channels; ThreadSlot::wait_fd,
//       wait_channel, wait_dir (were reserved, 0 in older traces); kChannel (18) and
//       kChannelUse (19).
//   v1 (additive): FileHeader::threads_without_slot (was reserved1[0], 0 in older traces).
//   v1 (additive, issue #7): kLockInstancesCapped (30), an init site that went over the runtime
//       option max_lock_instances (locks initialised there later are not traced).
// Bump the version when an existing record's layout or meaning changes. Adding a new record kind
// does not need a bump (readers skip unknown kinds by size), but add it to the history.
inline constexpr uint32_t kTraceFormatVersion = LOCKSCOPE_TRACE_FORMAT_VERSION;
inline constexpr uint32_t kMinReadableVersion = 1;

inline constexpr char kMagic[8] = {'L', 'K', 'S', 'C', 'O', 'P', 'E', '\0'};
inline constexpr uint32_t kChunkMagic = 0x4b4e4843;  // "CHNK"
inline constexpr uint32_t kEndianTag = 0x01020304;   // reads as 0x04030201 on a foreign endianness

inline constexpr uint32_t kHeaderBytes = 4096;
inline constexpr uint32_t kMaxPathBytes = 1024;
inline constexpr uint32_t kSlotHeld = 56;       // held locks mirrored per thread slot
inline constexpr uint32_t kSlotBytes = 1024;
inline constexpr uint32_t kMaxStackDepth = 64;  // runtime option stack_depth is clamped to this

// ---------------------------------------------------------------------------------------------
// Small enums. All stored as uint8_t.

enum class LockKind : uint8_t {
  kUnknown = 0,
  kMutex = 1,      // pthread_mutex_t (std::mutex, std::recursive_mutex, std::timed_mutex)
  kRwLock = 2,     // pthread_rwlock_t (std::shared_mutex)
  kSpin = 3,       // pthread_spinlock_t
  kSemaphore = 4,  // sem_t used as a lock (wait … post in one thread)
  kAnnotated = 5,  // declared through lockscope/annotations.h
};

enum class LockMode : uint8_t {
  kExclusive = 0,
  kShared = 1,
};

// LockDef::attrs bits.
enum LockAttr : uint16_t {
  kAttrRecursive = 1u << 0,         // PTHREAD_MUTEX_RECURSIVE
  kAttrErrorCheck = 1u << 1,        // PTHREAD_MUTEX_ERRORCHECK
  kAttrPreferWriter = 1u << 2,      // PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP
  kAttrInitCalled = 1u << 3,        // registered by *_init (else: first seen in lock/unlock)
  kAttrStaticInitializer = 1u << 4, // first seen without init (PTHREAD_MUTEX_INITIALIZER, std::mutex)
};

// Acquire::flags bits (RecordHeader::flags of an Acquire record).
enum AcquireFlag : uint8_t {
  kAcqTry = 1u << 0,        // trylock: never blocks, so never creates a blocking order edge
  kAcqTimed = 1u << 1,      // timedlock/clocklock: bounded wait
  kAcqFailed = 1u << 2,     // the try/timed attempt did not get the lock
  kAcqContended = 1u << 3,  // a trylock probe failed first: the thread actually waited
  kAcqReentrant = 1u << 4,  // the thread already held this lock (recursive mutex or re-read)
};

enum class ThreadState : uint32_t {
  kFree = 0,     // slot unused
  kRunning = 1,
  kBlocked = 2,  // see ThreadSlot::wait_*
  kExited = 3,
};

enum class WaitKind : uint8_t {
  kNone = 0,
  kLock = 1,     // mutex/rwlock/spin acquire; wait_lock_id/wait_mode valid
  kCond = 2,     // pthread_cond_*wait; wait_object = condvar address, wait_lock_id = its mutex
  kSem = 3,      // sem_wait; wait_object = sem address
  kBarrier = 4,  // pthread_barrier_wait; wait_object = barrier address
  kJoin = 5,     // pthread_join; wait_object = joined thread's tid
  kFd = 6,       // blocking I/O on a channel: wait_object = ChannelDef::ident, wait_fd,
                 // wait_channel, wait_dir valid; kWaitShared: another process may end it
};

// What a kFd wait (and a kChannel record) is about. A "channel" is anything threads of one
// process talk through: the pipe-like fds (both ends share one ident) and user-defined queues
// declared through lockscope/annotations.h.
enum class ChannelKind : uint8_t {
  kNone = 0,
  kPipe = 1,        // pipe()/pipe2(): ident = the pipe's inode (as in /proc/PID/fd: pipe:[ino])
  kFifo = 2,        // a FIFO opened by path: ident = its inode; always external (any process can
                    // open the other end)
  kEventfd = 3,     // eventfd(): ident = a process-unique number (every eventfd shares one inode)
  kSocketpair = 4,  // socketpair(AF_UNIX): ident = the inode of the first socket (socket:[ino])
  kUser = 5,        // an annotated user channel: ident = the object's address, wait_fd = -1
};

// Direction of a kFd wait (ThreadSlot::wait_dir) and of ChannelUse::h.flags.
enum class ChannelOp : uint8_t {
  kReceive = 0,  // read/recv on an fd, LOCKSCOPE_CHANNEL_RECEIVE*: a writer/sender can end it
  kSend = 1,     // write/send (pipe full), LOCKSCOPE_CHANNEL_SEND*: a reader/receiver can end it
  kClose = 2,    // ChannelUse only: close() of one end, LOCKSCOPE_CHANNEL_CLOSE
};

// ThreadStart::h.flags bits.
enum ThreadStartFlag : uint8_t {
  kStartDetached = 1u << 0,  // created with PTHREAD_CREATE_DETACHED in its pthread_attr_t
};

// ThreadSlot::wait_flags bits.
enum WaitFlag : uint8_t {
  kWaitTimed = 1u << 0,  // the wait has a timeout (timedwait, clockwait, timedjoin): not "for good"
  kWaitJoinPthread = 1u << 1,  // kJoin whose target had not started yet: wait_object is the
                               // target's pthread_t (match ThreadSlot::pthread_self), not its tid
  kWaitShared = 1u << 2,       // a process-shared condvar/barrier: another process may end it
};

// WatchdogReport::verdict.
enum class WatchdogVerdict : uint8_t {
  kCycle = 1,       // a cycle of blocked threads (lock waits and joins); tids in cycle order
  kAllAsleep = 2,   // every live thread is blocked in an untimed wait; tids = all of them
  kLongBlock = 3,   // one thread blocked longer than block_warn_s; tids = {blocked, holder or 0}
};

enum class MisuseKind : uint8_t {
  kUnlockNotHeld = 1,         // unlock of a lock this thread does not hold
  kUnlockNotOwner = 2,        // unlock of a lock held by another thread
  kDestroyHeld = 3,           // destroy of a lock that is held
  kRelockNonRecursive = 4,    // owner relocks a non-recursive mutex (self-deadlock)
  kExitHoldingLock = 5,       // thread exit while holding locks
  kCondTwoMutexes = 6,        // one condvar waited on with two different mutexes
};

enum class DisableReason : uint8_t {
  kTraceFull = 1,    // could not reserve more trace space (disk full, RLIMIT_FSIZE, max_trace_mb)
  kOutOfSlots = 2,   // internal table capacity exhausted
  kInternal = 3,     // an internal invariant broke
};

// FileHeader::status_flags bits.
enum StatusFlag : uint32_t {
  kStatusCleanExit = 1u << 0,   // the atexit/destructor path ran: the trace is complete
  kStatusDisabled = 1u << 1,    // the runtime gave up part way (see Disabled record)
  kStatusTruncated = 1u << 2,   // some chunks could not be reserved: records were dropped
  kStatusForkChild = 1u << 3,   // this process is a fork child of header.ppid
  kStatusDumpStoodDown = 1u << 4,  // the program handles the dump signal itself: no thread dumps
};

// FileHeader::feature_bits: optional parts a reader may rely on only when the bit is set.
enum FeatureBit : uint64_t {
  kFeatureWakeTable = 1u << 0,  // the wake table (below) and ThreadSlot::wait_object_epoch
};

// ---------------------------------------------------------------------------------------------
// File header. Written by the runtime's TraceWriter at open.

struct FileHeader {
  char magic[8];                 // kMagic
  uint32_t version;              // kTraceFormatVersion of the writer
  uint32_t min_reader_version;   // oldest reader version that can read this file
  uint32_t header_size;          // == kHeaderBytes
  uint32_t endian_tag;           // kEndianTag as written by the producer
  uint8_t pointer_size;          // sizeof(void*) of the producer, must be 8
  uint8_t reserved0[7];
  uint64_t feature_bits;         // reserved for optional sections, 0 in v1
  int32_t pid;                   // getpid() at open (after fork: the child's)
  int32_t ppid;                  // getppid() at open
  uint64_t start_monotonic_ns;   // CLOCK_MONOTONIC at open; record timestamps use this clock
  uint64_t start_realtime_ns;    // CLOCK_REALTIME at open (for humans)
  uint32_t max_chunk_bytes;      // upper bound of ChunkHeader::capacity_bytes (multiple of 4096)
  uint32_t slot_count;           // number of ThreadSlot entries
  uint64_t slots_offset;         // file offset of the ThreadSlot table (multiple of 4096)
  uint64_t chunks_offset;        // file offset of the first chunk (multiple of 4096)
  uint32_t stack_depth;          // max frames per stack the runtime captures (<= kMaxStackDepth)
  uint32_t status_flags;         // StatusFlag bits; updated in place
  uint64_t end_monotonic_ns;     // CLOCK_MONOTONIC at clean exit, 0 otherwise
  uint64_t dropped_records;      // records the runtime could not store (all threads)
  uint32_t dump_signal;          // the signal the runtime answers with a thread dump; 0 = none (no
                                 // watchdog thread yet, dump_signal=0, or the program handles it)
  uint32_t dumps_written;        // thread dumps completed (incremented after a dump's records are
                                 // published; `lockscope run --timeout` waits for it)
  uint32_t threads_without_slot;  // threads that found every live slot taken (max_threads): they
                                 // are traced but have no live state (was reserved1[0]: 0 in
                                 // older traces)
  uint32_t reserved2;
  uint64_t reserved1[5];
  uint64_t wake_epoch;           // changes with every wake-up (cond signal/broadcast, barrier
                                 // arrival): the waker's stamp, a value written once per trace
                                 // (a count before issue #7); compare for equality only.
                                 // 0: none yet (also before issue #4: was reserved).
  char exe_path[kMaxPathBytes];  // /proc/self/exe, NUL-terminated (truncated if longer)
  char cmdline[kMaxPathBytes];   // argv joined with spaces, NUL-terminated (truncated)
};
static_assert(sizeof(FileHeader) == 2224, "FileHeader layout changed: bump the version");
static_assert(sizeof(FileHeader) <= kHeaderBytes);
static_assert(std::is_trivially_copyable_v<FileHeader>);

// The wake table (kFeatureWakeTable): kWakeBuckets uint64_t values at kWakeTableOffset in the
// header page. A wake-up of object X (cond signal/broadcast, barrier arrival) stores a stamp no
// other wake-up writes into wake_table[WakeBucket(X)] (and FileHeader::wake_epoch); a
// cond/barrier wait on X copies that value into ThreadSlot::wait_object_epoch before it is
// published. An equal value later means no wake-up of X (nor of any object sharing its bucket)
// since the wait began, so the waiter was certainly not woken — unlike the global wake_epoch,
// which any other condvar moves.
inline constexpr uint32_t kWakeBuckets = 128;
inline constexpr uint32_t kWakeTableOffset = 3072;
static_assert(sizeof(FileHeader) <= kWakeTableOffset);
static_assert(kWakeTableOffset + kWakeBuckets * sizeof(uint64_t) <= kHeaderBytes);
// Address bits 3..9, not a hash: condvars and barriers (>= 32 bytes each) that live within 1 KiB of
// each other — members of one object, neighbouring globals — never share a bucket.
constexpr uint32_t WakeBucket(uint64_t object) {
  return static_cast<uint32_t>((object >> 3) & (kWakeBuckets - 1));
}
// kFd waits use the table too, keyed by ChannelWakeKey(ident, direction of the waiter): every
// operation on a channel stamps the key of the waiters it may end (a write or send: the
// receivers; a read or receive: the senders; a close: both) before and after it runs, so two
// readers of one pipe never invalidate each other's wait, and consecutive pipe inodes land in
// different buckets.
constexpr uint64_t ChannelWakeKey(uint64_t ident, uint8_t dir) { return (ident * 2 + dir) << 3; }

// ---------------------------------------------------------------------------------------------
// Thread slots: live state mirrored into the file. Written only by the owning thread (and by the
// runtime's exit path for the whole table). Readers must tolerate torn values: a slot is a
// snapshot, not a transaction.

struct HeldEntry {
  uint32_t lock_id;   // LockDef::lock_id
  uint32_t stack_id;  // where it was acquired (StackDef::stack_id), 0 = unknown
  uint8_t mode;       // LockMode
  uint8_t reserved[3];
  uint32_t count;     // recursion count (>= 1)
};
static_assert(sizeof(HeldEntry) == 16);
static_assert(std::is_trivially_copyable_v<HeldEntry>);

struct ThreadSlot {
  uint32_t tid;             // gettid() of the owner; 0 when kFree
  uint32_t state;           // ThreadState
  uint64_t pthread_self;    // pthread_self() of the owner (to match pthread_join targets)
  uint64_t wait_object;     // address of the condvar/sem/barrier, or joined tid (see WaitKind)
  uint64_t wait_since_ns;   // CLOCK_MONOTONIC when the current wait began
  uint32_t wait_lock_id;    // lock waited for (kLock) or condvar's mutex (kCond); 0 = none
  uint32_t wait_stack_id;   // where the wait began; 0 = unknown
  uint8_t wait_kind;        // WaitKind
  uint8_t wait_mode;        // LockMode for kLock
  uint8_t held_overflow;    // 1 when the thread holds more than kSlotHeld locks
  uint8_t wait_flags;       // WaitFlag bits of the current wait (written before state=kBlocked)
  uint32_t n_held;          // valid entries in held[] (<= kSlotHeld)
  uint64_t wait_object_epoch;  // kFeatureWakeTable: wake_table[WakeBucket(wait_object)] when a
                               // kCond/kBarrier wait began (0 before issue #4: was reserved)
  uint64_t wait_wake_epoch; // FileHeader::wake_epoch when a kCond/kBarrier wait began (an equal
                            // value now: no wake-up since, the waiter cannot have been woken)
  HeldEntry held[kSlotHeld];
  // kCond waits (issue #4, were reserved: 0 in older traces): the last signal or broadcast on the
  // condvar before this wait began, when it found no thread waiting (a lost signal), from another
  // or the same thread; all 0 when the last one woke a waiter or there was none.
  uint64_t wait_lost_signal_ns;        // CLOCK_MONOTONIC of that signal (of the first one, when
                                       // the same thread sent several in a row from one place)
  uint32_t wait_lost_signal_tid;       // the signalling thread
  uint32_t wait_lost_signal_stack_id;  // where it signalled
  // kFd waits (issue #4, were reserved: 0 in older traces).
  int32_t wait_fd;          // the fd the thread blocks on; -1 for a user channel
  uint8_t wait_channel;     // ChannelKind
  uint8_t wait_dir;         // ChannelOp (kReceive or kSend)
  uint8_t reserved3[2];
  uint8_t reserved2[kSlotBytes - 88 - kSlotHeld * sizeof(HeldEntry)];
};
static_assert(sizeof(ThreadSlot) == kSlotBytes);
static_assert(std::is_trivially_copyable_v<ThreadSlot>);

// ---------------------------------------------------------------------------------------------
// Chunks.

// Chunks start at 4096-byte aligned offsets and have their own capacity (a thread's first chunk is
// small, later ones grow up to FileHeader::max_chunk_bytes), so 10 000 short-lived threads do not
// cost 10 000 large chunks. A reader walks chunk after chunk by `capacity_bytes`; where it finds
// no valid magic (a claim cut by SIGKILL, or damage) it scans forward in 4096-byte steps.
struct ChunkHeader {
  uint32_t magic;           // kChunkMagic once the chunk is claimed; 0 for an unclaimed chunk
  uint32_t tid;             // owning thread (every record in the chunk is from this thread)
  uint32_t seq;             // per-thread chunk sequence number, starting at 0 (gaps = lost chunks)
  uint32_t used_bytes;      // published size: header + complete records. Stored with release order.
  uint32_t capacity_bytes;  // whole chunk incl. header; multiple of 4096, <= max_chunk_bytes
  uint32_t reserved;
  uint64_t dropped;         // records this thread dropped before this chunk (cumulative)
};
inline constexpr uint32_t kChunkAlign = 4096;
static_assert(sizeof(ChunkHeader) == 32);
static_assert(std::is_trivially_copyable_v<ChunkHeader>);

// ---------------------------------------------------------------------------------------------
// Records.

enum class RecordKind : uint8_t {
  kInvalid = 0,       // zero-filled space: never a valid record
  kModule = 1,        // a loaded ELF object (for offline symbolization)
  kStackDef = 2,      // a deduplicated call stack
  kLockDef = 3,       // a lock seen for the first time (address + generation -> lock_id)
  kLockDestroy = 4,   // *_destroy of a lock
  kAcquire = 5,       // a dependency: acquire (or attempt) of a lock with the held set
  kRelease = 6,       // full-event mode only
  kThreadStart = 7,   // a thread began running (first record of every thread)
  kThreadExit = 8,
  kThreadJoin = 9,    // join of another thread (happens-before edge)
  kThreadDetach = 10,
  kMisuse = 11,       // API misuse detected by the runtime
  kFork = 12,         // this process forked a child
  kDisabled = 13,     // the runtime gave up recording (fail-soft), see DisableReason
  kThreadName = 14,   // pthread_setname_np
  // 16..23: waits, hangs and leaks (issue #4).
  kWatchdogReport = 16,  // the runtime's live watchdog saw a deadlock / all threads asleep
  kThreadDetached = 17,  // pthread_detach, target named by pthread_t (replaces kThreadDetach)
  kChannel = 18,         // a channel came to be: pipe/eventfd/socketpair created, FIFO opened,
                         // user channel first annotated (with its name)
  kChannelUse = 19,      // a thread read/wrote/closed a channel (about once per thread and op)
  kThreadDump = 20,      // a thread dump (dump signal or `lockscope run --timeout`) was taken
  kThreadDumpThread = 21,  // one thread's state in that dump
  // 24..27: contention profile (issue #7).
  kLockStats = 24,    // one thread's counters for one lock, written at thread exit
  // 28..31: lock semantics and annotations (issue #3).
  kLockName = 28,     // the name of an annotated lock (lockscope/annotations.h)
  kSemSignal = 29,    // a binary semaphore posted by a thread that did not hold it: not a lock
  // An init site went over max_lock_instances: locks initialised there later are not traced.
  kLockInstancesCapped = 30,
  // 32..39: ecosystem (issue #9).
  kTestBegin = 32,    // a unit test began (lockscope/runtime_api.h, the GoogleTest listener)
  kTestEnd = 33,      // that unit test ended
  kThreadCreated = 34,  // the creator's side of pthread_create (before the child may have run)
};

struct RecordHeader {
  uint8_t kind;   // RecordKind
  uint8_t flags;  // kind-specific (AcquireFlag for kAcquire)
  uint16_t reserved;
  uint32_t size;  // total bytes including trailing arrays, multiple of 8, >= sizeof(fixed part)
};
static_assert(sizeof(RecordHeader) == 8);

// Every record that can order events across threads carries `seq`: a process-wide counter
// (one atomic fetch_add; only rare records pay it). Records within a chunk are in program order.

// kModule. Trailing: `path_len` bytes of path (no NUL), padded to 8.
struct Module {
  RecordHeader h;
  uint64_t load_bias;  // dlpi_addr: runtime address = file vaddr + load_bias
  uint64_t start;      // lowest mapped address of its PT_LOAD segments
  uint64_t end;        // one past the highest mapped address
  uint32_t path_len;
  uint32_t reserved;
};
static_assert(sizeof(Module) == 40);
static_assert(std::is_trivially_copyable_v<Module>);

// kStackDef. Trailing: `depth` uint64_t return addresses, innermost first. The runtime's own
// frames are already removed.
struct StackDef {
  RecordHeader h;
  uint32_t stack_id;  // > 0, process-unique
  uint32_t depth;     // <= kMaxStackDepth
};
static_assert(sizeof(StackDef) == 16);
static_assert(std::is_trivially_copyable_v<StackDef>);

// kLockDef.
struct LockDef {
  RecordHeader h;
  uint64_t seq;
  uint64_t address;   // the lock object's address
  uint32_t lock_id;   // > 0, process-unique; a new lock at a reused address gets a new id
  uint32_t generation;// how many locks lived at `address` before this one
  uint32_t stack_id;  // where it was created (init) or first used
  uint16_t attrs;     // LockAttr bits
  uint8_t lock_kind;  // LockKind
  uint8_t reserved;
};
static_assert(sizeof(LockDef) == 40);
static_assert(std::is_trivially_copyable_v<LockDef>);

// kLockDestroy.
struct LockDestroy {
  RecordHeader h;
  uint64_t seq;
  uint32_t lock_id;
  uint32_t stack_id;
};
static_assert(sizeof(LockDestroy) == 24);
static_assert(std::is_trivially_copyable_v<LockDestroy>);

// kAcquire: "while holding held[0..n_held), this thread acquired (or tried to acquire) lock_id".
// Written *before* a blocking acquire blocks (so a hang still leaves the edge), with
// h.flags = AcquireFlag bits; for try/timed attempts it is written after the outcome is known.
// In the default mode a thread writes each distinct (epoch, held set, lock, mode, site) once and
// counts repeats in memory; in full-event mode it writes every acquisition.
// Trailing: `n_held` HeldEntry, outermost first.
struct Acquire {
  RecordHeader h;
  uint64_t seq;
  uint64_t time_ns;   // CLOCK_MONOTONIC
  uint32_t lock_id;
  uint32_t stack_id;  // acquisition site
  uint32_t epoch;     // per-thread count of create/join operations performed so far
  uint32_t n_held;
  uint8_t mode;       // LockMode requested
  uint8_t reserved[7];
};
static_assert(sizeof(Acquire) == 48);
static_assert(std::is_trivially_copyable_v<Acquire>);

// kRelease (full-event mode only).
struct Release {
  RecordHeader h;
  uint64_t time_ns;
  uint32_t lock_id;
  uint32_t reserved;
};
static_assert(sizeof(Release) == 24);
static_assert(std::is_trivially_copyable_v<Release>);

// kThreadStart: first record of every thread, main thread included (parent_tid = 0).
// h.flags: ThreadStartFlag bits (kStartDetached: never joinable, so never "not joined").
struct ThreadStart {
  RecordHeader h;
  uint64_t seq;
  uint64_t time_ns;
  uint64_t pthread_self;
  uint64_t start_routine;    // address of the start routine (0 for the main thread)
  uint32_t parent_tid;       // creating thread, 0 for main
  uint32_t create_stack_id;  // where pthread_create was called, 0 for main
  uint32_t parent_epoch;     // creator's epoch *before* the create (its events up to it happen-before)
  uint32_t reserved;
};
static_assert(sizeof(ThreadStart) == 56);
static_assert(std::is_trivially_copyable_v<ThreadStart>);

// kThreadExit.
struct ThreadExit {
  RecordHeader h;
  uint64_t seq;
  uint64_t time_ns;
  uint32_t n_held;       // locks still held at exit
  uint32_t via_pthread_exit;
};
static_assert(sizeof(ThreadExit) == 32);
static_assert(std::is_trivially_copyable_v<ThreadExit>);

// kThreadJoin: written by the joiner after a successful join (h.flags bit0 = 1 on failure/timeout).
struct ThreadJoin {
  RecordHeader h;
  uint64_t seq;
  uint64_t time_ns;
  uint32_t joined_tid;  // 0 if the target was not known to the runtime
  uint32_t stack_id;
  uint32_t epoch_after; // joiner's epoch after the join
  uint32_t reserved;
};
static_assert(sizeof(ThreadJoin) == 40);
static_assert(std::is_trivially_copyable_v<ThreadJoin>);

// kThreadDetach.
struct ThreadDetach {
  RecordHeader h;
  uint64_t seq;
  uint32_t detached_tid;
  uint32_t stack_id;
};
static_assert(sizeof(ThreadDetach) == 24);
static_assert(std::is_trivially_copyable_v<ThreadDetach>);

// kThreadDetached: a successful pthread_detach (std::thread::detach). The target is named by its
// pthread_t because it may not have started yet (no tid, and the runtime's pthread_t -> tid map may
// still hold an earlier thread that had the same pthread_t). A pthread_t is reused only once its
// thread was joined, or exited after being detached, so a reader resolves `target_self` to the
// first thread (by kThreadStart seq) with that pthread_self that was not joined or detached
// before. `target_tid` is set only when a thread detaches itself, 0 otherwise.
struct ThreadDetached {
  RecordHeader h;
  uint64_t seq;
  uint64_t target_self;  // pthread_t passed to pthread_detach
  uint32_t target_tid;   // the caller's tid for pthread_detach(pthread_self()), else 0
  uint32_t stack_id;     // where pthread_detach was called
};
static_assert(sizeof(ThreadDetached) == 32);
static_assert(std::is_trivially_copyable_v<ThreadDetached>);

// kMisuse.
struct Misuse {
  RecordHeader h;
  uint64_t seq;
  uint64_t time_ns;
  uint64_t object;      // address of the lock/condvar involved
  uint32_t lock_id;     // 0 if the object was never seen as a lock
  uint32_t stack_id;
  uint32_t other_tid;   // owner for kUnlockNotOwner, 0 otherwise
  uint32_t other_id;    // second mutex's lock_id for kCondTwoMutexes, else 0
  uint8_t misuse_kind;  // MisuseKind
  uint8_t reserved[7];
};
static_assert(sizeof(Misuse) == 56);
static_assert(std::is_trivially_copyable_v<Misuse>);

// kFork.
struct Fork {
  RecordHeader h;
  uint64_t seq;
  int32_t child_pid;
  uint32_t stack_id;
};
static_assert(sizeof(Fork) == 24);
static_assert(std::is_trivially_copyable_v<Fork>);

// kDisabled.
struct Disabled {
  RecordHeader h;
  uint64_t seq;
  uint8_t reason;  // DisableReason
  uint8_t reserved[7];
};
static_assert(sizeof(Disabled) == 24);
static_assert(std::is_trivially_copyable_v<Disabled>);

// kThreadName. Trailing: `len` bytes (no NUL), padded to 8.
struct ThreadName {
  RecordHeader h;
  uint32_t tid;
  uint32_t len;
};
static_assert(sizeof(ThreadName) == 16);
static_assert(std::is_trivially_copyable_v<ThreadName>);

// kWatchdogReport: written by the runtime's watchdog thread (its own chunk, whose tid is the
// watchdog's, which never has a kThreadStart) once per verdict it prints. The thread slots hold
// the details (what each thread waits for, what it holds) at that moment and after.
// Trailing: `n_tids` uint32_t tids (see WatchdogVerdict), padded to 8.
struct WatchdogReport {
  RecordHeader h;
  uint64_t seq;
  uint64_t time_ns;   // CLOCK_MONOTONIC when the verdict was reached
  uint8_t verdict;    // WatchdogVerdict
  uint8_t reserved[3];
  uint32_t n_tids;    // <= 64
};
static_assert(sizeof(WatchdogReport) == 32);
static_assert(std::is_trivially_copyable_v<WatchdogReport>);

// kLockStats: one thread's contention counters for one lock, written when the thread exits
// (the main thread: at process exit) and when its counter table fills up (then several records
// for the same (thread, lock) follow each other: the reader sums them). Counters are kept in
// thread-private memory, so the hot path pays no shared atomics for them. Threads still running
// at exit and processes killed by a signal leave no kLockStats for what they counted.
struct LockStats {
  RecordHeader h;
  uint32_t lock_id;
  uint32_t reserved;
  uint64_t acquisitions;   // successful acquisitions (every mode, re-entries included)
  uint64_t contended;      // of those, how many had to wait (the trylock probe failed first)
  uint64_t wait_total_ns;  // CLOCK_MONOTONIC time spent waiting in those acquisitions
  uint64_t wait_max_ns;
  uint64_t hold_samples;   // acquisitions whose hold time was measured (1 in 64 per thread;
                           // fewer after 16 384 acquisitions, runtime/lock_stats.h)
  uint64_t hold_total_ns;  // sum of the sampled hold times
  uint64_t hold_max_ns;    // longest sampled hold
  uint64_t owner_changes;  // exclusive acquisitions that took the lock over from another thread
};
static_assert(sizeof(LockStats) == 80);
static_assert(std::is_trivially_copyable_v<LockStats>);

// kLockName: written once per lock (by the first thread that names it) when a program declares a
// lock through lockscope/annotations.h. Trailing: `len` bytes of the name (no NUL, at most
// kMaxLockNameBytes), padded to 8. A reader keeps the first name it sees for a lock id.
inline constexpr uint32_t kMaxLockNameBytes = 128;
struct LockName {
  RecordHeader h;
  uint32_t lock_id;  // LockDef::lock_id of the annotated lock
  uint32_t len;      // name bytes that follow, <= kMaxLockNameBytes
};
static_assert(sizeof(LockName) == 16);
static_assert(std::is_trivially_copyable_v<LockName>);

// kTestBegin / kTestEnd: written by the thread running a unit test when the test framework
// reports it (LockscopeTestBegin/End in lockscope/runtime_api.h). Everything with a seq between
// the pair happened while that test ran; the analyzer attributes findings to tests by it.
// Trailing: `name_len` bytes of the test's name ("Suite.Test", no NUL, at most
// kMaxTestNameBytes), padded to 8.
inline constexpr uint32_t kMaxTestNameBytes = 512;
enum TestMarkerFlag : uint8_t {
  kTestFailed = 1u << 0,  // kTestEnd: the framework already counted the test as failed
};
struct TestMarker {
  RecordHeader h;     // h.flags = TestMarkerFlag bits
  uint64_t seq;       // process-wide order (NextSeq)
  uint64_t time_ns;   // CLOCK_MONOTONIC
  uint32_t name_len;  // <= kMaxTestNameBytes
  uint32_t reserved;
};
static_assert(sizeof(TestMarker) == 32);
static_assert(std::is_trivially_copyable_v<TestMarker>);

// kThreadCreated: written by the creating thread right after a successful pthread_create, so
// the creation is ordered (seq) in the creator's time even when the child's kThreadStart comes
// much later or never (a unit test that returns before its thread ran). The child is the thread
// whose kThreadStart has parent_tid = this chunk's tid and the same parent_epoch.
enum ThreadCreatedFlag : uint8_t {
  kCreatedDetached = 1u << 0,  // PTHREAD_CREATE_DETACHED: never joined, no leak
};
struct ThreadCreated {
  RecordHeader h;            // h.flags = ThreadCreatedFlag bits
  uint64_t seq;
  uint64_t pthread_self;     // the child's pthread_t
  uint32_t parent_epoch;     // the creator's epoch before the create (= the child's ThreadStart's)
  uint32_t create_stack_id;  // where pthread_create was called
};
static_assert(sizeof(ThreadCreated) == 32);
static_assert(std::is_trivially_copyable_v<ThreadCreated>);
// kSemSignal: written once per semaphore, the first time a semaphore registered as a binary
// semaphore (sem_init value 1) is posted by a thread that does not hold it (did not sem_wait it
// and not post it back since). Such a semaphore hands a token between threads: it signals, it
// does not lock, and the analyzer drops the orders and misuse it took part in.
struct SemSignal {
  RecordHeader h;
  uint32_t lock_id;   // LockDef::lock_id of the semaphore
  uint32_t stack_id;  // the post
  uint64_t seq;
};
static_assert(sizeof(SemSignal) == 24);
static_assert(std::is_trivially_copyable_v<SemSignal>);

// kLockInstancesCapped: written once per init site, by the thread whose *_init there was the
// first after max_lock_instances traced locks made at that site had been destroyed (a server
// that gives each request an object with its own mutex). Locks initialised at that site from then on get no kLockDef and no kAcquire: their
// acquisitions pass through, so lock orders among them are not checked.
struct LockInstancesCapped {
  RecordHeader h;
  uint64_t seq;
  uint64_t site;      // the return address of the *_init call in the program
  uint32_t stack_id;  // the stack of that *_init call (captured once, then)
  uint32_t cap;       // max_lock_instances in effect (destroyed instances); > 0
  uint8_t lock_kind;  // LockKind of that lock (a site may init several kinds: the first one)
  uint8_t reserved[7];
};
static_assert(sizeof(LockInstancesCapped) == 40);
static_assert(std::is_trivially_copyable_v<LockInstancesCapped>);

// kThreadDump: written by the watchdog thread (its own chunk) when the dump signal arrived (sent
// by a user, or by `lockscope run --timeout` before it kills the program). Followed in the same
// chunk by `n_threads` kThreadDumpThread records with the same dump_id. A reader that finds fewer
// (the process died mid-dump) shows the ones it has.
enum class DumpReason : uint8_t {
  kSignal = 1,   // the dump signal from anyone (kill -SIG, raise)
  kTimeout = 2,  // `lockscope run --timeout`: sigqueue with kDumpTimeoutCookie, SIGKILL follows
};
inline constexpr int kDumpTimeoutCookie = 0x4c4b5354;  // sigval of a timeout dump request
struct ThreadDump {
  RecordHeader h;
  uint64_t seq;
  uint64_t time_ns;    // CLOCK_MONOTONIC when the thread slots were read
  uint32_t dump_id;    // 1, 2, ... within the process
  uint32_t n_threads;  // kThreadDumpThread records that follow
  uint8_t reason;      // DumpReason
  uint8_t reserved[7];
};
static_assert(sizeof(ThreadDump) == 40);
static_assert(std::is_trivially_copyable_v<ThreadDump>);

// kThreadDumpThread h.flags: where stack_id comes from, or why there is none.
enum DumpThreadFlag : uint8_t {
  kDumpStackLive = 1u << 0,      // captured by the thread itself (in the dump signal's handler)
  kDumpStackWait = 1u << 1,      // blocked: where its current wait began (it was not signalled)
  kDumpInKernel = 1u << 2,       // sleeping in a system call lockscope does not intercept: not
                                 // signalled (a handler would end the call with EINTR)
  kDumpNoAnswer = 1u << 3,       // signalled, but did not answer within the bound
  kDumpSignalBlocked = 1u << 4,  // the thread blocks the dump signal: not signalled
};
// kThreadDumpThread: one thread in a dump: its slot's state when the dump was taken, and a stack.
// Trailing: `n_held` HeldEntry, outermost first.
struct ThreadDumpThread {
  RecordHeader h;          // h.flags = DumpThreadFlag bits
  uint32_t dump_id;        // ThreadDump::dump_id
  uint32_t tid;
  uint32_t state;          // ThreadState (kRunning or kBlocked)
  uint32_t stack_id;       // see the flags; 0 = none
  uint64_t wait_object;    // kBlocked: as ThreadSlot
  uint64_t wait_since_ns;
  uint32_t wait_lock_id;
  uint32_t wait_stack_id;
  uint8_t wait_kind;       // WaitKind
  uint8_t wait_mode;       // LockMode
  uint8_t wait_flags;      // WaitFlag bits
  uint8_t held_overflow;   // 1: it held more than kSlotHeld locks
  int32_t syscall_nr;      // kDumpInKernel: the system call's number (x86-64), -1 = unknown
  uint32_t n_held;         // <= kSlotHeld
  uint32_t reserved;
};
static_assert(sizeof(ThreadDumpThread) == 64);
static_assert(std::is_trivially_copyable_v<ThreadDumpThread>);
// kChannel: written by the thread that created the channel, right after the creating call (pipe,
// pipe2, eventfd, socketpair, open of a FIFO) or, for a user channel, at its first annotation.
// Trailing: `name_len` bytes of the user channel's name (no NUL, <= kMaxLockNameBytes), padded
// to 8; 0 for fds (reports name them by kind and ident, e.g. pipe:[123456]).
enum ChannelFlag : uint8_t {
  kChannelExternal = 1u << 0,  // another process may hold an end (FIFO)
};
struct ChannelDef {
  RecordHeader h;     // h.flags = ChannelFlag bits
  uint64_t seq;
  uint64_t ident;     // see ChannelKind; the same value as ThreadSlot::wait_object of its waits
  int32_t fds[2];     // the fds it was created with ([0] read end of a pipe), -1 = none
  uint32_t stack_id;  // where it was created
  uint8_t channel_kind;  // ChannelKind
  uint8_t reserved[3];
  uint32_t name_len;
  uint32_t reserved2;
};
static_assert(sizeof(ChannelDef) == 48);
static_assert(std::is_trivially_copyable_v<ChannelDef>);

// kChannelUse: a thread read from, wrote to or closed (one end of) a channel — the evidence of
// who can wake whom. Written after the operation, once per (thread, fd, op) while the runtime's
// small per-fd memory has room (so a few repeats are possible; readers keep the first).
struct ChannelUse {
  RecordHeader h;     // h.flags = ChannelOp
  uint64_t seq;
  uint64_t ident;     // ChannelDef::ident
  int32_t fd;         // -1 for a user channel
  uint32_t stack_id;  // where
};
static_assert(sizeof(ChannelUse) == 32);
static_assert(std::is_trivially_copyable_v<ChannelUse>);

// Round a byte count up to the record alignment.
constexpr uint32_t RecordAlign(uint32_t n) { return (n + 7u) & ~7u; }

}  // namespace trace
}  // namespace lockscope

#endif  // LOCKSCOPE_TRACE_FORMAT_H_
