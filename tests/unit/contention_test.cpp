// contention.h: rows from summed kLockStats counters, ranking, the hot-lock threshold, and the
// text table (viz/contention_table.h).

#include "contention.h"

#include <gtest/gtest.h>

#include "contention_table.h"
#include "symbolizer.h"

namespace lockscope {
namespace analysis {
namespace {

LockContention Counters(uint64_t acquisitions, uint64_t contended, uint64_t wait_ns) {
  LockContention c;
  c.acquisitions = acquisitions;
  c.contended = contended;
  c.wait_total_ns = wait_ns;
  c.wait_max_ns = wait_ns / 2;
  c.owner_changes = contended;
  c.records = 1;
  return c;
}

TEST(ContentionTest, RanksByContendedAndReportsOnlyHotLocks) {
  Trace trace;
  trace.pid = 7;
  for (uint32_t id : {1u, 2u, 3u, 4u}) {
    LockInfo l;
    l.id = id;
    l.address = 0x1000 * id;
    l.kind = LockKind::kMutex;
    trace.locks[id] = l;
  }
  trace.contention[1] = Counters(100000, 999, 5'000'000);      // many waits, but < 1000
  trace.contention[2] = Counters(100000, 40000, 900'000'000);  // hot
  trace.contention[3] = Counters(1'000'000, 1500, 1'000'000);  // >= 1000 but 0.15 %: not hot
  trace.contention[4] = Counters(0, 0, 0);                     // never acquired: no row
  Symbolizer symbolizer({}, SymbolizerOptions{"", {}, false});
  FindingContext ctx(trace, &symbolizer);
  std::vector<ContentionRow> rows;
  std::vector<Finding> findings;
  AddContention(ctx, &rows, &findings);
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0].lock.lock_id, 2u);
  EXPECT_EQ(rows[1].lock.lock_id, 3u);
  EXPECT_EQ(rows[2].lock.lock_id, 1u);
  EXPECT_TRUE(rows[0].hot);
  EXPECT_FALSE(rows[1].hot);
  EXPECT_FALSE(rows[2].hot);
  ASSERT_EQ(findings.size(), 1u);
  EXPECT_EQ(findings[0].kind, FindingKind::kContention);
  ASSERT_EQ(findings[0].locks.size(), 1u);
  EXPECT_EQ(findings[0].locks[0].lock_id, 2u);
  EXPECT_NE(findings[0].summary.find("40000 of 100000 acquisitions (40%)"), std::string::npos)
      << findings[0].summary;

  Report report;
  report.contention = rows;
  std::string table = viz::RenderContentionTable(report, 2);
  EXPECT_NE(table.find("(2 of 3 locks"), std::string::npos) << table;
  EXPECT_NE(table.find("<- hot"), std::string::npos);
  EXPECT_EQ(table.find("0x1000"), std::string::npos) << "lock 1 is the third row: cut by top=2";
  EXPECT_EQ(viz::RenderContentionTable(Report{}, 10), "");
}

}  // namespace
}  // namespace analysis
}  // namespace lockscope
