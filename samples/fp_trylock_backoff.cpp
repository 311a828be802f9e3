// False-positive filter "try-lock": the transfer path locks g_from_mu then g_to_mu; the refund
// path holds g_to_mu and only *tries* g_from_mu, backing off (unlock, retry) when it is busy. A
// try-lock never waits, so the inversion cannot deadlock.
//
// RUN: %lockscope run -o %T/trace -- %t 2>&1 | FileCheck %s
// RUN: %lockscope analyze --verbose %T/trace 2>&1 | FileCheck %s --check-prefix=VERBOSE
//
// CHECK-NOT: WARNING
// CHECK: SUMMARY: lockscope: no findings
// VERBOSE-NOT: WARNING
// VERBOSE: [try-lock] lock-order-cycle on g_{{from|to}}_mu, g_{{from|to}}_mu
// VERBOSE-SAME: g_from_mu is only try-locked or timed-locked while g_to_mu is held
#include <pthread.h>

#include <thread>

#include "sample_util.h"

pthread_mutex_t g_from_mu = PTHREAD_MUTEX_INITIALIZER;
pthread_mutex_t g_to_mu = PTHREAD_MUTEX_INITIALIZER;
int g_from = 100, g_to = 0;
Baton g_first_done;

void Transfer(int amount) {
  pthread_mutex_lock(&g_from_mu);
  pthread_mutex_lock(&g_to_mu);
  g_from -= amount;
  g_to += amount;
  pthread_mutex_unlock(&g_to_mu);
  pthread_mutex_unlock(&g_from_mu);
}

void Refund(int amount) {
  for (;;) {
    pthread_mutex_lock(&g_to_mu);
    if (pthread_mutex_trylock(&g_from_mu) == 0) {  // back-off instead of waiting
      g_to -= amount;
      g_from += amount;
      pthread_mutex_unlock(&g_from_mu);
      pthread_mutex_unlock(&g_to_mu);
      return;
    }
    pthread_mutex_unlock(&g_to_mu);
    sched_yield();
  }
}

int main() {
  std::thread t1([] {
    Transfer(30);
    g_first_done.Pass();
  });
  std::thread t2([] {
    g_first_done.Wait();
    Refund(10);
  });
  t1.join();
  t2.join();
  return g_from == 80 && g_to == 20 ? 0 : 1;
}
