// No hard limit on lock objects: 100 000 mutexes, each locked once (a sharded table), plus one
// AB-BA between two of them. lockscope tracks every lock, the analyzer reads all 100 000 lock
// definitions and still finds the one cycle. Serialized with a Baton.
//
// RUN: %lockscope run -o %T/trace -- %t 2>&1 | FileCheck %s
// RUN: %lockscope analyze --verbose %T/trace 2>&1 | FileCheck %s --check-prefix=VERBOSE
//
// CHECK: WARNING: lockscope: lock-order-inversion (potential deadlock)
// CHECK: SUMMARY: lockscope: 1 lock-order-inversion
// VERBOSE: note: {{.*}} 1000{{[0-9][0-9]}} locks
#include <mutex>
#include <thread>
#include <vector>

#include "sample_util.h"

constexpr int kLocks = 100000;
std::vector<std::mutex> g_shards(kLocks);
long g_sum = 0;
Baton g_first_done;

void Touch(int first, int second) {
  std::lock_guard<std::mutex> a(g_shards[first]);
  std::lock_guard<std::mutex> b(g_shards[second]);
  ++g_sum;
}

int main() {
  for (std::mutex& m : g_shards) {
    std::lock_guard<std::mutex> lock(m);
    ++g_sum;
  }
  std::thread t1([] {
    Touch(17, 99999);
    g_first_done.Pass();
  });
  std::thread t2([] {
    g_first_done.Wait();
    Touch(99999, 17);
  });
  t1.join();
  t2.join();
  return g_sum == kLocks + 2 ? 0 : 1;
}
