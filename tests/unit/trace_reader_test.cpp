// trace_reader_test.cpp — ReadTrace()/ReadTraceFromBytes() on traces built byte by byte here
// (a small writer that follows trace_format.h), intact and damaged.

#include "trace_reader.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <random>
#include <string>
#include <vector>

namespace lockscope {
namespace analysis {
namespace {

namespace tf = ::lockscope::trace;

// Builds a trace file image: header page, slot table, then chunks at 4096-aligned offsets.
class TestTraceWriter {
 public:
  explicit TestTraceWriter(uint32_t slot_count = 4) {
    std::memcpy(header_.magic, tf::kMagic, sizeof(tf::kMagic));
    header_.version = tf::kTraceFormatVersion;
    header_.min_reader_version = tf::kMinReadableVersion;
    header_.header_size = tf::kHeaderBytes;
    header_.endian_tag = tf::kEndianTag;
    header_.pointer_size = 8;
    header_.pid = 100;
    header_.ppid = 1;
    header_.max_chunk_bytes = 4 * 4096;
    header_.slot_count = slot_count;
    header_.slots_offset = tf::kHeaderBytes;
    uint64_t slots_bytes = uint64_t{slot_count} * tf::kSlotBytes;
    header_.chunks_offset = tf::kHeaderBytes + (slots_bytes + 4095) / 4096 * 4096;
    header_.stack_depth = 16;
    header_.status_flags = tf::kStatusCleanExit;
    std::snprintf(header_.exe_path, sizeof(header_.exe_path), "/bin/prog");
    std::snprintf(header_.cmdline, sizeof(header_.cmdline), "prog --flag");
    body_.assign(header_.chunks_offset, '\0');
  }

  tf::FileHeader& header() { return header_; }

  void SetSlot(uint32_t index, const tf::ThreadSlot& slot) {
    std::memcpy(&body_[header_.slots_offset + index * tf::kSlotBytes], &slot, sizeof(slot));
  }

  // One record: the fixed part `r` (its h.kind set by the caller) plus a trailing byte string.
  template <typename T>
  static std::string Rec(T r, const std::string& trailing = "") {
    r.h.size = tf::RecordAlign(static_cast<uint32_t>(sizeof(T) + trailing.size()));
    std::string out(reinterpret_cast<const char*>(&r), sizeof(T));
    out += trailing;
    out.resize(r.h.size, '\0');
    return out;
  }

  // Appends a chunk; returns its file offset.
  uint64_t AddChunk(uint32_t tid, uint32_t seq, const std::vector<std::string>& records,
                    uint32_t capacity = 4096, uint64_t dropped = 0) {
    std::string payload;
    for (const std::string& r : records) payload += r;
    tf::ChunkHeader c{};
    c.magic = tf::kChunkMagic;
    c.tid = tid;
    c.seq = seq;
    c.used_bytes = static_cast<uint32_t>(sizeof(c) + payload.size());
    c.capacity_bytes = capacity;
    c.dropped = dropped;
    uint64_t offset = body_.size();
    std::string chunk(reinterpret_cast<const char*>(&c), sizeof(c));
    chunk += payload;
    chunk.resize(capacity, '\0');
    body_ += chunk;
    return offset;
  }

  void AddRaw(const std::string& bytes) { body_ += bytes; }

  std::string Bytes() const {
    std::string out = body_;
    std::memcpy(&out[0], &header_, sizeof(header_));
    return out;
  }

 private:
  tf::FileHeader header_{};
  std::string body_;
};

template <typename T>
T Make(tf::RecordKind kind) {
  T r{};
  r.h.kind = static_cast<uint8_t>(kind);
  return r;
}

std::string AcquireRec(uint64_t seq, uint32_t lock, std::vector<uint32_t> held, uint8_t flags = 0) {
  auto a = Make<tf::Acquire>(tf::RecordKind::kAcquire);
  a.h.flags = flags;
  a.seq = seq;
  a.lock_id = lock;
  a.stack_id = 7;
  a.epoch = 1;
  a.n_held = static_cast<uint32_t>(held.size());
  std::string trailing;
  for (uint32_t h : held) {
    tf::HeldEntry e{};
    e.lock_id = h;
    e.stack_id = 8;
    e.mode = 1;
    e.count = 1;
    trailing.append(reinterpret_cast<const char*>(&e), sizeof(e));
  }
  return TestTraceWriter::Rec(a, trailing);
}

std::string LockDefRec(uint32_t id, uint64_t address) {
  auto l = Make<tf::LockDef>(tf::RecordKind::kLockDef);
  l.lock_id = id;
  l.address = address;
  l.stack_id = 7;
  l.attrs = tf::kAttrRecursive;
  l.lock_kind = static_cast<uint8_t>(tf::LockKind::kRwLock);
  return TestTraceWriter::Rec(l);
}

std::string StartRec(uint64_t seq, uint32_t parent, uint32_t parent_epoch) {
  auto s = Make<tf::ThreadStart>(tf::RecordKind::kThreadStart);
  s.seq = seq;
  s.parent_tid = parent;
  s.parent_epoch = parent_epoch;
  s.create_stack_id = parent ? 7 : 0;
  s.pthread_self = 0xabc;
  return TestTraceWriter::Rec(s);
}

bool Read(const std::string& bytes, Trace* t, std::string* error) {
  return ReadTraceFromBytes(bytes, "test.lstrace", t, error);
}

bool HasWarning(const Trace& t, const std::string& needle) {
  for (const std::string& w : t.stats.warnings) {
    if (w.find(needle) != std::string::npos) return true;
  }
  return false;
}

TestTraceWriter FullTrace() {
  TestTraceWriter w;
  auto module = Make<tf::Module>(tf::RecordKind::kModule);
  module.load_bias = 0x5000;
  module.start = 0x5000;
  module.end = 0x9000;
  module.path_len = 9;
  auto stack = Make<tf::StackDef>(tf::RecordKind::kStackDef);
  stack.stack_id = 7;
  stack.depth = 2;
  uint64_t pcs[2] = {0x5123, 0x5456};
  auto name = Make<tf::ThreadName>(tf::RecordKind::kThreadName);
  name.tid = 0;  // 0: the chunk's own thread
  name.len = 6;
  auto unknown = Make<tf::Release>(tf::RecordKind::kRelease);
  unknown.h.kind = 200;
  auto misuse = Make<tf::Misuse>(tf::RecordKind::kMisuse);
  misuse.seq = 9;
  misuse.lock_id = 1;
  misuse.misuse_kind = static_cast<uint8_t>(tf::MisuseKind::kUnlockNotHeld);
  w.AddChunk(100, 0,
             {TestTraceWriter::Rec(module, "/bin/prog"),
              TestTraceWriter::Rec(stack, std::string(reinterpret_cast<char*>(pcs), 16)),
              StartRec(1, 0, 0), LockDefRec(1, 0x1000), LockDefRec(2, 0x2000),
              AcquireRec(5, 2, {1}), TestTraceWriter::Rec(unknown), TestTraceWriter::Rec(misuse)});
  auto join = Make<tf::ThreadJoin>(tf::RecordKind::kThreadJoin);
  join.seq = 20;
  join.joined_tid = 101;
  join.epoch_after = 2;
  w.AddChunk(101, 0,
             {StartRec(2, 100, 0), TestTraceWriter::Rec(name, "worker"), AcquireRec(4, 1, {2})});
  w.AddChunk(100, 2, {TestTraceWriter::Rec(join)});  // seq 1 of thread 100 is missing
  return w;
}

TEST(TraceReaderTest, RoundTrip) {
  TestTraceWriter w = FullTrace();
  tf::ThreadSlot slot{};
  slot.tid = 101;
  slot.state = static_cast<uint32_t>(tf::ThreadState::kBlocked);
  slot.wait_kind = static_cast<uint8_t>(tf::WaitKind::kLock);
  slot.wait_lock_id = 2;
  slot.n_held = 1000;  // torn/absurd: clamped to kSlotHeld
  slot.held[0] = {1, 7, 0, {}, 1};
  w.SetSlot(1, slot);
  Trace t;
  std::string error;
  ASSERT_TRUE(Read(w.Bytes(), &t, &error)) << error;
  EXPECT_EQ(t.pid, 100);
  EXPECT_EQ(t.exe_path, "/bin/prog");
  EXPECT_EQ(t.cmdline, "prog --flag");
  ASSERT_EQ(t.modules.size(), 1u);
  EXPECT_EQ(t.modules[0].path, "/bin/prog");
  EXPECT_EQ(t.modules[0].load_bias, 0x5000u);
  ASSERT_NE(t.FindStack(7), nullptr);
  EXPECT_EQ(*t.FindStack(7), (std::vector<uint64_t>{0x5123, 0x5456}));
  ASSERT_NE(t.FindLock(2), nullptr);
  EXPECT_EQ(t.FindLock(2)->address, 0x2000u);
  EXPECT_EQ(t.FindLock(2)->kind, LockKind::kRwLock);
  ASSERT_EQ(t.acquires.size(), 2u);
  EXPECT_EQ(t.acquires[0].seq, 4u);  // sorted by seq across chunks
  EXPECT_EQ(t.acquires[0].tid, 101u);
  EXPECT_EQ(t.acquires[1].lock_id, 2u);
  ASSERT_EQ(t.acquires[1].held.size(), 1u);
  EXPECT_EQ(t.acquires[1].held[0].lock_id, 1u);
  EXPECT_EQ(t.acquires[1].held[0].mode, LockMode::kShared);
  const ThreadInfo* worker = t.FindThread(101);
  ASSERT_NE(worker, nullptr);
  EXPECT_TRUE(worker->started);
  EXPECT_EQ(worker->parent_tid, 100u);
  EXPECT_EQ(worker->name, "worker");
  EXPECT_TRUE(worker->joined);
  EXPECT_EQ(worker->joiner_tid, 100u);
  EXPECT_EQ(worker->joiner_epoch_after, 2u);
  ASSERT_EQ(t.joins.size(), 1u);
  ASSERT_EQ(t.misuses.size(), 1u);
  EXPECT_EQ(t.misuses[0].kind, tf::MisuseKind::kUnlockNotHeld);
  EXPECT_EQ(t.stats.unknown_records, 1u);
  EXPECT_EQ(t.stats.chunks, 3u);
  EXPECT_EQ(t.stats.records, 12u);
  EXPECT_EQ(t.stats.seq_gaps, 1u);
  EXPECT_EQ(t.stats.bad_chunks, 0u);
  EXPECT_EQ(t.stats.skipped_regions, 0u);
  EXPECT_TRUE(t.stats.clean_exit);
  EXPECT_FALSE(HasWarning(t, "did not exit cleanly"));
  ASSERT_EQ(t.slots.size(), 1u);
  EXPECT_EQ(t.slots[0].tid, 101u);
  EXPECT_EQ(t.slots[0].wait_lock_id, 2u);
  EXPECT_EQ(t.slots[0].held.size(), tf::kSlotHeld);
}

TEST(TraceReaderTest, LockNamesAndSemaphoreSignalsAreReadBack) {
  TestTraceWriter w;
  auto sem_def = Make<tf::LockDef>(tf::RecordKind::kLockDef);
  sem_def.lock_id = 3;
  sem_def.address = 0x3000;
  sem_def.lock_kind = static_cast<uint8_t>(tf::LockKind::kSemaphore);
  auto name = Make<tf::LockName>(tf::RecordKind::kLockName);
  name.lock_id = 1;
  name.len = 11;
  auto second_name = name;  // a reader keeps the first name of a lock
  second_name.len = 5;
  auto too_long = Make<tf::LockName>(tf::RecordKind::kLockName);
  too_long.lock_id = 2;
  too_long.len = tf::kMaxLockNameBytes + 1;  // damage: the record is refused, the lock unnamed
  auto signal = Make<tf::SemSignal>(tf::RecordKind::kSemSignal);
  signal.lock_id = 3;
  signal.stack_id = 7;
  signal.seq = 9;
  // The post comes from thread 101, whose chunk is read before the semaphore's kLockDef.
  w.AddChunk(101, 0, {StartRec(1, 0, 0), TestTraceWriter::Rec(signal)});
  w.AddChunk(100, 0,
             {StartRec(2, 0, 0), LockDefRec(1, 0x1000), LockDefRec(2, 0x2000),
              TestTraceWriter::Rec(sem_def), TestTraceWriter::Rec(name, "orders/42 A"),
              TestTraceWriter::Rec(second_name, "other"),
              TestTraceWriter::Rec(too_long, std::string(tf::kMaxLockNameBytes + 1, 'x'))});
  Trace t;
  std::string error;
  ASSERT_TRUE(Read(w.Bytes(), &t, &error)) << error;
  ASSERT_NE(t.FindLock(1), nullptr);
  EXPECT_EQ(t.FindLock(1)->name, "orders/42 A");
  ASSERT_NE(t.FindLock(2), nullptr);
  EXPECT_EQ(t.FindLock(2)->name, "");
  ASSERT_NE(t.FindSemSignal(3), nullptr);
  EXPECT_EQ(t.FindSemSignal(3)->tid, 101u);
  EXPECT_EQ(t.FindSemSignal(3)->stack_id, 7u);
  EXPECT_EQ(t.FindSemSignal(1), nullptr);  // not a semaphore
}

// kLockInstancesCapped: kept once per site; a damaged one (no cap) stops its chunk like any
// invalid record, and the records before it stay.
TEST(TraceReaderTest, CappedInitSitesAreReadOncePerSite) {
  TestTraceWriter w;
  auto capped = Make<tf::LockInstancesCapped>(tf::RecordKind::kLockInstancesCapped);
  capped.seq = 5;
  capped.site = 0x401234;
  capped.stack_id = 7;
  capped.cap = 4096;
  capped.lock_kind = static_cast<uint8_t>(tf::LockKind::kMutex);
  auto repeat = capped;
  repeat.stack_id = 8;
  auto damaged = capped;
  damaged.site = 0x405678;
  damaged.cap = 0;
  w.AddChunk(100, 0,
             {StartRec(1, 0, 0), TestTraceWriter::Rec(capped), TestTraceWriter::Rec(repeat),
              TestTraceWriter::Rec(damaged), LockDefRec(1, 0x1000)});
  Trace t;
  std::string error;
  ASSERT_TRUE(Read(w.Bytes(), &t, &error)) << error;
  ASSERT_EQ(t.capped_init_sites.size(), 1u);
  const CappedInitSite& c = t.capped_init_sites.at(0x401234);
  EXPECT_EQ(c.stack_id, 7u);
  EXPECT_EQ(c.cap, 4096u);
  EXPECT_EQ(c.kind, LockKind::kMutex);
  EXPECT_EQ(t.FindLock(1), nullptr);  // after the damaged record: the chunk's rest is not read
  EXPECT_FALSE(t.stats.warnings.empty());
  EXPECT_EQ(t.stats.unknown_records, 0u);
}

TEST(TraceReaderTest, RepeatedAcquiresOfAFullEventTraceAreKeptOnce) {
  TestTraceWriter w;
  // Same thread, epoch, lock, site and held set: repeats. A different held set, a try flag or
  // another thread is a different dependency.
  w.AddChunk(101, 0, {AcquireRec(1, 2, {1}), AcquireRec(2, 2, {1}), AcquireRec(3, 2, {1}),
                      AcquireRec(4, 2, {}), AcquireRec(5, 2, {1}, tf::kAcqTry),
                      AcquireRec(6, 2, {1}, tf::kAcqContended)});
  w.AddChunk(102, 0, {AcquireRec(7, 2, {1})});
  Trace t;
  std::string error;
  ASSERT_TRUE(Read(w.Bytes(), &t, &error)) << error;
  EXPECT_EQ(t.stats.records, 7u);  // every record was read and counted
  ASSERT_EQ(t.acquires.size(), 4u);
  EXPECT_EQ(t.acquires[0].seq, 1u);  // the first of the repeats is the one kept
  EXPECT_EQ(t.acquires[1].seq, 4u);
  EXPECT_EQ(t.acquires[2].seq, 5u);
  EXPECT_EQ(t.acquires[3].tid, 102u);
}

TEST(TraceReaderTest, LifecycleRecords) {
  TestTraceWriter w;
  auto exit = Make<tf::ThreadExit>(tf::RecordKind::kThreadExit);
  exit.seq = 8;
  exit.n_held = 2;
  exit.via_pthread_exit = 1;
  auto detach = Make<tf::ThreadDetach>(tf::RecordKind::kThreadDetach);
  detach.detached_tid = 102;
  auto fork = Make<tf::Fork>(tf::RecordKind::kFork);
  fork.child_pid = 4242;
  auto destroy = Make<tf::LockDestroy>(tf::RecordKind::kLockDestroy);
  destroy.lock_id = 1;
  auto disabled = Make<tf::Disabled>(tf::RecordKind::kDisabled);
  disabled.reason = static_cast<uint8_t>(tf::DisableReason::kTraceFull);
  w.AddChunk(
      101, 0,
      {LockDefRec(1, 0x1000), TestTraceWriter::Rec(destroy), TestTraceWriter::Rec(detach),
       TestTraceWriter::Rec(fork), TestTraceWriter::Rec(disabled), TestTraceWriter::Rec(exit)});
  Trace t;
  std::string error;
  ASSERT_TRUE(Read(w.Bytes(), &t, &error)) << error;
  ASSERT_NE(t.FindThread(101), nullptr);
  EXPECT_TRUE(t.FindThread(101)->exited);
  EXPECT_TRUE(t.FindThread(101)->via_pthread_exit);
  EXPECT_EQ(t.FindThread(101)->held_at_exit, 2u);
  ASSERT_NE(t.FindThread(102), nullptr);
  EXPECT_TRUE(t.FindThread(102)->detached);
  EXPECT_EQ(t.forked_children, (std::vector<int32_t>{4242}));
  EXPECT_TRUE(t.FindLock(1)->destroyed);
  EXPECT_TRUE(t.stats.runtime_disabled);
  EXPECT_TRUE(HasWarning(t, "stopped recording because the trace could not grow"));
}

std::string StartSelfRec(uint64_t seq, uint64_t self, uint8_t flags = 0) {
  auto s = Make<tf::ThreadStart>(tf::RecordKind::kThreadStart);
  s.h.flags = flags;
  s.seq = seq;
  s.parent_tid = 100;
  s.create_stack_id = 7;
  s.pthread_self = self;
  return TestTraceWriter::Rec(s);
}

std::string DetachedRec(uint64_t seq, uint64_t self, uint32_t tid = 0) {
  auto d = Make<tf::ThreadDetached>(tf::RecordKind::kThreadDetached);
  d.seq = seq;
  d.target_self = self;
  d.target_tid = tid;
  d.stack_id = 9;
  return TestTraceWriter::Rec(d);
}

// pthread_detach names its target by pthread_t: the reader resolves it to the first thread with
// that pthread_self not joined or detached before, whatever the order the records come in.
TEST(TraceReaderTest, DetachByPthreadResolvesReusedHandlesAndNotYetStartedThreads) {
  TestTraceWriter w;
  auto join = Make<tf::ThreadJoin>(tf::RecordKind::kThreadJoin);
  join.seq = 4;
  join.joined_tid = 101;
  w.AddChunk(100, 0,
             {DetachedRec(2, 0xaaa),  // before 102 started: resolved to it all the same
              TestTraceWriter::Rec(join), DetachedRec(8, 0xbbb), DetachedRec(12, 0xbbb)});
  w.AddChunk(101, 0, {StartSelfRec(1, 0xbbb)});                       // joined at 4
  w.AddChunk(102, 0, {StartSelfRec(3, 0xaaa)});                       // detached at 2
  w.AddChunk(103, 0, {StartSelfRec(5, 0xbbb)});                       // reuses 101's handle: 8
  w.AddChunk(104, 0, {StartSelfRec(9, 0xbbb, tf::kStartDetached)});   // detached at create
  w.AddChunk(105, 0, {StartSelfRec(10, 0xbbb)});                      // 12 detaches this one
  w.AddChunk(106, 0, {StartSelfRec(13, 0xccc), DetachedRec(14, 0xccc, 106)});  // itself
  Trace t;
  std::string error;
  ASSERT_TRUE(Read(w.Bytes(), &t, &error)) << error;
  EXPECT_FALSE(t.FindThread(101)->detached);
  EXPECT_TRUE(t.FindThread(101)->joined);
  EXPECT_TRUE(t.FindThread(102)->detached);
  EXPECT_EQ(t.FindThread(102)->detach_seq, 2u);
  EXPECT_EQ(t.FindThread(102)->detach_stack_id, 9u);
  EXPECT_TRUE(t.FindThread(103)->detached);
  EXPECT_EQ(t.FindThread(103)->detach_seq, 8u);
  EXPECT_TRUE(t.FindThread(104)->detached_at_create);
  EXPECT_TRUE(t.FindThread(104)->detached);
  EXPECT_TRUE(t.FindThread(105)->detached);
  EXPECT_EQ(t.FindThread(105)->detach_seq, 12u);
  EXPECT_TRUE(t.FindThread(106)->detached);
  ASSERT_EQ(t.detaches.size(), 4u);
  EXPECT_EQ(t.detaches[0].resolved_tid, 102u);
}

TEST(TraceReaderTest, WakeTableIsReadOnlyWithItsFeatureBit) {
  TestTraceWriter w;
  std::string bytes = w.Bytes();
  uint64_t v = 42;
  std::memcpy(&bytes[tf::kWakeTableOffset + 8 * tf::WakeBucket(0xc0)], &v, sizeof(v));
  Trace t;
  std::string error;
  ASSERT_TRUE(Read(bytes, &t, &error)) << error;
  EXPECT_TRUE(t.wake_table.empty());
  w.header().feature_bits = tf::kFeatureWakeTable;
  bytes = w.Bytes();
  std::memcpy(&bytes[tf::kWakeTableOffset + 8 * tf::WakeBucket(0xc0)], &v, sizeof(v));
  ASSERT_TRUE(Read(bytes, &t, &error)) << error;
  ASSERT_EQ(t.wake_table.size(), tf::kWakeBuckets);
  EXPECT_EQ(t.wake_table[tf::WakeBucket(0xc0)], 42u);
}

// Thread dumps (issue #4): a kThreadDump and its kThreadDumpThread records, read back with the
// held locks; a thread record of an unknown dump is dropped; an impossible state is damage.
tf::ThreadDumpThread DumpThreadRec(uint32_t dump_id, uint32_t tid, tf::ThreadState state) {
  auto r = Make<tf::ThreadDumpThread>(tf::RecordKind::kThreadDumpThread);
  r.dump_id = dump_id;
  r.tid = tid;
  r.state = static_cast<uint32_t>(state);
  r.syscall_nr = -1;
  return r;
}

TEST(TraceReaderTest, ThreadDumpsAreReadBackWithTheirThreads) {
  TestTraceWriter w;
  w.header().dump_signal = 62;
  w.header().dumps_written = 2;
  auto dump1 = Make<tf::ThreadDump>(tf::RecordKind::kThreadDump);
  dump1.seq = 10;
  dump1.time_ns = 1500;
  dump1.dump_id = 1;
  dump1.n_threads = 2;
  dump1.reason = static_cast<uint8_t>(tf::DumpReason::kSignal);
  auto running = DumpThreadRec(1, 100, tf::ThreadState::kRunning);
  running.h.flags = tf::kDumpStackLive;
  running.stack_id = 7;
  running.n_held = 1;
  tf::HeldEntry held{};
  held.lock_id = 3;
  held.stack_id = 8;
  held.count = 1;
  std::string held_bytes(reinterpret_cast<const char*>(&held), sizeof(held));
  auto blocked = DumpThreadRec(1, 101, tf::ThreadState::kBlocked);
  blocked.h.flags = tf::kDumpStackWait;
  blocked.wait_kind = static_cast<uint8_t>(tf::WaitKind::kLock);
  blocked.wait_lock_id = 3;
  blocked.wait_stack_id = 9;
  blocked.stack_id = 9;
  auto dump2 = dump1;
  dump2.seq = 20;
  dump2.dump_id = 2;
  dump2.n_threads = 2;  // one thread record only: the process died mid-dump
  dump2.reason = static_cast<uint8_t>(tf::DumpReason::kTimeout);
  auto asleep = DumpThreadRec(2, 100, tf::ThreadState::kRunning);
  asleep.h.flags = tf::kDumpInKernel;
  asleep.syscall_nr = 35;
  auto orphan = DumpThreadRec(9, 102, tf::ThreadState::kRunning);  // no dump 9
  w.AddChunk(500, 0,
             {TestTraceWriter::Rec(dump1), TestTraceWriter::Rec(running, held_bytes),
              TestTraceWriter::Rec(blocked), TestTraceWriter::Rec(orphan),
              TestTraceWriter::Rec(dump2), TestTraceWriter::Rec(asleep)});
  Trace t;
  std::string error;
  ASSERT_TRUE(Read(w.Bytes(), &t, &error)) << error;
  EXPECT_EQ(t.dump_signal, 62u);
  ASSERT_EQ(t.thread_dumps.size(), 2u);
  const ThreadDumpEvent& d1 = t.thread_dumps[0];
  EXPECT_EQ(d1.dump_id, 1u);
  EXPECT_EQ(d1.time_ns, 1500u);
  EXPECT_EQ(d1.reason, tf::DumpReason::kSignal);
  ASSERT_EQ(d1.threads.size(), 2u);
  EXPECT_EQ(d1.threads[0].slot.tid, 100u);
  EXPECT_EQ(d1.threads[0].slot.state, tf::ThreadState::kRunning);
  EXPECT_EQ(d1.threads[0].stack_id, 7u);
  EXPECT_EQ(d1.threads[0].flags, tf::kDumpStackLive);
  ASSERT_EQ(d1.threads[0].slot.held.size(), 1u);
  EXPECT_EQ(d1.threads[0].slot.held[0].lock_id, 3u);
  EXPECT_EQ(d1.threads[0].slot.held[0].stack_id, 8u);
  EXPECT_EQ(d1.threads[1].slot.wait_kind, tf::WaitKind::kLock);
  EXPECT_EQ(d1.threads[1].slot.wait_lock_id, 3u);
  const ThreadDumpEvent& d2 = t.thread_dumps[1];
  EXPECT_EQ(d2.reason, tf::DumpReason::kTimeout);
  EXPECT_EQ(d2.expected, 2u);
  ASSERT_EQ(d2.threads.size(), 1u);
  EXPECT_EQ(d2.threads[0].syscall_nr, 35);
  EXPECT_EQ(d2.threads[0].flags, tf::kDumpInKernel);
  EXPECT_EQ(t.stats.bad_chunks, 0u);
}

TEST(TraceReaderTest, ThreadDumpRecordWithImpossibleValuesIsDamage) {
  TestTraceWriter w;
  auto dump = Make<tf::ThreadDump>(tf::RecordKind::kThreadDump);
  dump.dump_id = 1;
  dump.reason = static_cast<uint8_t>(tf::DumpReason::kSignal);
  auto bad_state = DumpThreadRec(1, 100, tf::ThreadState::kExited);
  auto too_many_held = DumpThreadRec(1, 101, tf::ThreadState::kRunning);
  too_many_held.n_held = 1000;
  w.AddChunk(500, 0, {TestTraceWriter::Rec(dump), TestTraceWriter::Rec(bad_state)});
  w.AddChunk(501, 0, {TestTraceWriter::Rec(dump), TestTraceWriter::Rec(too_many_held)});
  Trace t;
  std::string error;
  ASSERT_TRUE(Read(w.Bytes(), &t, &error)) << error;
  EXPECT_EQ(t.stats.bad_chunks, 2u);
  for (const ThreadDumpEvent& d : t.thread_dumps) EXPECT_TRUE(d.threads.empty());
}

TEST(TraceReaderTest, ReusedThreadIdIsWarned) {
  TestTraceWriter w;
  w.AddChunk(101, 0, {StartRec(1, 100, 0)});
  w.AddChunk(101, 1, {StartRec(5, 100, 1)});
  Trace t;
  std::string error;
  ASSERT_TRUE(Read(w.Bytes(), &t, &error)) << error;
  EXPECT_TRUE(HasWarning(t, "thread id 101 was used by more than one thread"));
}

TEST(TraceReaderTest, ThreadSeenOnlyInAChunkGetsThreadInfoAndUncleanExitWarns) {
  TestTraceWriter w;
  w.header().status_flags = 0;
  w.header().dropped_records = 3;
  w.AddChunk(555, 0, {AcquireRec(1, 2, {1})});
  Trace t;
  std::string error;
  ASSERT_TRUE(Read(w.Bytes(), &t, &error)) << error;
  ASSERT_NE(t.FindThread(555), nullptr);
  EXPECT_FALSE(t.FindThread(555)->started);
  EXPECT_FALSE(t.stats.clean_exit);
  EXPECT_EQ(t.stats.dropped_records, 3u);
  EXPECT_TRUE(HasWarning(t, "did not exit cleanly"));
  EXPECT_TRUE(HasWarning(t, "could not store 3 record"));
}

TEST(TraceReaderTest, TruncatedInsideAChunkKeepsPublishedRecords) {
  TestTraceWriter w;
  uint64_t chunk = w.AddChunk(
      100, 0,
      {LockDefRec(1, 0x1000), LockDefRec(2, 0x2000), AcquireRec(3, 2, {1}), AcquireRec(4, 1, {2})});
  std::string bytes = w.Bytes();
  // Cut in the middle of the first Acquire record (after two 40-byte LockDefs).
  bytes.resize(chunk + sizeof(tf::ChunkHeader) + 2 * sizeof(tf::LockDef) + 20);
  Trace t;
  std::string error;
  ASSERT_TRUE(Read(bytes, &t, &error)) << error;
  EXPECT_EQ(t.locks.size(), 2u);
  EXPECT_TRUE(t.acquires.empty());
  EXPECT_TRUE(t.stats.truncated);
  EXPECT_TRUE(HasWarning(t, "trace ends inside a chunk"))
      << ::testing::PrintToString(t.stats.warnings);
  EXPECT_TRUE(HasWarning(t, "thread 100"));
}

TEST(TraceReaderTest, WrongMagic) {
  TestTraceWriter w;
  w.header().magic[0] = 'X';
  Trace t;
  std::string error;
  EXPECT_FALSE(Read(w.Bytes(), &t, &error));
  EXPECT_NE(error.find("test.lstrace"), std::string::npos) << error;
  EXPECT_NE(error.find("bad magic"), std::string::npos) << error;
}

TEST(TraceReaderTest, NewerVersionNamesBothVersions) {
  TestTraceWriter w;
  w.header().version = tf::kTraceFormatVersion + 1;
  Trace t;
  std::string error;
  EXPECT_FALSE(Read(w.Bytes(), &t, &error));
  EXPECT_NE(error.find("version " + std::to_string(tf::kTraceFormatVersion + 1) + " is newer"),
            std::string::npos)
      << error;
  EXPECT_NE(error.find("(" + std::to_string(tf::kTraceFormatVersion) + ")"), std::string::npos)
      << error;
  EXPECT_EQ(error.find('\n'), std::string::npos);
}

TEST(TraceReaderTest, OlderVersionForeignEndianAndPointerSize) {
  Trace t;
  std::string error;
  TestTraceWriter old_version;
  old_version.header().version = tf::kMinReadableVersion - 1;
  EXPECT_FALSE(Read(old_version.Bytes(), &t, &error));
  EXPECT_NE(error.find("older"), std::string::npos) << error;
  TestTraceWriter foreign;
  foreign.header().endian_tag = __builtin_bswap32(tf::kEndianTag);
  EXPECT_FALSE(Read(foreign.Bytes(), &t, &error));
  EXPECT_NE(error.find("endianness"), std::string::npos) << error;
  TestTraceWriter ptr32;
  ptr32.header().pointer_size = 4;
  EXPECT_FALSE(Read(ptr32.Bytes(), &t, &error));
  EXPECT_NE(error.find("pointer size"), std::string::npos) << error;
}

TEST(TraceReaderTest, EmptyAndShortFiles) {
  Trace t;
  std::string error;
  EXPECT_FALSE(Read("", &t, &error));
  EXPECT_NE(error.find("empty"), std::string::npos) << error;
  std::string bytes = TestTraceWriter().Bytes();
  EXPECT_FALSE(Read(bytes.substr(0, 100), &t, &error));
  EXPECT_NE(error.find("shorter"), std::string::npos) << error;
}

std::string TempPath(const std::string& stem) {
  return ::testing::TempDir() + "/" + stem + std::to_string(getpid());
}

TEST(TraceReaderTest, DirectoryMissingFileAndRealFile) {
  Trace t;
  std::string error;
  EXPECT_FALSE(ReadTrace(::testing::TempDir(), &t, &error));
  EXPECT_NE(error.find("directory"), std::string::npos) << error;
  EXPECT_FALSE(ReadTrace("/nonexistent/x.lstrace", &t, &error));
  EXPECT_NE(error.find("/nonexistent/x.lstrace"), std::string::npos) << error;
  std::string empty = TempPath("empty");
  std::ofstream(empty).close();
  EXPECT_FALSE(ReadTrace(empty, &t, &error));
  EXPECT_NE(error.find("empty"), std::string::npos) << error;
  std::string path = TempPath("full");
  std::ofstream(path, std::ios::binary) << FullTrace().Bytes();
  ASSERT_TRUE(ReadTrace(path, &t, &error)) << error;
  EXPECT_EQ(t.path, path);
  EXPECT_EQ(t.acquires.size(), 2u);
  std::remove(path.c_str());
  std::remove(empty.c_str());
}

TEST(TraceReaderTest, AbsurdRecordSizeStopsOnlyThatChunk) {
  TestTraceWriter w;
  auto bad = Make<tf::LockDef>(tf::RecordKind::kLockDef);
  std::string bad_rec = TestTraceWriter::Rec(bad);
  uint32_t huge = 0xFFFFFFF8u;
  std::memcpy(&bad_rec[4], &huge, 4);
  w.AddChunk(100, 0, {LockDefRec(1, 0x1000), bad_rec, LockDefRec(2, 0x2000)});
  w.AddChunk(101, 0, {LockDefRec(3, 0x3000)});
  Trace t;
  std::string error;
  ASSERT_TRUE(Read(w.Bytes(), &t, &error)) << error;
  EXPECT_NE(t.FindLock(1), nullptr);
  EXPECT_EQ(t.FindLock(2), nullptr);  // after the damage
  EXPECT_NE(t.FindLock(3), nullptr);  // next chunk is fine
  EXPECT_EQ(t.stats.bad_chunks, 1u);
  EXPECT_TRUE(HasWarning(t, "damaged record"));
}

TEST(TraceReaderTest, RecordSmallerThanItsKindIsDamage) {
  TestTraceWriter w;
  std::string small = LockDefRec(5, 0x5000);
  uint32_t size = 16;  // a LockDef is 40 bytes
  std::memcpy(&small[4], &size, 4);
  small.resize(16);
  w.AddChunk(100, 0, {LockDefRec(1, 0x1000), small, LockDefRec(2, 0x2000)});
  Trace t;
  std::string error;
  ASSERT_TRUE(Read(w.Bytes(), &t, &error)) << error;
  EXPECT_NE(t.FindLock(1), nullptr);
  EXPECT_EQ(t.FindLock(5), nullptr);
  EXPECT_EQ(t.FindLock(2), nullptr);
  EXPECT_EQ(t.stats.bad_chunks, 1u);
  EXPECT_TRUE(HasWarning(t, "inconsistent size 16"));
}

TEST(TraceReaderTest, AbsurdStackDepthIsRejectedWithoutAllocating) {
  TestTraceWriter w;
  auto stack = Make<tf::StackDef>(tf::RecordKind::kStackDef);
  stack.stack_id = 1;
  stack.depth = 1u << 30;
  auto acquire = Make<tf::Acquire>(tf::RecordKind::kAcquire);
  acquire.n_held = 1u << 28;  // inconsistent with its size
  w.AddChunk(100, 0, {TestTraceWriter::Rec(stack)});
  w.AddChunk(100, 1, {TestTraceWriter::Rec(acquire)});
  Trace t;
  std::string error;
  ASSERT_TRUE(Read(w.Bytes(), &t, &error)) << error;
  EXPECT_TRUE(t.stacks.empty());
  EXPECT_TRUE(t.acquires.empty());
  EXPECT_EQ(t.stats.bad_chunks, 2u);
}

TEST(TraceReaderTest, GarbageBetweenChunksIsSkippedAndScanningResumes) {
  TestTraceWriter w;
  w.AddChunk(100, 0, {LockDefRec(1, 0x1000)});
  w.AddRaw(std::string(4096, '\xab'));
  w.AddRaw(std::string(4096, '\xcd'));  // one region of two blocks
  w.AddChunk(100, 1, {LockDefRec(2, 0x2000)});
  w.AddRaw(std::string(3 * 4096, '\0'));  // unclaimed tail: not damage
  Trace t;
  std::string error;
  ASSERT_TRUE(Read(w.Bytes(), &t, &error)) << error;
  EXPECT_NE(t.FindLock(1), nullptr);
  EXPECT_NE(t.FindLock(2), nullptr);
  EXPECT_EQ(t.stats.skipped_regions, 1u);
  EXPECT_EQ(t.stats.chunks, 2u);
  EXPECT_TRUE(HasWarning(t, "skipped 1 damaged region"));
}

TEST(TraceReaderTest, UsedBytesBeyondCapacityIsClampedWithAWarning) {
  TestTraceWriter w;
  uint64_t chunk = w.AddChunk(100, 0, {LockDefRec(1, 0x1000)});
  std::string bytes = w.Bytes();
  uint32_t used = 9000;
  std::memcpy(&bytes[chunk + offsetof(tf::ChunkHeader, used_bytes)], &used, 4);
  Trace t;
  std::string error;
  ASSERT_TRUE(Read(bytes, &t, &error)) << error;
  EXPECT_NE(t.FindLock(1), nullptr);
  EXPECT_TRUE(HasWarning(t, "used bytes"));
}

TEST(TraceReaderTest, RandomCorruptionNeverCrashes) {
  std::string good = FullTrace().Bytes();
  std::mt19937 rng(7);
  for (int round = 0; round < 300; ++round) {
    std::string bytes = good;
    int flips = 1 + static_cast<int>(rng() % 16);
    for (int i = 0; i < flips; ++i) {
      // Mostly hit the chunks, sometimes the header.
      size_t at = (rng() % 4 == 0) ? rng() % sizeof(tf::FileHeader)
                                   : tf::kHeaderBytes + rng() % (bytes.size() - tf::kHeaderBytes);
      bytes[at] = static_cast<char>(rng());
    }
    if (rng() % 3 == 0) bytes.resize(rng() % bytes.size());
    Trace t;
    std::string error;
    if (!Read(bytes, &t, &error)) {
      EXPECT_FALSE(error.empty());
    }
  }
}

TEST(TraceReaderTest, ThreadsWithoutLiveSlotAreCountedAndWarned) {
  TestTraceWriter w;
  w.AddChunk(101, 0, {StartRec(1, 100, 0)});
  {
    Trace t;
    std::string error;
    ASSERT_TRUE(Read(w.Bytes(), &t, &error)) << error;
    EXPECT_EQ(t.stats.threads_without_slot, 0u);
    EXPECT_FALSE(HasWarning(t, "live-state slots taken"));
  }
  w.header().threads_without_slot = 3;
  Trace t;
  std::string error;
  ASSERT_TRUE(Read(w.Bytes(), &t, &error)) << error;
  EXPECT_EQ(t.stats.threads_without_slot, 3u);
  EXPECT_TRUE(HasWarning(t, "3 thread(s) found all"));
  EXPECT_TRUE(HasWarning(t, "hang detection and thread dumps did not see them"));
}

}  // namespace
}  // namespace analysis
}  // namespace lockscope
