// A background poller that never looks at the stop flag: main "shuts down" by setting g_stop and
// returns without joining, so the poller is still running when the process exits and is killed
// wherever it happens to be (half-written state, unflushed output). lockscope reports the thread
// as leaked, with the place it was created, like Go's goleak.
//
// RUN: %lockscope run -o %T/trace -- %t 2>&1 | FileCheck %s
// RUN: %lockscope analyze --format json %T/trace | FileCheck %s --check-prefix=JSON
//
// CHECK: shutting down
// CHECK: WARNING: lockscope: leaked-thread (running)
// CHECK: leaked thread: T1 (running Poller(void*), started by T0 at main leaked_worker_ignores_stop.cpp:[[@LINE+35]]) still running at exit, never joined
// CHECK: T1 (tid {{[0-9]+}}) created by main thread
// CHECK-NEXT: #0 main {{.*}}leaked_worker_ignores_stop.cpp:[[@LINE+33]]
// CHECK: SUMMARY: lockscope: 0 lock-order-inversions, 1 other finding
//
// JSON: "kind": "leaked-thread",
// JSON: "severity": "warning",
// JSON: "story": "Thread T1 (running Poller(void*), started by T0 at main leaked_worker_ignores_stop.cpp:{{[0-9]+}}) was still running when the process exited: nothing joined or detached it{{.*}}",
// JSON: "subkind": "running",
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
  for (;;) {  // should report: never checks g_stop, so it never ends
    pthread_mutex_lock(&g_stats_mu);
    ++g_polls;
    pthread_mutex_unlock(&g_stats_mu);
    sched_yield();
  }
  return nullptr;
}

int main() {
  pthread_t poller;
  pthread_create(&poller, nullptr, Poller, nullptr);  // should report: never joined
  g_started.Wait();
  g_stop = true;  // the poller never looks; and nothing joins it
  puts("shutting down");
  fflush(stdout);
  return 0;
}
