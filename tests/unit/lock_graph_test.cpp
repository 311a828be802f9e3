// lock_graph_test.cpp — LockGraph on hand-built traces.

#include "lock_graph.h"

#include <gtest/gtest.h>

#include <vector>

namespace lockscope {
namespace analysis {
namespace {

namespace tf = ::lockscope::trace;

AcquireEvent Acq(uint32_t tid, uint64_t seq, uint32_t lock, std::vector<uint32_t> held,
                 uint8_t flags = 0, uint32_t stack = 0) {
  AcquireEvent a;
  a.tid = tid;
  a.seq = seq;
  a.lock_id = lock;
  a.stack_id = stack;
  a.flags = flags;
  for (uint32_t h : held) a.held.push_back({h, 100 + h, LockMode::kExclusive, 1});
  return a;
}

TEST(LockGraphTest, AbbaGivesTwoEdgesWithWitnesses) {
  Trace t;
  t.acquires = {Acq(1, 1, 2, {1}, 0, 7), Acq(2, 2, 1, {2}, 0, 8)};
  LockGraph g(t);
  ASSERT_TRUE(g.CheckInvariants());
  EXPECT_EQ(g.nodes(), (std::vector<uint32_t>{1, 2}));
  ASSERT_EQ(g.edges().size(), 2u);
  const LockEdge* ab = g.FindEdge(1, 2);
  ASSERT_NE(ab, nullptr);
  ASSERT_EQ(ab->witnesses.size(), 1u);
  EXPECT_EQ(ab->witnesses[0].tid, 1u);
  EXPECT_EQ(ab->witnesses[0].acquire_stack_id, 7u);
  EXPECT_EQ(ab->witnesses[0].held_stack_id, 101u);
  EXPECT_TRUE(ab->Blocking());
  ASSERT_NE(g.FindEdge(2, 1), nullptr);
  EXPECT_EQ(g.FindEdge(2, 1)->witnesses[0].tid, 2u);
  EXPECT_EQ(g.OutEdges(g.NodeIndex(1)).size(), 1u);
  EXPECT_EQ(g.NodeIndex(3), -1);
}

TEST(LockGraphTest, RelockIsNotAnEdge) {
  Trace t;
  t.acquires = {Acq(1, 1, 1, {1})};
  LockGraph g(t);
  EXPECT_TRUE(g.CheckInvariants());
  EXPECT_TRUE(g.edges().empty());
}

TEST(LockGraphTest, ReacquireOfAHeldLockOrdersNothing) {
  Trace t;
  // R=1 recursive: lock(R); lock(M=2); lock(R) again. Only R -> M is an order.
  t.acquires = {Acq(1, 1, 2, {1}), Acq(1, 2, 1, {1, 2}), Acq(1, 3, 1, {2}, tf::kAcqReentrant)};
  LockGraph g(t);
  ASSERT_TRUE(g.CheckInvariants());
  ASSERT_EQ(g.edges().size(), 1u);
  EXPECT_NE(g.FindEdge(1, 2), nullptr);
}

TEST(LockGraphTest, FailedTryIsNoEdgeSuccessfulTryIsNonBlocking) {
  Trace t;
  t.acquires = {Acq(1, 1, 2, {1}, tf::kAcqTry | tf::kAcqFailed),
                Acq(1, 2, 3, {1}, tf::kAcqTimed | tf::kAcqFailed), Acq(1, 3, 4, {1}, tf::kAcqTry)};
  LockGraph g(t);
  ASSERT_TRUE(g.CheckInvariants());
  ASSERT_EQ(g.edges().size(), 1u);
  const LockEdge* edge = g.FindEdge(1, 4);
  ASSERT_NE(edge, nullptr);
  EXPECT_TRUE(edge->witnesses[0].try_acquire);
  EXPECT_FALSE(edge->Blocking());
}

TEST(LockGraphTest, RepeatedWitnessIsCountedOnceWithEarliestSeq) {
  Trace t;
  t.acquires = {Acq(1, 9, 2, {1}), Acq(1, 4, 2, {1}), Acq(2, 5, 2, {1})};
  LockGraph g(t);
  ASSERT_TRUE(g.CheckInvariants());
  const LockEdge* edge = g.FindEdge(1, 2);
  ASSERT_NE(edge, nullptr);
  ASSERT_EQ(edge->witnesses.size(), 2u);
  EXPECT_EQ(edge->witnesses[0].tid, 1u);  // ordered by first seq: 4 before 5
  EXPECT_EQ(edge->witnesses[0].count, 2u);
  EXPECT_EQ(edge->witnesses[0].seq, 4u);
  EXPECT_EQ(edge->TotalCount(), 3u);
}

TEST(LockGraphTest, AlsoHeldExcludesTheEdgeLocks) {
  Trace t;
  t.acquires = {Acq(1, 1, 3, {1, 2})};
  LockGraph g(t);
  ASSERT_TRUE(g.CheckInvariants());
  const LockEdge* ac = g.FindEdge(1, 3);
  const LockEdge* bc = g.FindEdge(2, 3);
  ASSERT_NE(ac, nullptr);
  ASSERT_NE(bc, nullptr);
  ASSERT_EQ(ac->witnesses[0].also_held.size(), 1u);
  EXPECT_EQ(ac->witnesses[0].also_held[0].lock_id, 2u);
  ASSERT_EQ(bc->witnesses[0].also_held.size(), 1u);
  EXPECT_EQ(bc->witnesses[0].also_held[0].lock_id, 1u);
}

TEST(LockGraphTest, EmptyTrace) {
  LockGraph g(Trace{});
  EXPECT_TRUE(g.CheckInvariants());
  EXPECT_TRUE(g.nodes().empty());
}

}  // namespace
}  // namespace analysis
}  // namespace lockscope
