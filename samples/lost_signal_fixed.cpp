// Fixed twin of lost_signal: main sets `ready` under the mutex before it signals, and the worker
// waits in a loop on that predicate, so a signal sent before the wait is not needed: the worker
// sees `ready` and never waits. Nothing hangs, nothing is reported.
//
// RUN: %lockscope run -o %T/trace --timeout 20 -- %t 2>&1 | FileCheck %s
//
// CHECK-NOT: still running
// CHECK-NOT: WATCHDOG
// CHECK: worker: ready
// CHECK-NOT: WARNING
// CHECK: SUMMARY: lockscope: no findings
#include <pthread.h>
#include <stdio.h>

#include "sample_util.h"

pthread_mutex_t g_mu = PTHREAD_MUTEX_INITIALIZER;
pthread_cond_t g_ready_cv = PTHREAD_COND_INITIALIZER;
bool g_ready = false;
Baton g_signalled;  // the same order as the buggy twin: the signal first, then the wait

void* Worker(void*) {
  g_signalled.Wait();
  pthread_mutex_lock(&g_mu);
  while (!g_ready) pthread_cond_wait(&g_ready_cv, &g_mu);
  pthread_mutex_unlock(&g_mu);
  puts("worker: ready");
  return nullptr;
}

int main() {
  pthread_t worker;
  pthread_create(&worker, nullptr, Worker, nullptr);
  pthread_mutex_lock(&g_mu);
  g_ready = true;
  pthread_cond_signal(&g_ready_cv);
  pthread_mutex_unlock(&g_mu);
  g_signalled.Pass();
  pthread_join(worker, nullptr);
  return 0;
}
