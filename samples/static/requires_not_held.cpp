// REQUIRES honoured both ways: a helper declared REQUIRES(mu_) is analyzed as holding mu_ (its
// unguarded-looking accesses are fine), and a caller that calls it without mu_ gets the finding.
// A caller whose own callers all hold mu_ is fine too (must-hold at entry).
//
// RUN: %lockscope static %s -- -std=c++17 | FileCheck %s
// CHECK: data-race (requires-not-held)
// CHECK: jobs::Scheduler::PopLocked requires exclusively holding jobs::Scheduler::mu_, but jobs::Scheduler::Steal (requires_not_held.cpp:[[@LINE+23]]) calls it without it
// CHECK: SUMMARY: lockscope: 0 lock-order-inversions, 1 other finding
#include <deque>

#include "thread_annotations.h"

namespace jobs {

class Scheduler {
 public:
  void Push(int job) {
    annotated::MutexLock lock(&mu_);
    queue_.push_back(job);
  }

  int Pop() {
    annotated::MutexLock lock(&mu_);
    return PopOrZero();
  }

  // Called by idle workers of other schedulers: forgot the lock.
  int Steal() {
    if (queue_size_hint_ == 0) return 0;
    return PopLocked();  // should report: mu_ not held
  }

 private:
  int PopOrZero() { return queue_.empty() ? 0 : PopLocked(); }  // callers hold mu_

  int PopLocked() REQUIRES(mu_) {
    int job = queue_.front();
    queue_.pop_front();
    return job;
  }

  annotated::Mutex mu_;
  std::deque<int> queue_ GUARDED_BY(mu_);
  int queue_size_hint_ = 1;
};

}  // namespace jobs

int main() {
  jobs::Scheduler s;
  s.Push(1);
  s.Push(2);
  return s.Pop() + s.Steal() == 3 ? 0 : 1;
}
