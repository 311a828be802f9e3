// AB-BA across 1 000 objects: a bank moves money between the two accounts of each of 1 000 pairs;
// one thread transfers a -> b, the other b -> a. Every pair is its own lock-order cycle, so by
// instance lockscope reports 1 000 findings; with --group=class the accounts' mutexes fold into
// lockdep-style classes (locks first locked at the same place) and the root cause is one finding
// with an instance count. Serialized with a Baton, so it never hangs.
//
// RUN: %lockscope run -o %T/trace -- %t 2>&1 | FileCheck %s --check-prefix=INSTANCE
// RUN: %lockscope analyze --group=class %T/trace 2>&1 | FileCheck %s
// RUN: %lockscope analyze --group=class --format json %T/trace | FileCheck %s --check-prefix=JSON
//
// INSTANCE: SUMMARY: lockscope: 1000 lock-order-inversions
// CHECK: WARNING: lockscope: lock-order-inversion (potential deadlock)
// CHECK-NEXT: Cycle in lock order graph: M0 (class of 1000 mutexes first locked at Transfer{{.*}}) => M1 (class of 1000 mutexes first locked at Transfer{{.*}}) => M0
// CHECK-DAG: abba_many_objects.cpp:[[@LINE+20]]
// CHECK-DAG: abba_many_objects.cpp:[[@LINE+20]]
// CHECK: SUMMARY: lockscope: 1 lock-order-inversion, 0 other findings
// JSON: [--group=class: 2000 lock instances in 2 classes]
#include <mutex>
#include <thread>
#include <vector>

#include "sample_util.h"

struct Account {
  std::mutex mu;
  long balance = 100;
};

constexpr int kPairs = 1000;
std::vector<Account> g_a(kPairs), g_b(kPairs);
Baton g_first_done;

void Transfer(Account& from, Account& to, long amount) {
  std::lock_guard<std::mutex> lock_from(from.mu);
  std::lock_guard<std::mutex> lock_to(to.mu);  // should report (held: from.mu)
  from.balance -= amount;
  to.balance += amount;
}

int main() {
  std::thread t1([] {
    for (int i = 0; i < kPairs; ++i) Transfer(g_a[i], g_b[i], 10);
    g_first_done.Pass();
  });
  std::thread t2([] {
    g_first_done.Wait();
    for (int i = 0; i < kPairs; ++i) Transfer(g_b[i], g_a[i], 10);
  });
  t1.join();
  t2.join();
  return g_a[0].balance == 100 ? 0 : 1;
}
