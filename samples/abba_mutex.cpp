// AB-BA: two threads take two std::mutex in opposite orders. The run is serialized with a Baton
// (a pipe), so it never hangs, but the same code deadlocks whenever the two transfers overlap.
// lockscope reports the cycle with both locks named and both stacks.
//
// RUN: %lockscope run -o %T/trace -- %t 2>&1 | FileCheck %s
// RUN: %lockscope analyze --format json %T/trace | FileCheck %s --check-prefix=JSON
// RUN: %lockscope run -o %T/trace2 --error-exitcode 42 -- %t >/dev/null 2>&1; test $? -eq 42
//
// CHECK: WARNING: lockscope: lock-order-inversion (potential deadlock)
// CHECK: Cycle in lock order graph: [[M0:M[0-9]+]] ({{g_a[a-z_]+}}) => [[M1:M[0-9]+]] ({{g_a[a-z_]+}}) => [[M0]]
// CHECK-DAG: abba_mutex.cpp:[[@LINE+20]]
// CHECK-DAG: abba_mutex.cpp:[[@LINE+26]]
// CHECK: Possible unsafe locking scenario
// CHECK: SUMMARY: lockscope: 1 lock-order-inversion
// JSON: "kind": "lock-order-cycle"
// JSON-DAG: "name": "g_accounts_mu"
// JSON-DAG: "name": "g_audit_mu"
#include <mutex>
#include <thread>

#include "sample_util.h"

std::mutex g_accounts_mu;
std::mutex g_audit_mu;
int g_balance = 100;
int g_audit_entries = 0;
Baton g_first_done;

void Transfer() {
  std::lock_guard<std::mutex> accounts(g_accounts_mu);
  std::lock_guard<std::mutex> audit(g_audit_mu);  // should report (held: accounts)
  g_balance -= 10;
  g_audit_entries++;
}

void Audit() {
  std::lock_guard<std::mutex> audit(g_audit_mu);
  std::lock_guard<std::mutex> accounts(g_accounts_mu);  // should report (held: audit)
  g_audit_entries += g_balance > 0;
}

int main() {
  std::thread t1([] {
    Transfer();
    g_first_done.Pass();
  });
  std::thread t2([] {
    g_first_done.Wait();
    Audit();
  });
  t1.join();
  t2.join();
  return g_audit_entries == 2 ? 0 : 1;
}
