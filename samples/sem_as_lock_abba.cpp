// A binary semaphore used as a lock (sem_init(&s, 0, 1); sem_wait … sem_post in one thread) and a
// std::mutex, taken in opposite orders on two paths: the checkout path holds the pool semaphore
// and then locks the stats mutex; the report path holds the stats mutex and then waits on the pool
// semaphore. AB-BA across two kinds of lock. The run is serialized with a Baton (a pipe), so it
// never hangs, but the two paths deadlock whenever they overlap.
//
// RUN: %lockscope run -o %T/trace -- %t 2>&1 | FileCheck %s
// RUN: %lockscope analyze --format json %T/trace | FileCheck %s --check-prefix=JSON
//
// CHECK: WARNING: lockscope: lock-order-inversion (potential deadlock)
// CHECK: Cycle in lock order graph: [[M0:M[0-9]+]] ({{g_[a-z_]+}}) => [[M1:M[0-9]+]] ({{g_[a-z_]+}}) => [[M0]]
// CHECK-DAG: sem_as_lock_abba.cpp:[[@LINE+24]]
// CHECK-DAG: sem_as_lock_abba.cpp:[[@LINE+31]]
// CHECK: SUMMARY: lockscope: 1 lock-order-inversion
// JSON: "kind": "lock-order-cycle"
// JSON-DAG: "name": "g_pool_sem"
// JSON-DAG: "kind": "semaphore"
// JSON-DAG: "name": "g_stats_mu"
#include <semaphore.h>

#include <mutex>
#include <thread>

#include "sample_util.h"

sem_t g_pool_sem;  // one connection: the semaphore guards it like a mutex
std::mutex g_stats_mu;
int g_checkouts = 0;
int g_connection_uses = 0;
Baton g_first_done;

void Checkout() {
  sem_wait(&g_pool_sem);
  g_connection_uses++;
  {
    std::lock_guard<std::mutex> stats(g_stats_mu);  // should report (held: g_pool_sem)
    g_checkouts++;
  }
  sem_post(&g_pool_sem);
}

void Report() {
  std::lock_guard<std::mutex> stats(g_stats_mu);
  sem_wait(&g_pool_sem);  // should report (held: g_stats_mu)
  std::printf("checkouts=%d uses=%d\n", g_checkouts, g_connection_uses);
  sem_post(&g_pool_sem);
}

int main() {
  sem_init(&g_pool_sem, 0, 1);
  std::thread t1([] {
    Checkout();
    g_first_done.Pass();
  });
  std::thread t2([] {
    g_first_done.Wait();
    Report();
  });
  t1.join();
  t2.join();
  sem_destroy(&g_pool_sem);
  return 0;
}
