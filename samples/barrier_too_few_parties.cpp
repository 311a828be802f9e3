// A start barrier sized for two parties (the worker and main), but main forgets to arrive: it
// joins the worker instead. The worker waits at the barrier forever, main waits in the join
// forever, and nothing in the process can end either wait.
//
// RUN: %lockscope run -o %T/trace --timeout 3 -- %t 2>&1 | FileCheck %s
// RUN: %lockscope analyze --format json %T/trace | FileCheck %s --check-prefix=JSON
//
// CHECK: lockscope: WATCHDOG: all 2 threads are blocked and nothing in the process can wake them
// CHECK-DAG: lockscope:   thread {{[0-9]+}} blocked {{[0-9]+}} ms joining thread {{[0-9]+}}; holds []
// CHECK-DAG: lockscope:   thread {{[0-9]+}} blocked {{[0-9]+}} ms on barrier {{0x[0-9a-f]+}}; holds []
// CHECK: still running after 3 s
// CHECK: WARNING: lockscope: comm-deadlock (all-threads-asleep)
// CHECK-DAG: barrier_too_few_parties.cpp:[[@LINE+12]]
// CHECK-DAG: barrier_too_few_parties.cpp:[[@LINE+20]]
// CHECK: SUMMARY: lockscope:
//
// JSON: "kind": "comm-deadlock",
// JSON: "story": "Thread T0 is blocked since {{.*}} joining thread T1. Thread T1 is blocked since {{.*}} waiting at barrier {{0x[0-9a-f]+}}. Every thread
#include <pthread.h>
#include <stdio.h>

pthread_barrier_t g_start;

void* Worker(void*) {
  pthread_barrier_wait(&g_start);  // should report: the second party never arrives
  puts("worker started");
  return nullptr;
}

int main() {
  pthread_barrier_init(&g_start, nullptr, 2);
  pthread_t t;
  pthread_create(&t, nullptr, Worker, nullptr);
  pthread_join(t, nullptr);  // should report: main joins instead of arriving at the barrier
  pthread_barrier_destroy(&g_start);
  return 0;
}
