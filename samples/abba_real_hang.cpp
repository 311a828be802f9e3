// ABBA that really happens: two threads each take their first lock, meet at a barrier (so both
// hold it), then each asks for the other's lock. The program hangs for good. The runtime's
// watchdog diagnoses it live; `lockscope run --timeout` then SIGKILLs it and the analyzer finds the
// same cycle again in the thread slots the trace file kept (post mortem).
//
// RUN: %lockscope run -o %T/trace --timeout 3 -- %t 2>&1 | FileCheck %s
//
// CHECK: still running after 3 s
// CHECK: WARNING: lockscope: deadlock
// CHECK-SAME: (pid=
// CHECK: deadlock: 2 threads blocked in a wait-for cycle
// CHECK-DAG: abba_real_hang.cpp:[[@LINE+15]]
// CHECK-DAG: abba_real_hang.cpp:[[@LINE+24]]
// CHECK: None of these threads can ever proceed
// CHECK: SUMMARY: lockscope:
#include <pthread.h>
#include <stdio.h>

pthread_mutex_t g_accounts_mu = PTHREAD_MUTEX_INITIALIZER;
pthread_mutex_t g_audit_mu = PTHREAD_MUTEX_INITIALIZER;
pthread_barrier_t g_both_hold_first;
long g_balance = 100;

void* Transfer(void*) {
  pthread_mutex_lock(&g_accounts_mu);
  pthread_barrier_wait(&g_both_hold_first);
  pthread_mutex_lock(&g_audit_mu);  // should report: waits for Audit's lock forever
  g_balance -= 10;
  pthread_mutex_unlock(&g_audit_mu);
  pthread_mutex_unlock(&g_accounts_mu);
  return nullptr;
}

void* Audit(void*) {
  pthread_mutex_lock(&g_audit_mu);
  pthread_barrier_wait(&g_both_hold_first);
  pthread_mutex_lock(&g_accounts_mu);  // should report: waits for Transfer's lock forever
  printf("balance=%ld\n", g_balance);
  pthread_mutex_unlock(&g_accounts_mu);
  pthread_mutex_unlock(&g_audit_mu);
  return nullptr;
}

int main() {
  pthread_barrier_init(&g_both_hold_first, nullptr, 2);
  pthread_t a, b;
  pthread_create(&a, nullptr, Transfer, nullptr);
  pthread_create(&b, nullptr, Audit, nullptr);
  pthread_join(a, nullptr);
  pthread_join(b, nullptr);
  return 0;
}
