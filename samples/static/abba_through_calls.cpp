// AB-BA through calls: Transfer holds the ledger lock and calls Audit::Record, which takes the
// audit lock; Audit::Flush holds the audit lock and calls Ledger::Total, which takes the ledger
// lock. Neither function shows both locks; the cycle exists only across the call graph.
//
// RUN: %lockscope static %s -- -std=c++17 | FileCheck %s
// CHECK: lock-order-inversion
// CHECK: Cycle in lock order graph:
// CHECK-DAG: abba_through_calls.cpp:[[@LINE+17]]
// CHECK-DAG: abba_through_calls.cpp:[[@LINE+30]]
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
  std::lock_guard<std::mutex> lock(g_audit_mu);  // should report: audit under ledger
  g_records += amount != 0;
}

void Transfer(long amount) {
  std::lock_guard<std::mutex> lock(g_ledger_mu);
  g_total += amount;
  Record(amount);
}

long Flush() {
  std::lock_guard<std::mutex> lock(g_audit_mu);
  long seen = g_records;
  g_records = 0;
  return seen + Total();  // ledger under audit
}

}  // namespace bank

int main() {
  bank::Transfer(5);
  return bank::Flush() == 6 ? 0 : 1;
}
