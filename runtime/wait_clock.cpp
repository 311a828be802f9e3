// wait_clock.cpp — see wait_clock.h.

#include "wait_clock.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstring>

#include "runtime.h"

namespace lockscope {
namespace rt {
namespace {

constexpr uint64_t kMinSpanNs = 1000000;  // calibration span before the TSC times a wait's end

bool g_tsc_usable = false;  // the TSC times waits (WaitClockInit, or a test)
uint64_t g_cal_tsc = 0;  // the calibration point: the TSC and CLOCK_MONOTONIC, read together
uint64_t g_cal_ns = 0;

// The kernel keeps the TSC as its clocksource only while it is stable and synchronized.
bool TscIsClocksource() {
  int fd = open("/sys/devices/system/clocksource/clocksource0/current_clocksource",
                O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  char buf[16] = {};
  const ssize_t n = read(fd, buf, sizeof(buf) - 1);
  close(fd);
  return n == 4 && memcmp(buf, "tsc\n", 4) == 0;
}

}  // namespace

uint64_t ReadTsc() {
#if defined(__x86_64__)
  return __builtin_ia32_rdtsc();
#else
  return 0;
#endif
}

void WaitClockInit() {
#if defined(__x86_64__)
  const bool usable = TscIsClocksource();
#else
  const bool usable = false;
#endif
  const uint64_t before = ReadTsc();
  const uint64_t ns = MonotonicNs();
  WaitClockCalibrateForTest(usable, before + (ReadTsc() - before) / 2, ns);
}

bool WaitClockTscUsable() { return g_tsc_usable; }

void WaitClockCalibrateForTest(bool tsc_usable, uint64_t tsc, uint64_t ns) {
  g_tsc_usable = tsc_usable;
  g_cal_tsc = tsc;
  g_cal_ns = ns;
}

WaitStart BeginWait() {
  WaitStart w{MonotonicNs(), 0, 0};
  if (!g_tsc_usable || w.ns - g_cal_ns < kMinSpanNs) return w;
  w.tsc = ReadTsc();
  if (w.tsc <= g_cal_tsc) return w;  // cannot happen on a synchronized TSC; stay exact anyway
  w.ns_per_tick = static_cast<double>(w.ns - g_cal_ns) / static_cast<double>(w.tsc - g_cal_tsc);
  return w;
}

uint64_t WaitedNs(const WaitStart& w) {
  if (w.ns_per_tick == 0) return MonotonicNs() - w.ns;
  const uint64_t now = ReadTsc();
  return now > w.tsc ? static_cast<uint64_t>(static_cast<double>(now - w.tsc) * w.ns_per_tick) : 0;
}

}  // namespace rt
}  // namespace lockscope
