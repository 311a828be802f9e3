// The per-init-site cap on traced lock instances (runtime option max_lock_instances,
// init_sites.h) through the core API: once the cap's number of locks made at a site were
// destroyed, a further init there registers nothing, its lock's
// operations pass through without records or held-set entries, one kLockInstancesCapped says so,
// and a destroy gives the address back to normal tracing.

#include <pthread.h>

#include <cstdint>
#include <vector>

#include <gtest/gtest.h>

#include "rt_thread_state_fixture.h"

namespace lockscope {
namespace rt {
namespace {

constexpr uintptr_t kSite = 0x401234;   // a fake *_init return address
constexpr uintptr_t kOther = 0x405678;  // another one

class RtLockInstancesTest : public RtThreadStateTest {
 protected:
  void InitAt(pthread_mutex_t* m, uintptr_t site) {
    pthread_mutex_init(m, nullptr);
    AfterLockInit(g_, ts_, m, LockKind::kMutex, site);
  }
  void DestroyTraced(pthread_mutex_t* m) {
    BeforeLockDestroy(g_, ts_, m, LockKind::kMutex);
    pthread_mutex_destroy(m);
  }
};

bool DefinedAt(const std::vector<Rec>& rs, const void* addr) {
  for (const Rec& r : rs) {
    if (r.kind == static_cast<uint8_t>(trace::RecordKind::kLockDef) &&
        r.As<trace::LockDef>().address == reinterpret_cast<uintptr_t>(addr)) {
      return true;
    }
  }
  return false;
}

TEST_F(RtLockInstancesTest, InitSiteCapStopsTracingChurnAfterMaxLockInstancesDestroyed) {
  Init("max_lock_instances=3:watchdog_ms=0");
  pthread_mutex_t keep, m[5];
  InitAt(&keep, kSite);  // long-lived, from the same site
  for (int i = 0; i < 3; ++i) {  // churn: made and destroyed
    InitAt(&m[i], kSite);
    DestroyTraced(&m[i]);
  }
  InitAt(&m[3], kSite);  // the first after 3 destroyed: capped
  InitAt(&m[4], kSite);
  auto rs = ReadRecords(file_);
  EXPECT_EQ(Count(rs, trace::RecordKind::kLockDef), 4);
  EXPECT_TRUE(DefinedAt(rs, &keep));
  EXPECT_FALSE(DefinedAt(rs, &m[3]));
  EXPECT_FALSE(DefinedAt(rs, &m[4]));
  ASSERT_EQ(Count(rs, trace::RecordKind::kLockInstancesCapped), 1);
  for (const Rec& r : rs) {
    if (r.kind != static_cast<uint8_t>(trace::RecordKind::kLockInstancesCapped)) continue;
    auto c = r.As<trace::LockInstancesCapped>();
    EXPECT_EQ(c.site, kSite);
    EXPECT_EQ(c.cap, 3u);
    EXPECT_EQ(c.lock_kind, static_cast<uint8_t>(LockKind::kMutex));
    EXPECT_NE(c.stack_id, 0u);
  }
  // Nothing after the cap record (the fifth init wrote nothing).
  EXPECT_EQ(rs.back().kind, static_cast<uint8_t>(trace::RecordKind::kLockInstancesCapped));

  // An untracked lock, taken while holding a traced one: no record, the held set unchanged.
  pthread_mutex_t table = PTHREAD_MUTEX_INITIALIZER;
  Lock(&table);
  const size_t before = ReadRecords(file_).size();
  Lock(&m[4]);
  EXPECT_EQ(ts_->n_held, 1u);
  EXPECT_EQ(ts_->slot->n_held, 1u);
  Unlock(&m[4]);
  EXPECT_EQ(ts_->n_held, 1u);
  EXPECT_EQ(ReadRecords(file_).size(), before);
  // The long-lived instance of the same site still is traced.
  Lock(&keep);
  EXPECT_EQ(ts_->n_held, 2u);
  Unlock(&keep);
  Unlock(&table);
  EXPECT_GT(ReadRecords(file_).size(), before);

  // Destroy: the address is retired, so a lock that lives there next (here one that is never
  // *_init'ed) is traced again.
  DestroyTraced(&m[4]);
  m[4] = PTHREAD_MUTEX_INITIALIZER;
  Lock(&m[4]);
  EXPECT_EQ(ts_->n_held, 1u);
  Unlock(&m[4]);
  EXPECT_TRUE(DefinedAt(ReadRecords(file_), &m[4]));

  // An init at another site is counted apart: an untracked address re-initialised there is
  // traced; and the capped site stays capped without another record.
  AfterLockInit(g_, ts_, &m[3], LockKind::kMutex, kOther);
  pthread_mutex_t late;
  InitAt(&late, kSite);
  rs = ReadRecords(file_);
  EXPECT_TRUE(DefinedAt(rs, &m[3]));
  EXPECT_FALSE(DefinedAt(rs, &late));
  EXPECT_EQ(Count(rs, trace::RecordKind::kLockInstancesCapped), 1);
  pthread_mutex_destroy(&m[3]);
  pthread_mutex_destroy(&m[4]);
  pthread_mutex_destroy(&late);
  pthread_mutex_destroy(&keep);
}

// Locks made at one site and kept (a sharded table's bucket locks, initialised in a loop) are
// not churn: every one is traced, however many.
TEST_F(RtLockInstancesTest, LongLivedLocksFromOneSiteAreAllTraced) {
  Init("max_lock_instances=3:watchdog_ms=0");
  pthread_mutex_t m[8];
  for (pthread_mutex_t& x : m) InitAt(&x, kSite);
  auto rs = ReadRecords(file_);
  EXPECT_EQ(Count(rs, trace::RecordKind::kLockDef), 8);
  EXPECT_EQ(Count(rs, trace::RecordKind::kLockInstancesCapped), 0);
  for (pthread_mutex_t& x : m) pthread_mutex_destroy(&x);
}

TEST_F(RtLockInstancesTest, InitSiteCapZeroTracesEveryInstance) {
  Init("max_lock_instances=0:watchdog_ms=0");
  pthread_mutex_t m[5];
  for (pthread_mutex_t& x : m) {
    InitAt(&x, kSite);
    DestroyTraced(&x);
  }
  auto rs = ReadRecords(file_);
  EXPECT_EQ(Count(rs, trace::RecordKind::kLockDef), 5);
  EXPECT_EQ(Count(rs, trace::RecordKind::kLockInstancesCapped), 0);
}

}  // namespace
}  // namespace rt
}  // namespace lockscope
