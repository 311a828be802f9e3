// AA: a thread relocks a default (non-recursive) pthread mutex it already holds. The program really
// hangs. `lockscope run --timeout` stops it and analyzes the trace it left; killing it from outside
// with SIGKILL leaves a trace that `lockscope dump` still reads (the trace is a shared file mapping).
//
// RUN: %lockscope run -o %T/trace --timeout 2 -- %t 2>&1 | FileCheck %s
// RUN: %python %S/../tests/e2e/kill_when_blocked.py %lockscope %runtime %t %T/killed | FileCheck %s --check-prefix=DUMP
//
// CHECK: still running after 2 s
// CHECK: WARNING: lockscope: api-misuse (relock-non-recursive)
// CHECK: aa_self_deadlock.cpp:[[@LINE+11]]
// CHECK: SUMMARY: lockscope:
// DUMP: slot tid={{[0-9]+}} state=blocked
// DUMP: lockdef
#include <pthread.h>
#include <stdio.h>

pthread_mutex_t g_registry_mu = PTHREAD_MUTEX_INITIALIZER;
int g_clients = 0;

void AddClient() {
  pthread_mutex_lock(&g_registry_mu);  // should report: relock by the owner (via Reset)
  g_clients++;
  pthread_mutex_unlock(&g_registry_mu);
}

void Reset() {
  pthread_mutex_lock(&g_registry_mu);
  g_clients = 0;
  AddClient();  // relocks g_registry_mu: hangs here
  pthread_mutex_unlock(&g_registry_mu);
}

int main() {
  Reset();
  printf("clients=%d\n", g_clients);
  return 0;
}
