// A thread joins a worker while holding the lock the worker needs: the worker blocks on the
// mutex, the joiner blocks in pthread_join, and neither ever proceeds. No lock-order cycle
// exists (there is only one lock); the cycle goes through the join.
//
// RUN: %lockscope run -o %T/trace --timeout 3 -- %t 2>&1 | FileCheck %s
// RUN: %lockscope analyze --format json %T/trace | FileCheck %s --check-prefix=JSON
//
// CHECK: lockscope: WATCHDOG: deadlock: 2 threads are blocked in a cycle
// CHECK-DAG: lockscope:   thread [[MAIN:[0-9]+]] blocked {{[0-9]+}} ms joining thread [[W:[0-9]+]]; holds [L[[L:[0-9]+]]]
// CHECK-DAG: lockscope:   thread [[W]] blocked {{[0-9]+}} ms acquiring lock L[[L]] ({{0x[0-9a-f]+}}), held by thread [[MAIN]]; holds []
// CHECK: still running after 3 s
// CHECK: WARNING: lockscope: deadlock
// CHECK: deadlock: 2 threads blocked in a wait-for cycle
// CHECK-SAME: joining thread
// CHECK-DAG: join_holding_lock.cpp:[[@LINE+33]]
// CHECK-DAG: join_holding_lock.cpp:[[@LINE+22]]
// The thread dump `run --timeout` took before its kill: both threads, their stacks, the lock held.
// CHECK: Thread dump 1 at +{{[0-9.]+}} s (reason: timeout; pid {{[0-9]+}}):
// CHECK-NEXT: T0 (tid {{[0-9]+}}) blocked since +{{[0-9.]+}} s: joining thread T1
// CHECK-NEXT: #0 main {{.*}}join_holding_lock.cpp:[[@LINE+28]]
// CHECK: holds g_queue_mu, acquired at:
// CHECK-NEXT: #0 main {{.*}}join_holding_lock.cpp:[[@LINE+23]]
// CHECK: T1 (tid {{[0-9]+}}) blocked since +{{[0-9.]+}} s: acquiring g_queue_mu, held by thread T0
// CHECK-NEXT: #0 Flusher(void*) {{.*}}join_holding_lock.cpp:[[@LINE+14]]
// CHECK: SUMMARY: lockscope:
//
// JSON: "hung": true,
// JSON-NEXT: "kind": "actual-deadlock",
// JSON: "story": "Thread T0 is blocked since {{.*}} joining thread T1; it holds g_queue_mu. Thread T1 is blocked since {{.*}} acquiring g_queue_mu, held by thread T0. None of these threads can ever proceed: the process hung. The runtime's watchdog saw this while the process ran (at +{{[0-9.]+}} s). Do not join a thread while holding a lock that thread needs{{.*}}",
// JSON: "summary": "deadlock: 2 threads blocked in a wait-for cycle (T0 joining thread T1; T1 acquiring g_queue_mu, held by thread T0)",
#include <pthread.h>
#include <stdio.h>

pthread_mutex_t g_queue_mu = PTHREAD_MUTEX_INITIALIZER;
int g_flushed = 0;

void* Flusher(void*) {
  pthread_mutex_lock(&g_queue_mu);  // should report: blocked, the joiner holds g_queue_mu
  g_flushed = 1;
  pthread_mutex_unlock(&g_queue_mu);
  return nullptr;
}

int main() {
  pthread_mutex_lock(&g_queue_mu);
  pthread_t t;
  pthread_create(&t, nullptr, Flusher, nullptr);
  pthread_join(t, nullptr);  // should report: joins while holding g_queue_mu
  pthread_mutex_unlock(&g_queue_mu);
  printf("flushed=%d\n", g_flushed);
  return 0;
}
