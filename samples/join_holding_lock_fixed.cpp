// Fixed twin of join_holding_lock: the lock is released before the join, so the worker gets it,
// finishes, and the join returns. Nothing is reported.
//
// RUN: %lockscope run -o %T/trace --timeout 20 -- %t 2>&1 | FileCheck %s
//
// CHECK-NOT: still running
// CHECK-NOT: WATCHDOG
// CHECK-NOT: WARNING
// CHECK: SUMMARY: lockscope: no findings
#include <pthread.h>
#include <stdio.h>

pthread_mutex_t g_queue_mu = PTHREAD_MUTEX_INITIALIZER;
int g_flushed = 0;

void* Flusher(void*) {
  pthread_mutex_lock(&g_queue_mu);
  g_flushed = 1;
  pthread_mutex_unlock(&g_queue_mu);
  return nullptr;
}

int main() {
  pthread_mutex_lock(&g_queue_mu);
  pthread_t t;
  pthread_create(&t, nullptr, Flusher, nullptr);
  pthread_mutex_unlock(&g_queue_mu);
  pthread_join(t, nullptr);
  printf("flushed=%d\n", g_flushed);
  return 0;
}
