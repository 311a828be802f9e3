// Fixed twin of leaked_worker_ignores_stop: the poller checks the stop flag and main joins it
// before returning. No thread is left at exit; nothing is reported.
//
// RUN: %lockscope run -o %T/trace -- %t 2>&1 | FileCheck %s
//
// CHECK: shutting down
// CHECK-NOT: WARNING
// CHECK: SUMMARY: lockscope: no findings
#include <pthread.h>
#include <sched.h>
#include <stdio.h>

#include <atomic>

#include "sample_util.h"

std::atomic<bool> g_stop{false};
Baton g_started;  // the poller is in its loop
pthread_mutex_t g_stats_mu = PTHREAD_MUTEX_INITIALIZER;
long g_polls = 0;

void* Poller(void*) {
  g_started.Pass();
  while (!g_stop) {
    pthread_mutex_lock(&g_stats_mu);
    ++g_polls;
    pthread_mutex_unlock(&g_stats_mu);
    sched_yield();
  }
  return nullptr;
}

int main() {
  pthread_t poller;
  pthread_create(&poller, nullptr, Poller, nullptr);
  g_started.Wait();
  g_stop = true;
  puts("shutting down");
  pthread_join(poller, nullptr);
  return 0;
}
