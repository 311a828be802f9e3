// channel_waits_test.cpp — threads blocked on channels (pipes, socketpairs, user channels) in
// hand-built thread slots: the comm-deadlock finding names the channel and who was to wake the
// waiter; channels another process may hold, woken waiters and running writers say nothing.

#include "channel_waits.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "analyze.h"
#include "symbolizer.h"
#include "wait_findings.h"

namespace lockscope {
namespace analysis {
namespace {

namespace tf = ::lockscope::trace;

constexpr uint32_t kMain = 100, kWorker = 101, kOther = 102;
constexpr uint64_t kPipeIno = 424242;
constexpr uint64_t kQueue = 0x5000;

class ChannelTrace {
 public:
  ChannelTrace() {
    t_.pid = kMain;
    t_.path = "hand.lstrace";
    t_.start_monotonic_ns = 1000;
    t_.wake_table.assign(tf::kWakeBuckets, 0);
  }
  SlotSnapshot& Thread(uint32_t tid, tf::ThreadState state) {
    t_.threads[tid].tid = tid;
    t_.threads[tid].started = true;
    t_.threads[tid].parent_tid = tid == kMain ? 0 : kMain;
    SlotSnapshot s;
    s.tid = tid;
    s.state = state;
    s.pthread_self = 0x7000 + tid;
    t_.slots.push_back(s);
    return t_.slots.back();
  }
  ChannelTrace& Joins(uint32_t tid, uint32_t target) {
    SlotSnapshot& s = Thread(tid, tf::ThreadState::kBlocked);
    s.wait_kind = tf::WaitKind::kJoin;
    s.wait_object = target;
    s.wait_stack_id = 30 + tid;
    return *this;
  }
  SlotSnapshot& OnChannel(uint32_t tid, uint64_t ident, tf::ChannelKind kind, tf::ChannelOp dir,
                          int fd) {
    SlotSnapshot& s = Thread(tid, tf::ThreadState::kBlocked);
    s.wait_kind = tf::WaitKind::kFd;
    s.wait_object = ident;
    s.wait_channel = kind;
    s.wait_dir = dir;
    s.wait_fd = fd;
    s.wait_stack_id = 40 + tid;
    s.wait_since_ns = 5000;
    return s;
  }
  ChannelTrace& Pipe(uint64_t ident, int read_fd, int write_fd) {
    ChannelInfo& c = t_.channels[ident];
    c.kind = tf::ChannelKind::kPipe;
    c.defined = true;
    c.fds[0] = read_fd;
    c.fds[1] = write_fd;
    c.creator_tid = kMain;
    c.stack_id = 7;
    return *this;
  }
  ChannelTrace& Use(uint64_t ident, uint32_t tid, tf::ChannelOp op, int fd, uint64_t seq) {
    t_.channels[ident].uses.push_back({tid, op, fd, 50 + tid, seq});
    return *this;
  }
  // A channel operation after the wait began bumped the waiter's wake bucket.
  void BumpWake(uint64_t ident, tf::ChannelOp waiters) {
    ++t_.wake_table[tf::WakeBucket(tf::ChannelWakeKey(ident, static_cast<uint8_t>(waiters)))];
  }
  Trace& trace() { return t_; }

 private:
  Trace t_;
};

std::vector<Finding> CommDeadlocks(const Trace& trace) {
  Symbolizer symbolizer({}, SymbolizerOptions{"", {}, false});
  FindingContext ctx(trace, &symbolizer);
  std::vector<Finding> out;
  AddCommDeadlockFindings(ctx, &out);
  return out;
}

TEST(ChannelWaitsTest, ReaderOfAPipeNobodyWritesWhileMainJoinsIt) {
  ChannelTrace b;
  b.Pipe(kPipeIno, 3, 4).Joins(kMain, kWorker);
  b.OnChannel(kWorker, kPipeIno, tf::ChannelKind::kPipe, tf::ChannelOp::kReceive, 3);
  std::vector<Finding> f = CommDeadlocks(b.trace());
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].kind, FindingKind::kCommDeadlock);
  EXPECT_EQ(f[0].subkind, "all-threads-asleep");
  EXPECT_NE(f[0].summary.find("(thread T1 reading pipe fd 3 (pipe:[424242]))"), std::string::npos)
      << f[0].summary;
  EXPECT_NE(f[0].story.find("Only a write to pipe:[424242] or the close of its last write end "
                            "can end thread T1's read; no other thread ever wrote to it, nor "
                            "closed its write end."),
            std::string::npos)
      << f[0].story;
  // The two wait sites and where the pipe was made.
  EXPECT_EQ(f[0].extra_stacks.size(), 3u);
  EXPECT_NE(f[0].extra_stack_titles[2].find("pipe pipe:[424242] created here by thread T0"),
            std::string::npos)
      << f[0].extra_stack_titles[2];
}

TEST(ChannelWaitsTest, TheWriterWhoWroteBeforeIsNamedWithWhatItDoesNow) {
  ChannelTrace b;
  b.Pipe(kPipeIno, 3, 4).Joins(kMain, kWorker);
  b.OnChannel(kWorker, kPipeIno, tf::ChannelKind::kPipe, tf::ChannelOp::kReceive, 3);
  b.Use(kPipeIno, kMain, tf::ChannelOp::kSend, 4, 10);
  b.Use(kPipeIno, kWorker, tf::ChannelOp::kReceive, 3, 11);  // its own reads wake nobody
  std::vector<Finding> f = CommDeadlocks(b.trace());
  ASSERT_EQ(f.size(), 1u);
  EXPECT_NE(f[0].story.find("thread T0 wrote to it before and is now blocked joining thread T1."),
            std::string::npos)
      << f[0].story;
  std::vector<ChannelUseEvent> wakers = ChannelWakers(b.trace(), b.trace().slots[1]);
  ASSERT_EQ(wakers.size(), 1u);
  EXPECT_EQ(wakers[0].tid, kMain);
}

TEST(ChannelWaitsTest, AClosedWriteEndIsAWakerButNotTheReadersOwnFd) {
  ChannelTrace b;
  b.Pipe(kPipeIno, 3, 4).Joins(kMain, kWorker);
  const SlotSnapshot& r =
      b.OnChannel(kWorker, kPipeIno, tf::ChannelKind::kPipe, tf::ChannelOp::kReceive, 3);
  b.Use(kPipeIno, kOther, tf::ChannelOp::kClose, 3, 9);  // another copy of the read end
  b.Use(kPipeIno, kOther, tf::ChannelOp::kClose, 4, 10);
  std::vector<ChannelUseEvent> wakers = ChannelWakers(b.trace(), r);
  ASSERT_EQ(wakers.size(), 1u);
  EXPECT_EQ(wakers[0].fd, 4);
}

TEST(ChannelWaitsTest, AChannelAnotherProcessMayHoldIsNoDeadlock) {
  ChannelTrace b;
  b.Pipe(kPipeIno, 3, 4).Joins(kMain, kWorker);
  b.OnChannel(kWorker, kPipeIno, tf::ChannelKind::kPipe, tf::ChannelOp::kReceive, 3).wait_flags =
      tf::kWaitShared;  // made before a fork: the child may write
  EXPECT_TRUE(CommDeadlocks(b.trace()).empty());
}

TEST(ChannelWaitsTest, AnOperationAfterTheWaitBeganMayHaveWokenIt) {
  ChannelTrace b;
  b.Pipe(kPipeIno, 3, 4).Joins(kMain, kWorker);
  b.OnChannel(kWorker, kPipeIno, tf::ChannelKind::kPipe, tf::ChannelOp::kReceive, 3);
  b.BumpWake(kPipeIno, tf::ChannelOp::kSend);  // a read elsewhere wakes writers, not readers
  EXPECT_EQ(CommDeadlocks(b.trace()).size(), 1u);
  b.BumpWake(kPipeIno, tf::ChannelOp::kReceive);  // a write came: the reader may be runnable
  EXPECT_TRUE(CommDeadlocks(b.trace()).empty());
}

TEST(ChannelWaitsTest, ARunningThreadMayStillWrite) {
  ChannelTrace b;
  b.Pipe(kPipeIno, 3, 4);
  b.Thread(kMain, tf::ThreadState::kRunning);
  b.OnChannel(kWorker, kPipeIno, tf::ChannelKind::kPipe, tf::ChannelOp::kReceive, 3);
  EXPECT_TRUE(CommDeadlocks(b.trace()).empty());
}

TEST(ChannelWaitsTest, TimedChannelWaitsAreNotForGood) {
  ChannelTrace b;
  b.Joins(kMain, kWorker);
  b.OnChannel(kWorker, kQueue, tf::ChannelKind::kUser, tf::ChannelOp::kReceive, -1).wait_flags =
      tf::kWaitTimed;
  EXPECT_TRUE(CommDeadlocks(b.trace()).empty());
}

TEST(ChannelWaitsTest, UserChannelSendWithoutReceiverNamesTheChannel) {
  ChannelTrace b;
  ChannelInfo& q = b.trace().channels[kQueue];
  q.kind = tf::ChannelKind::kUser;
  q.defined = true;
  q.name = "jobs";
  q.creator_tid = kWorker;
  b.Joins(kMain, kWorker);
  b.OnChannel(kWorker, kQueue, tf::ChannelKind::kUser, tf::ChannelOp::kSend, -1);
  b.Use(kQueue, kWorker, tf::ChannelOp::kSend, -1, 3);
  std::vector<Finding> f = CommDeadlocks(b.trace());
  ASSERT_EQ(f.size(), 1u);
  EXPECT_NE(f[0].summary.find("(thread T1 sending to channel \"jobs\" (0x5000))"),
            std::string::npos)
      << f[0].summary;
  EXPECT_NE(f[0].story.find("Only a receive on channel \"jobs\" or its close can end thread T1's "
                            "wait; no other thread ever received from it, nor closed it."),
            std::string::npos)
      << f[0].story;
}

TEST(ChannelWaitsTest, DescriptionsOfEveryKind) {
  ChannelTrace b;
  b.OnChannel(kWorker, 77, tf::ChannelKind::kSocketpair, tf::ChannelOp::kSend, 6);
  EXPECT_EQ(DescribeChannelWait(b.trace(), b.trace().slots.back()),
            "writing socketpair fd 6 (socket:[77])");
  b.OnChannel(kOther, 1ull << 63 | 1, tf::ChannelKind::kEventfd, tf::ChannelOp::kReceive, 8);
  EXPECT_EQ(DescribeChannelWait(b.trace(), b.trace().slots.back()),
            "reading eventfd fd 8 (eventfd)");
}

TEST(ChannelWaitsTest, ThreadsAtEndShowTheChannelWait) {
  ChannelTrace b;
  b.Pipe(kPipeIno, 3, 4).Joins(kMain, kWorker);
  b.OnChannel(kWorker, kPipeIno, tf::ChannelKind::kPipe, tf::ChannelOp::kReceive, 3);
  Symbolizer symbolizer({}, SymbolizerOptions{"", {}, false});
  FindingContext ctx(b.trace(), &symbolizer);
  std::vector<ThreadAtEnd> at_end = ThreadsAtEnd(ctx);
  ASSERT_EQ(at_end.size(), 2u);
  EXPECT_EQ(at_end[1].waiting, "reading pipe fd 3 (pipe:[424242])");
}

}  // namespace
}  // namespace analysis
}  // namespace lockscope
