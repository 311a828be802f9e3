// The chunk writer and the trace file: header bytes, chunk headers, rollover, the publication
// protocol, and fail-soft on reservation failure.

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "event_buffer.h"
#include "runtime.h"
#include "thread_state.h"
#include "trace_writer.h"

namespace lockscope {
namespace rt {
namespace {

std::string ReadAll(const std::string& path) {
  std::string out;
  int fd = open(path.c_str(), O_RDONLY);
  if (fd < 0) return out;
  char buf[65536];
  ssize_t n;
  while ((n = read(fd, buf, sizeof(buf))) > 0) out.append(buf, static_cast<size_t>(n));
  close(fd);
  return out;
}

struct ChunkView {
  trace::ChunkHeader h;
  std::vector<const trace::RecordHeader*> records;
};

// Walks the chunks like the analyzer does (chunk by capacity; skip 4 KiB where no magic).
std::vector<ChunkView> Chunks(const std::string& bytes) {
  std::vector<ChunkView> out;
  trace::FileHeader fh;
  memcpy(&fh, bytes.data(), sizeof(fh));
  size_t off = fh.chunks_offset;
  while (off + sizeof(trace::ChunkHeader) <= bytes.size()) {
    ChunkView c;
    memcpy(&c.h, bytes.data() + off, sizeof(c.h));
    if (c.h.magic != trace::kChunkMagic) {
      off += trace::kChunkAlign;
      continue;
    }
    for (size_t p = sizeof(trace::ChunkHeader); p < c.h.used_bytes;) {
      auto* r = reinterpret_cast<const trace::RecordHeader*>(bytes.data() + off + p);
      EXPECT_EQ(r->size % 8, 0u);
      EXPECT_GE(r->size, 8u);
      if (r->size < 8) break;
      c.records.push_back(r);
      p += r->size;
    }
    out.push_back(c);
    off += c.h.capacity_bytes;
  }
  return out;
}

class RtEventBufferTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/lockscope_rt_test_XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    path_ = dir_ + "/t.%p.lstrace";
  }
  void Init(const char* options) {
    ReentryGuard g;
    ASSERT_TRUE(InitRuntime(g, path_.c_str(), options, nullptr));
    file_ = g_writer.path();
  }
  void TearDown() override {
    TestOnlyShutdown();
    std::string cmd = "rm -rf " + dir_;
    ASSERT_EQ(system(cmd.c_str()), 0);
  }
  std::string dir_, path_, file_;
};

TEST_F(RtEventBufferTest, HeaderIsWellFormed) {
  Init("max_threads=16:stack_depth=12");
  {
    ReentryGuard g;
    FinishRuntime(g);
  }
  EXPECT_NE(file_.find(std::to_string(getpid())), std::string::npos);
  std::string bytes = ReadAll(file_);
  trace::FileHeader h;
  ASSERT_GE(bytes.size(), sizeof(h));
  memcpy(&h, bytes.data(), sizeof(h));
  EXPECT_EQ(memcmp(h.magic, trace::kMagic, 8), 0);
  EXPECT_EQ(h.version, trace::kTraceFormatVersion);
  EXPECT_EQ(h.header_size, trace::kHeaderBytes);
  EXPECT_EQ(h.endian_tag, trace::kEndianTag);
  EXPECT_EQ(h.pointer_size, 8);
  EXPECT_EQ(h.pid, getpid());
  EXPECT_EQ(h.ppid, getppid());
  EXPECT_EQ(h.slot_count, 16u);
  EXPECT_EQ(h.slots_offset, 4096u);
  EXPECT_EQ(h.chunks_offset, 4096u + 16 * 1024);
  EXPECT_EQ(h.chunks_offset % 4096, 0u);
  EXPECT_EQ(h.max_chunk_bytes, 65536u);
  EXPECT_EQ(h.stack_depth, 12u);
  EXPECT_TRUE(h.status_flags & trace::kStatusCleanExit);
  EXPECT_GE(h.end_monotonic_ns, h.start_monotonic_ns);
  EXPECT_NE(std::string(h.exe_path).find("lockscope_runtime_tests"), std::string::npos);
  EXPECT_NE(std::string(h.cmdline).find("lockscope_runtime_tests"), std::string::npos);

  // The calling thread has a slot and its first record is kThreadStart.
  trace::ThreadSlot slot;
  memcpy(&slot, bytes.data() + h.slots_offset, sizeof(slot));
  EXPECT_EQ(slot.tid, GetTid());
  EXPECT_EQ(slot.state, static_cast<uint32_t>(trace::ThreadState::kExited));
  auto chunks = Chunks(bytes);
  ASSERT_FALSE(chunks.empty());
  EXPECT_EQ(chunks[0].h.tid, GetTid());
  EXPECT_EQ(chunks[0].h.seq, 0u);
  EXPECT_EQ(chunks[0].h.capacity_bytes, 4096u);
  ASSERT_FALSE(chunks[0].records.empty());
  EXPECT_EQ(chunks[0].records[0]->kind, static_cast<uint8_t>(trace::RecordKind::kThreadStart));
}

TEST_F(RtEventBufferTest, ExistingNameGetsSuffix) {
  Init("max_threads=4");
  std::string first = file_;
  TestOnlyShutdown();
  Init("max_threads=4");
  EXPECT_EQ(file_, first + ".1");
}

TEST_F(RtEventBufferTest, RolloverGrowsChunksAndKeepsSequence) {
  Init("max_threads=4");
  ThreadState* ts = t_tls.state;
  ASSERT_NE(ts, nullptr);
  ReentryGuard g;
  const int kRecords = 20000;  // 24 bytes each: ~480 KB, many chunks
  for (int i = 0; i < kRecords; ++i) {
    auto r = MakeRecord<trace::Release>(trace::RecordKind::kRelease);
    r.lock_id = static_cast<uint32_t>(i);
    ASSERT_TRUE(EmitRecord(g, &ts->buf, r));
  }
  std::string bytes = ReadAll(file_);
  auto chunks = Chunks(bytes);
  ASSERT_GE(chunks.size(), 6u);
  uint32_t expect_cap = 4096;
  int next_lock = 0;
  for (size_t i = 0; i < chunks.size(); ++i) {
    EXPECT_EQ(chunks[i].h.seq, i);
    EXPECT_EQ(chunks[i].h.capacity_bytes, expect_cap);
    EXPECT_EQ(chunks[i].h.dropped, 0u);
    expect_cap = expect_cap * 2 > 65536 ? 65536 : expect_cap * 2;
    for (auto* r : chunks[i].records) {
      if (r->kind != static_cast<uint8_t>(trace::RecordKind::kRelease)) continue;
      trace::Release rel;
      memcpy(&rel, r, sizeof(rel));
      EXPECT_EQ(rel.lock_id, static_cast<uint32_t>(next_lock++));
    }
  }
  EXPECT_EQ(next_lock, kRecords);
}

TEST_F(RtEventBufferTest, UsedBytesIsPublishedOnlyAtCommit) {
  Init("max_threads=4");
  ThreadState* ts = t_tls.state;
  ReentryGuard g;
  uint8_t* p = ts->buf.Begin(g, sizeof(trace::Release));
  ASSERT_NE(p, nullptr);
  const uint32_t before = __atomic_load_n(&ts->buf.chunk()->used_bytes, __ATOMIC_ACQUIRE);
  memset(p, 0xab, 8);  // half a record
  EXPECT_EQ(__atomic_load_n(&ts->buf.chunk()->used_bytes, __ATOMIC_ACQUIRE), before);
  auto r = MakeRecord<trace::Release>(trace::RecordKind::kRelease);
  r.h.size = sizeof(r);
  memcpy(p, &r, sizeof(r));
  ts->buf.Commit(sizeof(r));
  EXPECT_EQ(__atomic_load_n(&ts->buf.chunk()->used_bytes, __ATOMIC_ACQUIRE),
            before + sizeof(r));
}

// A concurrent reader never sees a published range that contains an incomplete record.
TEST_F(RtEventBufferTest, ConcurrentReaderSeesOnlyCompleteRecords) {
  Init("max_threads=4");
  ThreadState* ts = t_tls.state;
  std::atomic<bool> done{false};
  std::atomic<long> checked{0};
  std::atomic<const trace::ChunkHeader*> chunk{nullptr};
  std::atomic<bool> reader_started{false};
  {
    // Move to a 64 KiB chunk first: a rollover unmaps the previous chunk under the reader.
    ReentryGuard g;
    while (!ts->buf.chunk() || ts->buf.chunk()->capacity_bytes < 65536) {
      auto r = MakeRecord<trace::Release>(trace::RecordKind::kRelease);
      r.time_ns = ~uint64_t{0};
      ASSERT_TRUE(EmitRecord(g, &ts->buf, r));
    }
    chunk.store(ts->buf.chunk());
  }
  std::thread reader([&] {
    reader_started.store(true);
    for (bool last = false; !last;) {
      last = done.load();
      const trace::ChunkHeader* c = chunk.load(std::memory_order_acquire);
      uint32_t used = __atomic_load_n(&c->used_bytes, __ATOMIC_ACQUIRE);
      const uint8_t* base = reinterpret_cast<const uint8_t*>(c);
      for (uint32_t p = sizeof(trace::ChunkHeader); p < used;) {
        trace::Release r;
        memcpy(&r, base + p, sizeof(r));
        if (r.h.kind == static_cast<uint8_t>(trace::RecordKind::kRelease)) {
          ASSERT_EQ(r.h.size, sizeof(r));
          ASSERT_EQ(r.time_ns, ~uint64_t{r.lock_id});
        }
        ASSERT_GE(r.h.size, 8u);
        p += r.h.size;
        checked.fetch_add(1);
      }
    }
  });
  {
    ReentryGuard g;
    // Stay inside one chunk of 64 KiB: fill the first chunks, then hammer the current one.
    while (!reader_started.load()) std::this_thread::yield();
    for (uint32_t i = 0; i < 2000; ++i) {
      if (ts->buf.chunk()->used_bytes + 2 * sizeof(trace::Release) + sizeof(trace::Disabled) >
          ts->buf.chunk()->capacity_bytes) {
        break;  // stay inside this chunk
      }
      if (i % 64 == 0) std::this_thread::yield();
      uint8_t* p = ts->buf.Begin(g, sizeof(trace::Release));
      ASSERT_NE(p, nullptr);
      auto r = MakeRecord<trace::Release>(trace::RecordKind::kRelease);
      r.h.size = sizeof(r);
      r.lock_id = i;
      r.time_ns = ~uint64_t{i};
      // Write the record in two halves, as a slow writer would.
      memcpy(p, &r, 12);
      std::atomic_signal_fence(std::memory_order_seq_cst);
      memcpy(p + 12, reinterpret_cast<uint8_t*>(&r) + 12, sizeof(r) - 12);
      ts->buf.Commit(sizeof(r));
    }
  }
  done.store(true);
  reader.join();
  EXPECT_GT(checked.load(), 0);
}

TEST_F(RtEventBufferTest, ReservationFailureDisablesAndCountsDrops) {
  Init("max_threads=4");
  ThreadState* ts = t_tls.state;
  ReentryGuard g;
  // Allow the current chunk and nothing more.
  g_writer.TestOnlySetLimit(g_writer.header()->chunks_offset + 4096);
  int dropped = 0;
  for (int i = 0; i < 1000; ++i) {
    auto r = MakeRecord<trace::Release>(trace::RecordKind::kRelease);
    if (!EmitRecord(g, &ts->buf, r)) ++dropped;
  }
  EXPECT_GT(dropped, 0);
  EXPECT_FALSE(RuntimeActive());
  const trace::FileHeader* h = g_writer.header();
  EXPECT_TRUE(h->status_flags & trace::kStatusDisabled);
  EXPECT_TRUE(h->status_flags & trace::kStatusTruncated);
  EXPECT_GE(h->dropped_records, 1u);
  EXPECT_GE(ts->buf.dropped(), 1u);
  std::string bytes = ReadAll(file_);
  auto chunks = Chunks(bytes);
  ASSERT_EQ(chunks.size(), 1u);
  bool saw_disabled = false;
  for (auto* r : chunks[0].records) {
    if (r->kind == static_cast<uint8_t>(trace::RecordKind::kDisabled)) {
      trace::Disabled d;
      memcpy(&d, r, sizeof(d));
      EXPECT_EQ(d.reason, static_cast<uint8_t>(trace::DisableReason::kTraceFull));
      saw_disabled = true;
    }
  }
  EXPECT_TRUE(saw_disabled);
}

TEST_F(RtEventBufferTest, TinyMaxTraceMbFailsSoft) {
  // max_trace_mb=1 with 4096 slots (4 MiB table) cannot even hold the header: no trace, no crash.
  ReentryGuard g;
  EXPECT_FALSE(InitRuntime(g, path_.c_str(), "max_trace_mb=1", nullptr));
  EXPECT_FALSE(RuntimeActive());
}

TEST(RtFlags, ParsesTableAndKeepsDefaultsOnBadValues) {
  Flags f;
  ParseFlags("stack_depth=100:full_events=1:bogus=3:max_threads=abc:verbose=yes", &f);
  EXPECT_EQ(f.stack_depth, 64);
  EXPECT_TRUE(f.full_events);
  EXPECT_EQ(f.max_threads, 4096);
  EXPECT_TRUE(f.verbose);
  EXPECT_TRUE(f.enabled);
  ParseFlags(nullptr, &f);
  EXPECT_EQ(f.stack_depth, 8);
  EXPECT_FALSE(f.full_events);
  ParseFlags("enabled=0:stack_depth=0", &f);
  EXPECT_FALSE(f.enabled);
  EXPECT_EQ(f.stack_depth, 1);
}

TEST(RtTracePath, ExpandsPidAndExe) {
  char out[256];
  ExpandTracePath("a.%e.%p.x", out, sizeof(out));
  EXPECT_EQ(std::string(out), "a.lockscope_runtime_tests." + std::to_string(getpid()) + ".x");
}

}  // namespace
}  // namespace rt
}  // namespace lockscope
