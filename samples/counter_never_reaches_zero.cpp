// A WaitGroup-style counter that never reaches zero: main waits until every worker has called
// Done(), but one worker returns early on its error path without calling it. The workers are
// gone, main waits forever: every thread of the process is asleep. The watchdog says so live;
// after the --timeout SIGKILL the analyzer reports a comm-deadlock (all-threads-asleep).
//
// RUN: %lockscope run -o %T/trace --timeout 3 -- %t 2>&1 | FileCheck %s
// RUN: %lockscope analyze --format json %T/trace | FileCheck %s --check-prefix=JSON
//
// CHECK: lockscope: WATCHDOG: all 1 threads are blocked and nothing in the process can wake them
// CHECK: lockscope:   thread {{[0-9]+}} blocked {{[0-9]+}} ms on condition variable {{0x[0-9a-f]+}} (with its mutex released); holds []
// CHECK: still running after 3 s
// CHECK: WARNING: lockscope: comm-deadlock (all-threads-asleep)
// CHECK: communication deadlock: all 1 threads are blocked and none of them can wake another
// CHECK: counter_never_reaches_zero.cpp:[[@LINE+19]]
// CHECK-NOT: lost-wakeup
// CHECK: SUMMARY: lockscope:
//
// JSON: "kind": "comm-deadlock",
// JSON: "story": "Thread T0 is blocked since {{.*}} waiting on condition variable {{0x[0-9a-f]+}} (its mutex {{.*}} released while waiting).{{.*}}",
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
    while (pending_ > 0) pthread_cond_wait(&zero_, &mu_);  // should report: never reaches zero
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
  if (shard == 1) return nullptr;  // bug: the error path forgets g_done.Done()
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
