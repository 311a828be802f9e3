// api-misuse: five mistakes the pthread API lets a program make, each with a defined outcome here
// (error-checking mutexes return EPERM/EBUSY, the timed waits have already expired), so the run
// never hangs or crashes; lockscope reports each with its subkind and the site.
//   - unlock of a mutex the thread does not hold          (unlock-not-held)
//   - unlock of a mutex another thread holds              (unlock-not-owner)
//   - destroy of a held mutex                             (destroy-held)
//   - a thread that exits while holding a mutex           (exit-holding-lock)
//   - one condvar waited on with two different mutexes    (cond-two-mutexes)
//
// RUN: %lockscope run -o %T/trace -- %t 2>&1 | FileCheck %s
// RUN: %lockscope analyze --format json %T/trace | FileCheck %s --check-prefix=JSON
//
// CHECK-DAG: WARNING: lockscope: api-misuse (unlock-not-held) on g_stats_mu
// CHECK-DAG: WARNING: lockscope: api-misuse (unlock-not-owner) on g_session_mu
// CHECK-DAG: WARNING: lockscope: api-misuse (destroy-held) on g_pool_mu
// CHECK-DAG: WARNING: lockscope: api-misuse (exit-holding-lock) on g_journal_mu
// CHECK-DAG: WARNING: lockscope: api-misuse (cond-two-mutexes) on g_ready_cv
// CHECK-DAG: api_misuse.cpp:[[@LINE+31]]
// CHECK-DAG: api_misuse.cpp:[[@LINE+42]]
// CHECK-DAG: api_misuse.cpp:[[@LINE+48]]
// CHECK-DAG: api_misuse.cpp:[[@LINE+53]]
// CHECK-DAG: api_misuse.cpp:[[@LINE+71]]
// CHECK: SUMMARY: lockscope: 0 lock-order-inversions, 5 other findings
// JSON-DAG: "subkind": "unlock-not-held"
// JSON-DAG: "subkind": "unlock-not-owner"
// JSON-DAG: "subkind": "destroy-held"
// JSON-DAG: "subkind": "exit-holding-lock"
// JSON-DAG: "subkind": "cond-two-mutexes"
#include <pthread.h>
#include <time.h>

#include <thread>

#include "sample_util.h"

pthread_mutex_t g_stats_mu = PTHREAD_ERRORCHECK_MUTEX_INITIALIZER_NP;
pthread_mutex_t g_session_mu = PTHREAD_ERRORCHECK_MUTEX_INITIALIZER_NP;
pthread_mutex_t g_pool_mu = PTHREAD_ERRORCHECK_MUTEX_INITIALIZER_NP;
pthread_mutex_t g_journal_mu = PTHREAD_ERRORCHECK_MUTEX_INITIALIZER_NP;
pthread_mutex_t g_queue_mu = PTHREAD_MUTEX_INITIALIZER;
pthread_mutex_t g_backlog_mu = PTHREAD_MUTEX_INITIALIZER;
pthread_cond_t g_ready_cv = PTHREAD_COND_INITIALIZER;
Baton g_locked, g_unlocked;
volatile int g_steps = 0;  // a statement after each misuse: no tail call hides its line at -O2

void FlushStats() {
  pthread_mutex_lock(&g_stats_mu);
  pthread_mutex_unlock(&g_stats_mu);
  pthread_mutex_unlock(&g_stats_mu);  // should report: unlock-not-held (EPERM)
  g_steps = g_steps + 1;
}

void EndSession() {
  std::thread owner([] {
    pthread_mutex_lock(&g_session_mu);
    g_locked.Pass();
    g_unlocked.Wait();
    pthread_mutex_unlock(&g_session_mu);
  });
  g_locked.Wait();
  pthread_mutex_unlock(&g_session_mu);  // should report: unlock-not-owner (EPERM)
  g_unlocked.Pass();
  owner.join();
}

void ShrinkPool() {
  pthread_mutex_lock(&g_pool_mu);
  pthread_mutex_destroy(&g_pool_mu);  // should report: destroy-held (EBUSY)
  pthread_mutex_unlock(&g_pool_mu);
}

void AppendJournal() {
  std::thread writer([] {
    pthread_mutex_lock(&g_journal_mu);  // should report: exit-holding-lock (never unlocked)
    g_steps = g_steps + 1;
  });
  writer.join();
}

void WaitReady(pthread_mutex_t* mu) {
  timespec past{0, 0};  // already expired: returns ETIMEDOUT at once
  pthread_mutex_lock(mu);
  pthread_cond_timedwait(&g_ready_cv, mu, &past);
  pthread_mutex_unlock(mu);
}

int main() {
  FlushStats();
  EndSession();
  ShrinkPool();
  AppendJournal();
  WaitReady(&g_queue_mu);
  WaitReady(&g_backlog_mu);  // should report: cond-two-mutexes
  return g_steps == 2 ? 0 : 1;
}
