// Unit tests for runtime/channel_table: which fds are channels, dup/close, spawns making channels
// external, the (thread, op) use memory and user channel names.

#include "channel_table.h"

#include <fcntl.h>
#include <gtest/gtest.h>

#include <cstring>
#include <string>

namespace lockscope {
namespace rt {
namespace {

namespace tf = ::lockscope::trace;

FdChannel Pipe(uint64_t ident, uint8_t flags = 0) {
  FdChannel c;
  c.ident = ident;
  c.kind = static_cast<uint8_t>(tf::ChannelKind::kPipe);
  c.flags = flags;
  c.spawn = SpawnCount();
  return c;
}

class RtChannelTable : public ::testing::Test {
 protected:
  void SetUp() override { TestOnlyResetChannels(); }
  void TearDown() override { TestOnlyResetChannels(); }
};

TEST_F(RtChannelTable, PlainFdsAreNoChannels) {
  EXPECT_FALSE(IsChannelFd(0));
  EXPECT_FALSE(IsChannelFd(-1));
  EXPECT_FALSE(IsChannelFd(kMaxChannelFds));
  FdChannel c;
  EXPECT_FALSE(LookupChannelFd(5, &c));
}

TEST_F(RtChannelTable, BothEndsShareTheIdentUntilClosed) {
  NoteChannelFd(5, Pipe(1234));
  NoteChannelFd(6, Pipe(1234));
  FdChannel c;
  ASSERT_TRUE(LookupChannelFd(5, &c));
  EXPECT_EQ(c.ident, 1234u);
  EXPECT_EQ(c.kind, static_cast<uint8_t>(tf::ChannelKind::kPipe));
  ASSERT_TRUE(LookupChannelFd(6, &c));
  EXPECT_EQ(c.ident, 1234u);
  ForgetChannelFd(5);
  EXPECT_FALSE(IsChannelFd(5));
  EXPECT_TRUE(IsChannelFd(6));
}

TEST_F(RtChannelTable, OutOfRangeFdsAreIgnored) {
  NoteChannelFd(kMaxChannelFds, Pipe(7));
  NoteChannelFd(-3, Pipe(7));
  EXPECT_FALSE(IsChannelFd(kMaxChannelFds));
  ForgetChannelFd(kMaxChannelFds + 5);  // no crash
  EXPECT_TRUE(ClaimChannelFdUse(kMaxChannelFds, 1, tf::ChannelOp::kReceive));
}

TEST_F(RtChannelTable, DupCopiesAndDupOverAPlainFdForgets) {
  NoteChannelFd(5, Pipe(99));
  CopyChannelFd(5, 9);  // dup2(5, 9)
  FdChannel c;
  ASSERT_TRUE(LookupChannelFd(9, &c));
  EXPECT_EQ(c.ident, 99u);
  CopyChannelFd(3, 9);  // dup2(3, 9): 3 is a plain fd, 9 stops being a channel
  EXPECT_FALSE(IsChannelFd(9));
  CopyChannelFd(5, 5);  // dup2(5, 5) changes nothing
  EXPECT_TRUE(IsChannelFd(5));
}

TEST_F(RtChannelTable, ASpawnMakesEarlierChannelsExternal) {
  NoteChannelFd(5, Pipe(11));
  FdChannel before;
  ASSERT_TRUE(LookupChannelFd(5, &before));
  EXPECT_FALSE(ChannelExternal(before));
  NoteSpawn();  // fork/posix_spawn: the child may hold an end
  EXPECT_TRUE(ChannelExternal(before));
  NoteChannelFd(7, Pipe(12));  // made after the fork: the child has no end of it
  FdChannel after;
  ASSERT_TRUE(LookupChannelFd(7, &after));
  EXPECT_FALSE(ChannelExternal(after));
  EXPECT_TRUE(ChannelExternal(Pipe(13, kFdExternal)));  // a FIFO always is
}

TEST_F(RtChannelTable, ANonBlockingEndMakesTheChannelASelfPipe) {
  NoteChannelFd(5, Pipe(21));  // read end
  NoteChannelFd(6, Pipe(21));  // write end
  NoteChannelFd(7, Pipe(22));  // another pipe
  NoteChannelFdFlags(6, O_WRONLY | O_NONBLOCK);  // the self-pipe idiom: a signal handler writes
  FdChannel read_end, write_end, other;
  ASSERT_TRUE(LookupChannelFd(5, &read_end));
  ASSERT_TRUE(LookupChannelFd(6, &write_end));
  ASSERT_TRUE(LookupChannelFd(7, &other));
  EXPECT_EQ(read_end.flags & kFdNonBlocking, 0);  // still blocking: its reads are waits...
  EXPECT_TRUE(ChannelExternal(read_end));          // ...that a signal handler may end
  EXPECT_NE(write_end.flags & kFdNonBlocking, 0);
  EXPECT_FALSE(ChannelExternal(other));
  NoteChannelFdFlags(6, O_WRONLY);  // blocking again; the channel stays suspect
  ASSERT_TRUE(LookupChannelFd(6, &write_end));
  EXPECT_EQ(write_end.flags & kFdNonBlocking, 0);
  EXPECT_TRUE(ChannelExternal(write_end));
  NoteChannelFdFlags(9, O_NONBLOCK);  // not a channel: nothing
  EXPECT_FALSE(IsChannelFd(9));
}

TEST_F(RtChannelTable, EachThreadAndOpIsClaimedOncePerFd) {
  NoteChannelFd(5, Pipe(1));
  EXPECT_TRUE(ClaimChannelFdUse(5, 100, tf::ChannelOp::kReceive));
  EXPECT_FALSE(ClaimChannelFdUse(5, 100, tf::ChannelOp::kReceive));
  EXPECT_TRUE(ClaimChannelFdUse(5, 100, tf::ChannelOp::kClose));
  EXPECT_TRUE(ClaimChannelFdUse(5, 101, tf::ChannelOp::kReceive));
  NoteChannelFd(5, Pipe(2));  // a new channel on the same number starts afresh
  EXPECT_TRUE(ClaimChannelFdUse(5, 100, tf::ChannelOp::kReceive));
}

TEST_F(RtChannelTable, AFullUseMemoryKeepsAnsweringTrue) {
  NoteChannelFd(5, Pipe(1));
  for (uint32_t tid = 1; tid <= kChannelUsers; ++tid) {
    EXPECT_TRUE(ClaimChannelFdUse(5, tid, tf::ChannelOp::kSend));
  }
  EXPECT_TRUE(ClaimChannelFdUse(5, 999, tf::ChannelOp::kSend));
  EXPECT_TRUE(ClaimChannelFdUse(5, 999, tf::ChannelOp::kSend));  // not remembered: written again
}

TEST_F(RtChannelTable, SyntheticIdentsAreUniqueAndNeverInodes) {
  uint64_t a = NextSyntheticChannelIdent();
  uint64_t b = NextSyntheticChannelIdent();
  EXPECT_NE(a, b);
  EXPECT_NE(a & (1ull << 63), 0u);
}

TEST_F(RtChannelTable, UserChannelsKeepTheirFirstName) {
  int queue = 0;
  bool created = false;
  EXPECT_EQ(FindUserChannel(&queue, nullptr, &created), -1);  // unnamed and unknown
  int index = FindUserChannel(&queue, "jobs", &created);
  ASSERT_GE(index, 0);
  EXPECT_TRUE(created);
  EXPECT_EQ(FindUserChannel(&queue, "other", &created), index);
  EXPECT_FALSE(created);
  char name[64];
  ASSERT_TRUE(UserChannelName(reinterpret_cast<uintptr_t>(&queue), name, sizeof(name)));
  EXPECT_STREQ(name, "jobs");
  EXPECT_TRUE(ClaimUserChannelUse(index, 5, tf::ChannelOp::kSend));
  EXPECT_FALSE(ClaimUserChannelUse(index, 5, tf::ChannelOp::kSend));
  int other = 0;
  EXPECT_FALSE(UserChannelName(reinterpret_cast<uintptr_t>(&other), name, sizeof(name)));
}

TEST_F(RtChannelTable, LongUserChannelNamesAreTruncated) {
  int queue = 0;
  bool created = false;
  std::string long_name(200, 'q');
  ASSERT_GE(FindUserChannel(&queue, long_name.c_str(), &created), 0);
  char name[8];
  ASSERT_TRUE(UserChannelName(reinterpret_cast<uintptr_t>(&queue), name, sizeof(name)));
  EXPECT_EQ(strlen(name), 7u);
}

}  // namespace
}  // namespace rt
}  // namespace lockscope
