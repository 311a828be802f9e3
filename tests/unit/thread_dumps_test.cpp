// thread_dumps_test.cpp — ThreadDumps() on hand-built dumps (no files, no symbolization): states,
// the holder of a waited-for lock from the same dump, joins by pthread_t, stacks and notes.

#include "thread_dumps.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "finding_context.h"
#include "symbolizer.h"

namespace lockscope {
namespace analysis {
namespace {

namespace tf = ::lockscope::trace;

constexpr uint32_t kMain = 100, kT1 = 101, kT2 = 102, kT3 = 103;
constexpr uint32_t kMu = 1;

Trace BaseTrace() {
  Trace t;
  t.pid = kMain;
  t.start_monotonic_ns = 1000000000;
  LockInfo l;
  l.id = kMu;
  l.address = 0x1000;
  l.kind = LockKind::kMutex;
  t.locks[kMu] = l;
  for (uint32_t tid : {kMain, kT1, kT2, kT3}) {
    ThreadInfo& info = t.threads[tid];
    info.tid = tid;
    info.started = true;
    info.start_seq = tid;
    info.parent_tid = tid == kMain ? 0 : kMain;
    info.pthread_self = 0x7000 + tid;
  }
  t.stacks[5] = {0x4010};  // T1's own stack
  t.stacks[6] = {0x4020};  // T2's wait
  return t;
}

DumpedThread Dumped(uint32_t tid, tf::ThreadState state, uint8_t flags = 0) {
  DumpedThread d;
  d.slot.tid = tid;
  d.slot.state = state;
  d.flags = flags;
  return d;
}

TEST(ThreadDumpsTest, StatesHoldersStacksAndNotes) {
  Trace t = BaseTrace();
  ThreadDumpEvent dump;
  dump.dump_id = 3;
  dump.time_ns = 2500000000;
  dump.reason = tf::DumpReason::kTimeout;
  dump.expected = 4;
  // Out of T<n> order on purpose: the result is in T<n> order.
  DumpedThread t2 = Dumped(kT2, tf::ThreadState::kBlocked, tf::kDumpStackWait);
  t2.slot.wait_kind = tf::WaitKind::kLock;
  t2.slot.wait_lock_id = kMu;
  t2.slot.wait_stack_id = 6;
  t2.slot.wait_since_ns = 1500000000;
  t2.stack_id = 6;
  DumpedThread t1 = Dumped(kT1, tf::ThreadState::kRunning, tf::kDumpStackLive);
  t1.stack_id = 5;
  t1.slot.held.push_back({kMu, 0, LockMode::kExclusive, 1});
  DumpedThread main = Dumped(kMain, tf::ThreadState::kBlocked);
  main.slot.wait_kind = tf::WaitKind::kJoin;
  main.slot.wait_flags = tf::kWaitJoinPthread;  // joined before T1 started: named by pthread_t
  main.slot.wait_object = 0x7000 + kT1;
  DumpedThread t3 = Dumped(kT3, tf::ThreadState::kRunning, tf::kDumpInKernel);
  t3.syscall_nr = 35;
  dump.threads = {t2, t1, main, t3};
  t.thread_dumps = {dump};
  Symbolizer symbolizer({}, SymbolizerOptions{"", {}, false});
  FindingContext ctx(t, &symbolizer);
  std::vector<ThreadDump> out = ThreadDumps(ctx);
  ASSERT_EQ(out.size(), 1u);
  const ThreadDump& d = out[0];
  EXPECT_EQ(d.number, 3u);
  EXPECT_EQ(d.reason, "timeout");
  EXPECT_EQ(d.at, "+1.500 s");
  EXPECT_FALSE(d.incomplete);
  ASSERT_EQ(d.threads.size(), 4u);
  EXPECT_EQ(d.threads[0].thread.tid, kMain);
  EXPECT_EQ(d.threads[0].state, "blocked");
  EXPECT_EQ(d.threads[0].waiting, "joining thread T1");
  EXPECT_EQ(d.threads[1].thread.tid, kT1);
  EXPECT_EQ(d.threads[1].state, "running");
  ASSERT_EQ(d.threads[1].stack.size(), 1u);
  EXPECT_EQ(d.threads[1].stack[0].pc, 0x4010u);
  ASSERT_EQ(d.threads[1].held.size(), 1u);
  EXPECT_TRUE(d.threads[1].note.empty());
  EXPECT_EQ(d.threads[2].thread.tid, kT2);
  EXPECT_NE(d.threads[2].waiting.find(", held by thread T1"), std::string::npos)
      << d.threads[2].waiting;
  EXPECT_EQ(d.threads[2].since, "+0.500 s");
  ASSERT_EQ(d.threads[2].wait_stack.size(), 1u);
  EXPECT_TRUE(d.threads[2].stack.empty());
  EXPECT_EQ(d.threads[3].thread.tid, kT3);
  EXPECT_TRUE(d.threads[3].stack.empty());
  EXPECT_NE(d.threads[3].note.find("sleeping in the kernel in nanosleep"), std::string::npos)
      << d.threads[3].note;
}

TEST(ThreadDumpsTest, MissingThreadsMarkTheDumpIncompleteAndNotesSayWhy) {
  Trace t = BaseTrace();
  ThreadDumpEvent dump;
  dump.dump_id = 1;
  dump.expected = 3;
  dump.threads = {Dumped(kT1, tf::ThreadState::kRunning, tf::kDumpNoAnswer),
                  Dumped(kT2, tf::ThreadState::kRunning, tf::kDumpSignalBlocked)};
  t.thread_dumps = {dump};
  Symbolizer symbolizer({}, SymbolizerOptions{"", {}, false});
  FindingContext ctx(t, &symbolizer);
  std::vector<ThreadDump> out = ThreadDumps(ctx);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_TRUE(out[0].incomplete);
  EXPECT_EQ(out[0].reason, "signal");
  ASSERT_EQ(out[0].threads.size(), 2u);
  EXPECT_NE(out[0].threads[0].note.find("did not answer"), std::string::npos);
  EXPECT_NE(out[0].threads[1].note.find("blocks the dump signal"), std::string::npos);
}

TEST(ThreadDumpsTest, SyscallNames) {
  EXPECT_EQ(SyscallName(35), "nanosleep");
  EXPECT_EQ(SyscallName(0), "read");
  EXPECT_EQ(SyscallName(9999), "syscall 9999");
}

}  // namespace
}  // namespace analysis
}  // namespace lockscope
