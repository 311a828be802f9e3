// Fixed twin of abba_real_hang: both threads take the locks in one order (accounts, then audit),
// still meeting at a barrier after their first lock attempt. Nothing hangs, nothing is reported.
//
// RUN: %lockscope run -o %T/trace --timeout 20 -- %t 2>&1 | FileCheck %s
//
// CHECK-NOT: still running
// CHECK-NOT: WATCHDOG
// CHECK-NOT: WARNING
// CHECK: SUMMARY: lockscope: no findings
#include <pthread.h>
#include <stdio.h>

pthread_mutex_t g_accounts_mu = PTHREAD_MUTEX_INITIALIZER;
pthread_mutex_t g_audit_mu = PTHREAD_MUTEX_INITIALIZER;
pthread_barrier_t g_both_started;
long g_balance = 100;

void* Transfer(void*) {
  pthread_barrier_wait(&g_both_started);
  pthread_mutex_lock(&g_accounts_mu);
  pthread_mutex_lock(&g_audit_mu);
  g_balance -= 10;
  pthread_mutex_unlock(&g_audit_mu);
  pthread_mutex_unlock(&g_accounts_mu);
  return nullptr;
}

void* Audit(void*) {
  pthread_barrier_wait(&g_both_started);
  pthread_mutex_lock(&g_accounts_mu);
  pthread_mutex_lock(&g_audit_mu);
  printf("balance=%ld\n", g_balance);
  pthread_mutex_unlock(&g_audit_mu);
  pthread_mutex_unlock(&g_accounts_mu);
  return nullptr;
}

int main() {
  pthread_barrier_init(&g_both_started, nullptr, 2);
  pthread_t a, b;
  pthread_create(&a, nullptr, Transfer, nullptr);
  pthread_create(&b, nullptr, Audit, nullptr);
  pthread_join(a, nullptr);
  pthread_join(b, nullptr);
  return 0;
}
