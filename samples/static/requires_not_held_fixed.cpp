// Fixed twin of requires_not_held.cpp: Steal() takes mu_ around the REQUIRES(mu_) helper.
//
// RUN: %lockscope static %s -- -std=c++17 | FileCheck %s
// CHECK-NOT: WARNING
// CHECK: SUMMARY: lockscope: no findings
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

  int Steal() {
    if (queue_size_hint_ == 0) return 0;
    annotated::MutexLock lock(&mu_);
    return PopOrZero();
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
