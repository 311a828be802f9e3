// Clang thread-safety annotations honoured: a balance declared GUARDED_BY(mu_) is read without
// the lock, and what a PT_GUARDED_BY(mu_) pointer points to is written without it. No locked
// write of either is needed for the finding: the declaration names the lock. Reading the pointer
// itself without the lock is allowed (PT_GUARDED_BY guards only the pointee).
//
// RUN: %lockscope static %s -- -std=c++17 | FileCheck %s
// CHECK: data-race (guarded-by-violated)
// CHECK: bank::Ledger::balance_ is declared GUARDED_BY(bank::Ledger::mu_) but read without bank::Ledger::mu_ in bank::Ledger::Balance (guarded_by_violated.cpp:[[@LINE+18]])
// CHECK: data-race (guarded-by-violated)
// CHECK: bank::Ledger::last_ is declared PT_GUARDED_BY(bank::Ledger::mu_) but what it points to is written without bank::Ledger::mu_ in bank::Ledger::Forget (guarded_by_violated.cpp:[[@LINE+18]])
// CHECK-NOT: HasLast
// CHECK: SUMMARY: lockscope: 0 lock-order-inversions, 2 other findings
#include "thread_annotations.h"

namespace bank {

class Ledger {
 public:
  void Deposit(long amount) {
    annotated::MutexLock lock(&mu_);
    AddLocked(amount);
  }

  bool HasLast() const { return last_ != nullptr; }  // the pointer itself: not guarded

  long Balance() const { return balance_; }  // should report: read without mu_

  void Forget() { *last_ = 0; }  // should report: pointee written without mu_

 private:
  void AddLocked(long amount) REQUIRES(mu_) {
    balance_ += amount;
    *last_ = amount;
  }

  mutable annotated::Mutex mu_;
  long balance_ GUARDED_BY(mu_) = 0;
  long* last_ PT_GUARDED_BY(mu_) = &last_amount_;
  long last_amount_ = 0;
};

}  // namespace bank

int main() {
  bank::Ledger l;
  l.Deposit(5);
  l.Forget();
  return l.HasLast() && l.Balance() == 5 ? 0 : 1;
}
