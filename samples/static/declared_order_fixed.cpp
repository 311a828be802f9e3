// Fixed twin of declared_order.cpp: Compact() reads the balance before it takes the journal lock,
// so no path holds the journal while taking the accounts lock, as the declaration demands.
//
// RUN: %lockscope static %s -- -std=c++17 | FileCheck %s
// CHECK-NOT: WARNING
// CHECK: SUMMARY: lockscope: no findings
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
    const bool carry = Balance() != 0;
    annotated::MutexLock journal(&journal_mu_);
    entries_ = carry;
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
