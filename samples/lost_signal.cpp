// A lost signal: main signals "ready" before the worker waits, and the worker waits without a
// predicate, so the signal woke nobody and the worker waits forever; main then waits forever in
// the join. The watchdog says so live (all threads asleep, and the lost wake-up); after the
// --timeout SIGKILL the analyzer reports a lost-wakeup with both stacks (the wait, the signal).
//
// RUN: %lockscope run -o %T/trace --timeout 3 -- %t 2>&1 | FileCheck %s
// RUN: %lockscope analyze --format json %T/trace | FileCheck %s --check-prefix=JSON
//
// CHECK: lockscope: WATCHDOG: all 2 threads are blocked and nothing in the process can wake them
// CHECK: lockscope: WATCHDOG: lost wake-up: thread {{[0-9]+}} signalled condition variable {{0x[0-9a-f]+}} {{[0-9]+}} ms before thread {{[0-9]+}} began to wait on it, when no thread waited; nothing signalled it since
// CHECK: still running after 3 s
// CHECK: WARNING: lockscope: lost-wakeup
// CHECK: lost wake-up: thread T1 waits for good on condition variable {{0x[0-9a-f]+}}; its last signal came from thread T0 before the wait began
// CHECK: thread T1 waits here since +{{[0-9.]+}} s on condition variable
// CHECK-NEXT: #0 Worker(void*) {{.*}}lost_signal.cpp:[[@LINE+29]]
// CHECK: thread T0 signalled condition variable {{0x[0-9a-f]+}} here at +{{[0-9.]+}} s, when no thread waited on it
// CHECK-NEXT: #0 main {{.*}}lost_signal.cpp:[[@LINE+37]]
// CHECK-NOT: comm-deadlock
// CHECK: Threads at end of run (pid {{[0-9]+}}):
// CHECK-NEXT: T0 (tid {{[0-9]+}}) blocked since +{{[0-9.]+}} s: joining thread T1
// CHECK: T1 (tid {{[0-9]+}}) blocked since +{{[0-9.]+}} s: waiting on condition variable {{0x[0-9a-f]+}} (its mutex g_mu released while waiting)
// CHECK-NEXT: #0 Worker(void*)
// CHECK: SUMMARY: lockscope:
//
// JSON: "kind": "lost-wakeup",
// JSON: "story": "Thread T0 signalled condition variable {{0x[0-9a-f]+}} at main lost_signal.cpp:{{[0-9]+}} when no thread was waiting on it{{.*}} The runtime's watchdog saw the hang while the process ran (at +{{[0-9.]+}} s).{{.*}}",
// JSON: "reason_id": "lost-wakeup",
// JSON: "threads_at_end": [
// JSON: "state": "blocked",
// JSON: "waiting": "joining thread T1"
// JSON: "waiting": "waiting on condition variable {{0x[0-9a-f]+}} (its mutex g_mu released while waiting)"
#include <pthread.h>
#include <stdio.h>

#include "sample_util.h"

pthread_mutex_t g_mu = PTHREAD_MUTEX_INITIALIZER;
pthread_cond_t g_ready = PTHREAD_COND_INITIALIZER;
Baton g_signalled;  // forces the order: the signal first, then the wait

void* Worker(void*) {
  g_signalled.Wait();
  pthread_mutex_lock(&g_mu);
  pthread_cond_wait(&g_ready, &g_mu);  // should report: no predicate, the signal already came
  pthread_mutex_unlock(&g_mu);
  puts("worker: ready");
  return nullptr;
}

int main() {
  pthread_t worker;
  pthread_create(&worker, nullptr, Worker, nullptr);
  pthread_mutex_lock(&g_mu);
  pthread_cond_signal(&g_ready);  // should report: nobody waits yet, the signal is lost
  pthread_mutex_unlock(&g_mu);
  g_signalled.Pass();
  pthread_join(worker, nullptr);
  return 0;
}
