// The clock of contended waits (runtime/wait_clock.h): the wait's end reads the TSC only when it
// is the kernel's clocksource and the calibration spans at least 1 ms, and then agrees with
// CLOCK_MONOTONIC; otherwise both ends read CLOCK_MONOTONIC.

#include "wait_clock.h"

#include <gtest/gtest.h>

#include "runtime.h"

namespace lockscope {
namespace rt {
namespace {

// Spins (no sleep) until CLOCK_MONOTONIC has advanced `ns` past `from`.
void SpinUntil(uint64_t from, uint64_t ns) {
  while (MonotonicNs() - from < ns) {
  }
}

class WaitClockTest : public ::testing::Test {
 protected:
  void TearDown() override { WaitClockInit(); }
};

TEST_F(WaitClockTest, WithoutATscBothEndsReadTheMonotonicClock) {
  WaitClockCalibrateForTest(false, 0, 0);
  const WaitStart w = BeginWait();
  EXPECT_EQ(w.ns_per_tick, 0.0);
  SpinUntil(w.ns, 200000);
  const uint64_t before = MonotonicNs() - w.ns;
  const uint64_t waited = WaitedNs(w);
  EXPECT_GE(waited, before);
  EXPECT_LE(waited, MonotonicNs() - w.ns);
}

TEST_F(WaitClockTest, TheTscTimesTheEndOnlyAfterAMillisecondOfCalibration) {
  WaitClockInit();
  if (!WaitClockTscUsable()) GTEST_SKIP() << "the TSC is not this machine's clocksource";
  const uint64_t tsc0 = ReadTsc();
  const uint64_t ns0 = MonotonicNs();
  WaitClockCalibrateForTest(true, tsc0, ns0);
  EXPECT_EQ(BeginWait().ns_per_tick, 0.0);  // calibrated just now: no rate yet
  SpinUntil(ns0, 3000000);
  const WaitStart w = BeginWait();
  ASSERT_GT(w.ns_per_tick, 0.0);
  // Over the same 2 ms, the TSC-timed wait and CLOCK_MONOTONIC agree within 1 % (both clocks
  // run on through a preemption, so this holds on a loaded machine too).
  SpinUntil(w.ns, 2000000);
  const uint64_t mono = MonotonicNs() - w.ns;
  const uint64_t waited = WaitedNs(w);
  const uint64_t mono_after = MonotonicNs() - w.ns;
  EXPECT_GE(waited, mono - mono / 100);
  EXPECT_LE(waited, mono_after + mono_after / 100);
}

}  // namespace
}  // namespace rt
}  // namespace lockscope
