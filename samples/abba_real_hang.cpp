// ABBA that really happens: two threads each take their first lock, meet at a barrier (so both
// hold it), then each asks for the other's lock. The program hangs for good. The runtime's
// watchdog diagnoses it live; `lockscope run --timeout` then SIGKILLs it and the analyzer finds the
// same cycle again in the thread slots the trace file kept (post mortem).
//
// RUN: %lockscope run -o %T/trace --timeout 3 -- %t 2>&1 | FileCheck %s
// RUN: %lockscope analyze --format json %T/trace | FileCheck %s --check-prefix=JSON
//
// The watchdog (live, about 0.4 s after the hang; the program keeps hanging):
// CHECK: lockscope: WATCHDOG: deadlock: 2 threads are blocked in a cycle
// CHECK-NEXT: lockscope:   thread [[T1:[0-9]+]] blocked {{[0-9]+}} ms acquiring lock L{{[0-9]+}} ({{0x[0-9a-f]+}}), held by thread [[T2:[0-9]+]]; holds [L{{[0-9]+}}]
// CHECK-NEXT: lockscope:   thread [[T2]] blocked {{[0-9]+}} ms acquiring lock L{{[0-9]+}} ({{0x[0-9a-f]+}}), held by thread [[T1]]; holds [L{{[0-9]+}}]
// CHECK: still running after 3 s
// Post mortem, from the thread slots left in the trace after SIGKILL:
// CHECK: WARNING: lockscope: deadlock (threads blocked in a lock cycle)
// CHECK-DAG: abba_real_hang.cpp:[[@LINE+18]]
// CHECK-DAG: abba_real_hang.cpp:[[@LINE+27]]
// CHECK: SUMMARY: lockscope:
//
// (the lock-order-inversion finding of the same two locks comes first, marked hung as well)
// JSON: "kind": "actual-deadlock",
// JSON: "story": "Thread T{{[12]}} is blocked since {{.*}} None of these threads can ever proceed: the process hung. The runtime's watchdog saw this while the process ran (at +{{[0-9.]+}} s). Take these locks in one global order everywhere.",
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
