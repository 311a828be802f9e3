// Fixed twin of barrier_too_few_parties: main arrives at the two-party barrier before joining.
// Nothing hangs, nothing is reported; the watchdog stays silent.
//
// RUN: %lockscope run -o %T/trace --timeout 20 -- %t 2>&1 | FileCheck %s
//
// CHECK-NOT: still running
// CHECK-NOT: WATCHDOG
// CHECK-NOT: WARNING
// CHECK: SUMMARY: lockscope: no findings
#include <pthread.h>
#include <stdio.h>

pthread_barrier_t g_start;

void* Worker(void*) {
  pthread_barrier_wait(&g_start);
  puts("worker started");
  return nullptr;
}

int main() {
  pthread_barrier_init(&g_start, nullptr, 2);
  pthread_t t;
  pthread_create(&t, nullptr, Worker, nullptr);
  pthread_barrier_wait(&g_start);
  pthread_join(t, nullptr);
  pthread_barrier_destroy(&g_start);
  return 0;
}
