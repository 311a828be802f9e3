// wait_clock.h — the clock that times contended waits (--contention: total and longest wait).
//
// Why: a contended acquisition's wait ends inside the critical section another thread may be
// waiting to enter, so a clock read there delays the unlock. CLOCK_MONOTONIC costs ~41 ns per read
// through this VM's vDSO, the TSC ~15 ns; measured on the contended 2-thread loop with both
// threads running at once, reading the wait's end on the TSC makes it ~11 % faster.
// Exact, not sampled: every wait is timed. The TSC is used only when it is the kernel's
// clocksource (then the kernel found it invariant and synchronized across CPUs), and its ticks are
// converted with the rate CLOCK_MONOTONIC showed from the runtime's start to the wait's start
// (read anyway: the thread's slot shows when the wait began), once that span is at least 1 ms
// (the two reads of each end lie within ~100 ns: an error below 1e-4 of the wait). Otherwise the
// wait's end reads CLOCK_MONOTONIC too.
// Thread-safety: the calibration point is written once at runtime start (or by a test), before
// any wait; everything else is the waiting thread's own.

#ifndef LOCKSCOPE_RUNTIME_WAIT_CLOCK_H_
#define LOCKSCOPE_RUNTIME_WAIT_CLOCK_H_

#include <cstdint>

namespace lockscope {
namespace rt {

struct WaitStart {
  uint64_t ns;         // CLOCK_MONOTONIC at the start (the slot's wait_since_ns)
  uint64_t tsc;        // the TSC at the start, when ns_per_tick != 0
  double ns_per_tick;  // 0: the end reads CLOCK_MONOTONIC
};

// At runtime start: whether the TSC is the kernel's clocksource, and the calibration point.
void WaitClockInit();
WaitStart BeginWait();
// Nanoseconds since `w` began.
uint64_t WaitedNs(const WaitStart& w);

// Whether WaitClockInit found the TSC to be the kernel's clocksource.
bool WaitClockTscUsable();
// Tests: the calibration point as if taken at TSC `tsc`, CLOCK_MONOTONIC `ns`; `tsc_usable`
// false: no TSC (every end reads CLOCK_MONOTONIC).
void WaitClockCalibrateForTest(bool tsc_usable, uint64_t tsc, uint64_t ns);
// The TSC now (0 where there is none).
uint64_t ReadTsc();

}  // namespace rt
}  // namespace lockscope

#endif  // LOCKSCOPE_RUNTIME_WAIT_CLOCK_H_
