// A thread joins a worker while holding the lock the worker needs: the worker blocks on the
// mutex, the joiner blocks in pthread_join, and neither ever proceeds. No lock-order cycle
// exists (there is only one lock); the cycle goes through the join.
//
// RUN: %lockscope run -o %T/trace --timeout 3 -- %t 2>&1 | FileCheck %s
//
// CHECK: still running after 3 s
// CHECK: WARNING: lockscope: deadlock
// CHECK: deadlock: 2 threads blocked in a wait-for cycle
// CHECK-SAME: joining thread
// CHECK-DAG: join_holding_lock.cpp:[[@LINE+21]]
// CHECK-DAG: join_holding_lock.cpp:[[@LINE+10]]
// CHECK: Do not join a thread while holding a lock
// CHECK: SUMMARY: lockscope:
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
