// The per-init-site cap on traced lock instances (runtime option max_lock_instances,
// init_sites.h) through the core API: beyond the cap an init registers nothing, its lock's
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

class RtLockInstancesTest : public RtThreadStateTest {};

bool DefinedAt(const std::vector<Rec>& rs, const void* addr) {
  for (const Rec& r : rs) {
    if (r.kind == static_cast<uint8_t>(trace::RecordKind::kLockDef) &&
        r.As<trace::LockDef>().address == reinterpret_cast<uintptr_t>(addr)) {
      return true;
    }
  }
  return false;
}

TEST_F(RtLockInstancesTest, InitSiteCapStopsTracingLaterInstances) {
  Init("max_lock_instances=3:watchdog_ms=0");
  pthread_mutex_t m[5];
  for (pthread_mutex_t& x : m) {
    pthread_mutex_init(&x, nullptr);
    AfterLockInit(g_, ts_, &x, LockKind::kMutex, kSite);
  }
  auto rs = ReadRecords(file_);
  EXPECT_EQ(Count(rs, trace::RecordKind::kLockDef), 3);
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(DefinedAt(rs, &m[i])) << i;
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
  // The cap record comes after the third LockDef (the fourth init went over).
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
  // A tracked instance of the same site still is.
  Lock(&m[0]);
  EXPECT_EQ(ts_->n_held, 2u);
  Unlock(&m[0]);
  Unlock(&table);
  EXPECT_GT(ReadRecords(file_).size(), before);

  // Destroy: the address is retired, so a lock that lives there next (here one that is never
  // *_init'ed) is traced again.
  BeforeLockDestroy(g_, ts_, &m[4], LockKind::kMutex);
  pthread_mutex_destroy(&m[4]);
  EXPECT_FALSE(DefinedAt(ReadRecords(file_), &m[4]));
  m[4] = PTHREAD_MUTEX_INITIALIZER;
  Lock(&m[4]);
  EXPECT_EQ(ts_->n_held, 1u);
  Unlock(&m[4]);
  EXPECT_TRUE(DefinedAt(ReadRecords(file_), &m[4]));

  // An init at another site is counted apart: an untracked address re-initialised there is
  // traced; and the capped site stays capped without another record.
  AfterLockInit(g_, ts_, &m[3], LockKind::kMutex, kOther);
  pthread_mutex_t late;
  pthread_mutex_init(&late, nullptr);
  AfterLockInit(g_, ts_, &late, LockKind::kMutex, kSite);
  rs = ReadRecords(file_);
  EXPECT_TRUE(DefinedAt(rs, &m[3]));
  EXPECT_FALSE(DefinedAt(rs, &late));
  EXPECT_EQ(Count(rs, trace::RecordKind::kLockInstancesCapped), 1);
  for (pthread_mutex_t& x : m) pthread_mutex_destroy(&x);
  pthread_mutex_destroy(&late);
}

TEST_F(RtLockInstancesTest, InitSiteCapZeroTracesEveryInstance) {
  Init("max_lock_instances=0:watchdog_ms=0");
  pthread_mutex_t m[5];
  for (pthread_mutex_t& x : m) {
    pthread_mutex_init(&x, nullptr);
    AfterLockInit(g_, ts_, &x, LockKind::kMutex, kSite);
  }
  auto rs = ReadRecords(file_);
  EXPECT_EQ(Count(rs, trace::RecordKind::kLockDef), 5);
  EXPECT_EQ(Count(rs, trace::RecordKind::kLockInstancesCapped), 0);
  for (pthread_mutex_t& x : m) pthread_mutex_destroy(&x);
}

}  // namespace
}  // namespace rt
}  // namespace lockscope
