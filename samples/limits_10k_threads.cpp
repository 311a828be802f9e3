// No hard limit on threads: 10 000 threads over the run (100 at a time; more than the runtime's
// 4 096 live-state slots), each taking g_stats_mu then g_total_mu in the same order, plus one pair
// that inverts them. The analyzer reads every thread and still finds the one cycle.
//
// RUN: %lockscope run -o %T/trace -- %t 2>&1 | FileCheck %s
// RUN: %lockscope analyze --verbose %T/trace 2>&1 | FileCheck %s --check-prefix=VERBOSE
//
// CHECK: WARNING: lockscope: lock-order-inversion (potential deadlock)
// CHECK: SUMMARY: lockscope: 1 lock-order-inversion
// VERBOSE: note: {{.*}} 1000{{[0-9]}} threads
#include <mutex>
#include <thread>
#include <vector>

#include "sample_util.h"

constexpr int kThreads = 10000;
constexpr int kBatch = 100;
std::mutex g_stats_mu;
std::mutex g_total_mu;
long g_total = 0;
Baton g_first_done;

int main() {
  for (int done = 0; done < kThreads; done += kBatch) {
    std::vector<std::thread> batch;
    for (int i = 0; i < kBatch; ++i) {
      batch.emplace_back([] {
        std::lock_guard<std::mutex> stats(g_stats_mu);
        std::lock_guard<std::mutex> total(g_total_mu);
        ++g_total;
      });
    }
    for (std::thread& t : batch) t.join();
  }
  std::thread t1([] {
    std::lock_guard<std::mutex> stats(g_stats_mu);
    std::lock_guard<std::mutex> total(g_total_mu);
    g_first_done.Pass();
  });
  std::thread t2([] {
    g_first_done.Wait();
    std::lock_guard<std::mutex> total(g_total_mu);
    std::lock_guard<std::mutex> stats(g_stats_mu);  // inverted
  });
  t1.join();
  t2.join();
  return g_total == kThreads ? 0 : 1;
}
