// cycle_finder_test.cpp — FindCycles() against hand cases and, on seeded random graphs, against a
// naive reference that enumerates every simple path (Abseil graphcycles_test style).

#include "cycle_finder.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <set>
#include <vector>

namespace lockscope {
namespace analysis {
namespace {

using Cycle = std::vector<int>;
using Adjacency = std::vector<std::vector<int>>;

// Rotation starting at the smallest node.
Cycle Canonical(Cycle c) {
  std::rotate(c.begin(), std::min_element(c.begin(), c.end()), c.end());
  return c;
}

// Reference: from every start node, every simple path; closing back to the start is a cycle.
// No SCCs, no ordering tricks: exponential, obviously correct for tiny graphs.
void ReferenceDfs(const Adjacency& g, int start, std::vector<int>* path, std::vector<bool>* on,
                  int max_len, std::set<Cycle>* out) {
  for (int w : g[path->back()]) {
    if (w == start && path->size() >= 2) out->insert(Canonical(*path));
    if ((*on)[w] || static_cast<int>(path->size()) >= max_len) continue;
    path->push_back(w);
    (*on)[w] = true;
    ReferenceDfs(g, start, path, on, max_len, out);
    (*on)[w] = false;
    path->pop_back();
  }
}

std::set<Cycle> ReferenceCycles(const Adjacency& g, int max_len) {
  std::set<Cycle> out;
  for (int s = 0; s < static_cast<int>(g.size()); ++s) {
    std::vector<int> path{s};
    std::vector<bool> on(g.size(), false);
    on[s] = true;
    ReferenceDfs(g, s, &path, &on, max_len, &out);
  }
  return out;
}

void ExpectShortestFirstAndCanonical(const CycleResult& r) {
  for (size_t i = 0; i < r.cycles.size(); ++i) {
    EXPECT_EQ(r.cycles[i], Canonical(r.cycles[i]));
    if (i > 0) {
      EXPECT_LE(r.cycles[i - 1].size(), r.cycles[i].size());
      if (r.cycles[i - 1].size() == r.cycles[i].size()) {
        EXPECT_LT(r.cycles[i - 1], r.cycles[i]);
      }
    }
  }
}

TEST(CycleFinderTest, SelfLoopIsNotACycle) {
  EXPECT_TRUE(FindCycles({{0}}).cycles.empty());
  EXPECT_TRUE(FindCycles({{0, 1}, {1}}).cycles.empty());
}

TEST(CycleFinderTest, TwoCycle) {
  CycleResult r = FindCycles({{1}, {0}});
  ASSERT_EQ(r.cycles.size(), 1u);
  EXPECT_EQ(r.cycles[0], (Cycle{0, 1}));
  EXPECT_FALSE(r.truncated);
}

TEST(CycleFinderTest, ThreeCycleAbbcca) {
  // A=0 -> B=1 -> C=2 -> A, plus a dangling D=3 reached from B.
  CycleResult r = FindCycles({{1}, {2, 3}, {0}, {}});
  ASSERT_EQ(r.cycles.size(), 1u);
  EXPECT_EQ(r.cycles[0], (Cycle{0, 1, 2}));
}

TEST(CycleFinderTest, TwoDisjointCycles) {
  CycleResult r = FindCycles({{1}, {0}, {3}, {4}, {2}});
  ASSERT_EQ(r.cycles.size(), 2u);
  EXPECT_EQ(r.cycles[0], (Cycle{0, 1}));
  EXPECT_EQ(r.cycles[1], (Cycle{2, 3, 4}));
}

TEST(CycleFinderTest, FigureEight) {
  // Two cycles sharing node 0: 0->1->0 and 0->2->3->0. No elementary cycle uses both loops.
  CycleResult r = FindCycles({{1, 2}, {0}, {3}, {0}});
  ASSERT_EQ(r.cycles.size(), 2u);
  EXPECT_EQ(r.cycles[0], (Cycle{0, 1}));
  EXPECT_EQ(r.cycles[1], (Cycle{0, 2, 3}));
}

TEST(CycleFinderTest, DuplicateAndOutOfRangeSuccessorsAreIgnored) {
  CycleResult r = FindCycles({{1, 1, 7, -1}, {0, 0}});
  ASSERT_EQ(r.cycles.size(), 1u);
}

TEST(CycleFinderTest, LengthBoundAndCap) {
  // A 5-cycle and a 2-cycle: max_length 3 keeps only the 2-cycle.
  Adjacency g = {{1, 4}, {2}, {3}, {4}, {0}};
  CycleOptions bounded;
  bounded.max_length = 3;
  CycleResult r = FindCycles(g, bounded);
  ASSERT_EQ(r.cycles.size(), 1u);
  EXPECT_EQ(r.cycles[0], (Cycle{0, 4}));
  // Complete graph on 6 nodes has many cycles; a cap of 3 returns the 3 shortest (2-cycles).
  Adjacency k6(6);
  for (int a = 0; a < 6; ++a) {
    for (int b = 0; b < 6; ++b) {
      if (a != b) k6[a].push_back(b);
    }
  }
  CycleOptions capped;
  capped.max_cycles = 3;
  CycleResult c = FindCycles(k6, capped);
  EXPECT_TRUE(c.truncated);
  ASSERT_EQ(c.cycles.size(), 3u);
  for (const Cycle& cycle : c.cycles) EXPECT_EQ(cycle.size(), 2u);
}

TEST(CycleFinderTest, SccsOfAChain) {
  std::vector<int> comp = StronglyConnectedComponents({{1}, {2}, {1, 3}, {}});
  EXPECT_EQ(comp[1], comp[2]);
  EXPECT_NE(comp[0], comp[1]);
  EXPECT_NE(comp[3], comp[1]);
  EXPECT_NE(comp[0], comp[3]);
}

TEST(CycleFinderTest, RandomGraphsMatchReference) {
  std::mt19937 rng(20261122);
  size_t total = 0;
  for (int round = 0; round < 200; ++round) {
    int n = 1 + static_cast<int>(rng() % 12);
    double density = 0.05 + (rng() % 30) / 100.0;
    Adjacency g(n);
    for (int a = 0; a < n; ++a) {
      for (int b = 0; b < n; ++b) {
        if (std::uniform_real_distribution<double>(0, 1)(rng) < density) g[a].push_back(b);
      }
    }
    int max_len = 2 + static_cast<int>(rng() % 5);
    CycleOptions options;
    options.max_length = max_len;
    options.max_cycles = 1u << 30;
    options.max_steps = ~0ull;
    CycleResult r = FindCycles(g, options);
    EXPECT_FALSE(r.truncated);
    ExpectShortestFirstAndCanonical(r);
    std::set<Cycle> got(r.cycles.begin(), r.cycles.end());
    EXPECT_EQ(got.size(), r.cycles.size()) << "duplicate cycle, round " << round;
    EXPECT_EQ(got, ReferenceCycles(g, max_len)) << "round " << round << " n=" << n;
    total += got.size();
  }
  // The seed must exercise the finder: many cycles overall, not 200 acyclic graphs.
  EXPECT_GT(total, 500u) << total;
}

}  // namespace
}  // namespace analysis
}  // namespace lockscope
