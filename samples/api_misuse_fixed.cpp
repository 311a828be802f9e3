// Clean twin of api_misuse.cpp: the same operations done right — every unlock by the owner that
// locked, destroy after unlock, the journal writer unlocks before it exits, and each condvar is
// waited on with one mutex only.
//
// RUN: %lockscope run -o %T/trace -- %t 2>&1 | FileCheck %s
//
// CHECK-NOT: WARNING
// CHECK-NOT: api-misuse
// CHECK: SUMMARY: lockscope: no findings
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
pthread_cond_t g_queue_cv = PTHREAD_COND_INITIALIZER;
pthread_cond_t g_backlog_cv = PTHREAD_COND_INITIALIZER;
Baton g_locked, g_unlocked;

void FlushStats() {
  pthread_mutex_lock(&g_stats_mu);
  pthread_mutex_unlock(&g_stats_mu);
}

void EndSession() {
  std::thread owner([] {
    pthread_mutex_lock(&g_session_mu);
    g_locked.Pass();
    g_unlocked.Wait();
    pthread_mutex_unlock(&g_session_mu);  // the owner unlocks
  });
  g_locked.Wait();
  g_unlocked.Pass();
  owner.join();
}

void ShrinkPool() {
  pthread_mutex_lock(&g_pool_mu);
  pthread_mutex_unlock(&g_pool_mu);
  pthread_mutex_destroy(&g_pool_mu);
}

void AppendJournal() {
  std::thread writer([] {
    pthread_mutex_lock(&g_journal_mu);
    pthread_mutex_unlock(&g_journal_mu);
  });
  writer.join();
}

void WaitReady(pthread_cond_t* cv, pthread_mutex_t* mu) {
  timespec past{0, 0};
  pthread_mutex_lock(mu);
  pthread_cond_timedwait(cv, mu, &past);
  pthread_mutex_unlock(mu);
}

int main() {
  FlushStats();
  EndSession();
  ShrinkPool();
  AppendJournal();
  WaitReady(&g_queue_cv, &g_queue_mu);
  WaitReady(&g_backlog_cv, &g_backlog_mu);
  return 0;
}
