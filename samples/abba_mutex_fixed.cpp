// Fixed twin of abba_mutex.cpp: both paths take g_accounts_mu before g_audit_mu. No cycle.
//
// RUN: %lockscope run -o %T/trace -- %t 2>&1 | FileCheck %s
// RUN: %lockscope analyze %T/trace; test $? -eq 0
// CHECK-NOT: WARNING
// CHECK: SUMMARY: lockscope: no findings
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
  std::lock_guard<std::mutex> audit(g_audit_mu);
  g_balance -= 10;
  g_audit_entries++;
}

void Audit() {
  std::scoped_lock both(g_accounts_mu, g_audit_mu);  // fixed: one order everywhere
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
