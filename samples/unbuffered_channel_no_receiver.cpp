// An unbuffered channel built from a mutex and a condition variable: Send() hands one value over
// and waits until a receiver has taken it. The program sends, but the receiver was never started,
// so the sender waits forever and main waits forever in the join: every thread is asleep (Go would
// say "all goroutines are asleep - deadlock!"). The watchdog says so live; after the --timeout
// SIGKILL the analyzer reports a comm-deadlock from the thread slots.
//
// RUN: %lockscope run -o %T/trace --timeout 3 -- %t 2>&1 | FileCheck %s
// RUN: %lockscope analyze --format json %T/trace | FileCheck %s --check-prefix=JSON
//
// CHECK: lockscope: WATCHDOG: all 2 threads are blocked and nothing in the process can wake them
// CHECK-DAG: lockscope:   thread {{[0-9]+}} blocked {{[0-9]+}} ms joining thread {{[0-9]+}}; holds []
// CHECK-DAG: lockscope:   thread {{[0-9]+}} blocked {{[0-9]+}} ms on condition variable {{0x[0-9a-f]+}} (with its mutex released); holds []
// CHECK: still running after 3 s
// CHECK: WARNING: lockscope: comm-deadlock (all-threads-asleep)
// CHECK: communication deadlock: all 2 threads are blocked and none of them can wake another
// CHECK-DAG: unbuffered_channel_no_receiver.cpp:[[@LINE+17]]
// CHECK-DAG: unbuffered_channel_no_receiver.cpp:[[@LINE+46]]
// CHECK: SUMMARY: lockscope:
//
// JSON: "kind": "comm-deadlock",
// JSON: "story": "Thread T0 is blocked since {{.*}} joining thread T1. Thread T1 is blocked since {{.*}} waiting on condition variable {{0x[0-9a-f]+}} (its mutex {{.*}} released while waiting). Every thread of the process is blocked {{.*}} The runtime's watchdog saw this while the process ran (at +{{[0-9.]+}} s).",
#include <pthread.h>
#include <stdio.h>

class Channel {
 public:
  // Blocks until a receiver has taken the value.
  void Send(int v) {
    pthread_mutex_lock(&mu_);
    value_ = v;
    full_ = true;
    pthread_cond_broadcast(&cv_);
    while (full_) pthread_cond_wait(&cv_, &mu_);  // should report: nobody ever receives
    pthread_mutex_unlock(&mu_);
  }
  int Receive() {
    pthread_mutex_lock(&mu_);
    while (!full_) pthread_cond_wait(&cv_, &mu_);
    int v = value_;
    full_ = false;
    pthread_cond_broadcast(&cv_);
    pthread_mutex_unlock(&mu_);
    return v;
  }

 private:
  pthread_mutex_t mu_ = PTHREAD_MUTEX_INITIALIZER;
  pthread_cond_t cv_ = PTHREAD_COND_INITIALIZER;
  int value_ = 0;
  bool full_ = false;
};

Channel g_results;

void* Worker(void*) {
  g_results.Send(42);  // the receiver below was never started
  return nullptr;
}

int main() {
  pthread_t t;
  pthread_create(&t, nullptr, Worker, nullptr);
  pthread_join(t, nullptr);  // should report: waits for the blocked sender
  printf("result=%d\n", g_results.Receive());
  return 0;
}
