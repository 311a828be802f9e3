// Fixed twin of counter_never_reaches_zero: every path of the worker calls Done(), so the counter
// reaches zero and main's wait ends. Nothing hangs, nothing is reported.
//
// RUN: %lockscope run -o %T/trace --timeout 20 -- %t 2>&1 | FileCheck %s
//
// CHECK-NOT: still running
// CHECK-NOT: WATCHDOG
// CHECK: all shards fetched
// CHECK-NOT: WARNING
// CHECK: SUMMARY: lockscope: no findings
#include <pthread.h>
#include <stdio.h>

class WaitGroup {
 public:
  explicit WaitGroup(int n) : pending_(n) {}
  void Done() {
    pthread_mutex_lock(&mu_);
    if (--pending_ == 0) pthread_cond_broadcast(&zero_);
    pthread_mutex_unlock(&mu_);
  }
  void Wait() {
    pthread_mutex_lock(&mu_);
    while (pending_ > 0) pthread_cond_wait(&zero_, &mu_);
    pthread_mutex_unlock(&mu_);
  }

 private:
  pthread_mutex_t mu_ = PTHREAD_MUTEX_INITIALIZER;
  pthread_cond_t zero_ = PTHREAD_COND_INITIALIZER;
  int pending_;
};

constexpr int kWorkers = 3;
WaitGroup g_done(kWorkers);

void* Fetch(void* arg) {
  long shard = reinterpret_cast<long>(arg);
  if (shard == 1) {  // the error path counts too
    g_done.Done();
    return nullptr;
  }
  g_done.Done();
  return nullptr;
}

int main() {
  pthread_t workers[kWorkers];
  for (long i = 0; i < kWorkers; ++i) {
    pthread_create(&workers[i], nullptr, Fetch, reinterpret_cast<void*>(i));
    pthread_detach(workers[i]);
  }
  g_done.Wait();
  puts("all shards fetched");
  return 0;
}
