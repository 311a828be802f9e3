// Fixed twin of guarded_by_violated.cpp: every access to the guarded balance and to what the
// PT_GUARDED_BY pointer points to holds mu_ (a scoped guard, or a REQUIRES(mu_) helper). A debug
// dump marked NO_THREAD_SAFETY_ANALYSIS reads the balance without the lock on purpose: it is not
// reported, and --verbose says why.
//
// RUN: %lockscope static --verbose %s -- -std=c++17 | FileCheck %s
// CHECK-NOT: WARNING
// CHECK: [no-thread-safety-analysis] data-race on bank::Ledger::mu_: bank::Ledger::balance_ is declared guarded by bank::Ledger::mu_ and accessed without it in bank::Ledger::DebugDump, which is marked NO_THREAD_SAFETY_ANALYSIS
// CHECK: SUMMARY: lockscope: no findings
#include <cstdio>

#include "thread_annotations.h"

namespace bank {

class Ledger {
 public:
  void Deposit(long amount) {
    annotated::MutexLock lock(&mu_);
    AddLocked(amount);
  }

  bool HasLast() const { return last_ != nullptr; }

  long Balance() const {
    annotated::MutexLock lock(&mu_);
    return balance_;
  }

  void Forget() {
    mu_.Lock();
    *last_ = 0;
    mu_.Unlock();
  }

  void DebugDump() const NO_THREAD_SAFETY_ANALYSIS { std::printf("%ld\n", balance_); }

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
  l.DebugDump();
  return l.HasLast() && l.Balance() == 5 ? 0 : 1;
}
