// Fixed twin of abba_through_calls.cpp: Flush reads the total before taking the audit lock, so the
// ledger lock is never requested while the audit lock is held.
//
// RUN: %lockscope static %s -- -std=c++17 | FileCheck %s
// CHECK-NOT: WARNING
// CHECK: SUMMARY: lockscope: no findings
#include <mutex>

namespace bank {

std::mutex g_ledger_mu;
std::mutex g_audit_mu;
long g_total = 0;
long g_records = 0;

long Total() {
  std::lock_guard<std::mutex> lock(g_ledger_mu);
  return g_total;
}

void Record(long amount) {
  std::lock_guard<std::mutex> lock(g_audit_mu);
  g_records += amount != 0;
}

void Transfer(long amount) {
  std::lock_guard<std::mutex> lock(g_ledger_mu);
  g_total += amount;
  Record(amount);
}

long Flush() {
  long total = Total();  // fixed: ledger first, never under the audit lock
  std::lock_guard<std::mutex> lock(g_audit_mu);
  long seen = g_records;
  g_records = 0;
  return seen + total;
}

}  // namespace bank

int main() {
  bank::Transfer(5);
  return bank::Flush() == 6 ? 0 : 1;
}
