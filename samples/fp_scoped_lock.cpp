// False-positive filter "try-lock" for std::scoped_lock / std::lock: two threads lock the same two
// mutexes in opposite argument orders. std::lock locks the first and only try-locks the others,
// backing off (unlock, rotate, retry) when one is busy, so the argument order does not matter and
// nothing can deadlock. Its internal try-locks must not be reported as an inversion.
//
// RUN: %lockscope run -o %T/trace -- %t 2>&1 | FileCheck %s
// RUN: %lockscope analyze --verbose %T/trace 2>&1 | FileCheck %s --check-prefix=VERBOSE
//
// CHECK-NOT: WARNING
// CHECK: SUMMARY: lockscope: no findings
// VERBOSE-NOT: WARNING
// VERBOSE: [try-lock] lock-order-cycle on g_{{src|dst}}_mu, g_{{src|dst}}_mu
// VERBOSE-SAME: is only try-locked or timed-locked while
#include <mutex>
#include <thread>

#include "sample_util.h"

std::mutex g_src_mu;
std::mutex g_dst_mu;
int g_src = 10, g_dst = 0;
Baton g_first_done;

void Forward() {
  std::scoped_lock both(g_src_mu, g_dst_mu);
  --g_src;
  ++g_dst;
}

void Backward() {
  std::unique_lock<std::mutex> dst(g_dst_mu, std::defer_lock);
  std::unique_lock<std::mutex> src(g_src_mu, std::defer_lock);
  std::lock(dst, src);  // opposite order, same deadlock-free algorithm
  ++g_src;
  --g_dst;
}

int main() {
  std::thread t1([] {
    Forward();
    g_first_done.Pass();
  });
  std::thread t2([] {
    g_first_done.Wait();
    Backward();
    std::scoped_lock again(g_dst_mu, g_src_mu);
  });
  t1.join();
  t2.join();
  return g_src == 10 && g_dst == 0 ? 0 : 1;
}
