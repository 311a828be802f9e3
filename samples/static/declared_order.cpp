// A declared lock order (ACQUIRED_BEFORE) broken on the one path that takes both locks: the ledger
// declares accounts before journal, and Compact() holds the journal while Balance() takes the
// accounts lock. No other path takes them the declared way yet, so there is no cycle in the code
// alone; against the declaration, the next change that follows it deadlocks with Compact().
//
// RUN: %lockscope static %s -- -std=c++17 | FileCheck %s
// RUN: %lockscope static --format json %s -- -std=c++17 | FileCheck %s --check-prefix=JSON
// CHECK: lock-order-inversion
// CHECK: on path 1 (declared order: ledger::Ledger::accounts_mu_ before ledger::Ledger::journal_mu_)
// CHECK-NEXT: #0 ledger::Ledger::accounts_mu_ {{.*}}declared_order.cpp:[[@LINE+29]]
// CHECK: on path 2 (ledger::Ledger::Compact)
// CHECK-NEXT: #0 ledger::Ledger::Balance {{.*}}declared_order.cpp:[[@LINE+21]]
// CHECK-NEXT: #1 ledger::Ledger::Compact {{.*}}declared_order.cpp:[[@LINE+17]]
// CHECK: SUMMARY: lockscope: 1 lock-order-inversion, 0 other findings
// JSON: "subkind": "declared-order",
// JSON-NEXT: "summary": "potential deadlock (static): lock-order cycle {{.*}} (against the declared order ledger::Ledger::accounts_mu_ before ledger::Ledger::journal_mu_, ledger::Ledger::accounts_mu_ (declared_order.cpp:{{[0-9]+}}))",
#include "thread_annotations.h"

namespace ledger {

class Ledger {
 public:
  void Post(int amount) {
    annotated::MutexLock accounts(&accounts_mu_);
    balance_ += amount;
  }
  // Rewrites the journal, keeping one entry if there is a balance to carry.
  void Compact() {
    annotated::MutexLock journal(&journal_mu_);
    entries_ = Balance() != 0;  // should report: accounts_mu_ taken while holding journal_mu_
  }
  int Balance() {
    annotated::MutexLock accounts(&accounts_mu_);
    return balance_;
  }

 private:
  annotated::Mutex journal_mu_;
  annotated::Mutex accounts_mu_ ACQUIRED_BEFORE(journal_mu_);
  int balance_ GUARDED_BY(accounts_mu_) = 0;
  int entries_ GUARDED_BY(journal_mu_) = 0;
};

}  // namespace ledger

int main() {
  ledger::Ledger l;
  l.Post(5);
  l.Compact();
  return 0;
}
