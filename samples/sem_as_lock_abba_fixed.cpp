// Fixed twin of sem_as_lock_abba.cpp: the report path takes the pool semaphore first, like the
// checkout path, so the two kinds of lock are always taken in one order.
//
// RUN: %lockscope run -o %T/trace -- %t 2>&1 | FileCheck %s
//
// CHECK-NOT: WARNING
// CHECK: SUMMARY: lockscope: no findings
#include <semaphore.h>

#include <mutex>
#include <thread>

#include "sample_util.h"

sem_t g_pool_sem;
std::mutex g_stats_mu;
int g_checkouts = 0;
int g_connection_uses = 0;
Baton g_first_done;

void Checkout() {
  sem_wait(&g_pool_sem);
  g_connection_uses++;
  {
    std::lock_guard<std::mutex> stats(g_stats_mu);
    g_checkouts++;
  }
  sem_post(&g_pool_sem);
}

void Report() {
  sem_wait(&g_pool_sem);  // the fix: pool first, then stats
  {
    std::lock_guard<std::mutex> stats(g_stats_mu);
    std::printf("checkouts=%d uses=%d\n", g_checkouts, g_connection_uses);
  }
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
