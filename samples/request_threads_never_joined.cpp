// One thread per request, created joinable and never joined: each finished handler keeps its stack
// and thread descriptor allocated until someone joins it, so a server that does this leaks memory
// with every request. main ends with pthread_exit() so the handlers finish before the process
// exits. lockscope reports the handlers (one report for the creation site) as never joined.
//
// RUN: %lockscope run -o %T/trace -- %t 2>&1 | FileCheck %s
// RUN: %lockscope analyze --format json %T/trace | FileCheck %s --check-prefix=JSON
//
// CHECK: WARNING: lockscope: leaked-thread (not-joined)
// CHECK: thread never joined: 4 threads (running HandleRequest(void*), started by T0 at main request_threads_never_joined.cpp:[[@LINE+23]]) finished but were neither joined nor detached
// CHECK: SUMMARY: lockscope: 0 lock-order-inversions, 1 other finding
//
// JSON: "kind": "leaked-thread",
// JSON: "severity": "warning",
// JSON: "subkind": "not-joined",
#include <pthread.h>
#include <stdio.h>

pthread_mutex_t g_log_mu = PTHREAD_MUTEX_INITIALIZER;
long g_bytes_served = 0;

void* HandleRequest(void* arg) {
  long request = reinterpret_cast<long>(arg);
  pthread_mutex_lock(&g_log_mu);
  g_bytes_served += 100 + request;
  pthread_mutex_unlock(&g_log_mu);
  return nullptr;
}

int main() {
  for (long request = 0; request < 4; ++request) {
    pthread_t t;
    pthread_create(&t, nullptr, HandleRequest, reinterpret_cast<void*>(request));  // should report: never joined
  }
  puts("serving");
  fflush(stdout);
  pthread_exit(nullptr);  // the process exits when the last handler has finished
}
