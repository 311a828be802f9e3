// Fixed twin of aa_self_deadlock.cpp: Reset calls the lock-free helper it needs (the "Locked"
// suffix convention), so the mutex is taken once. Runs to completion; no finding.
//
// RUN: %lockscope run -o %T/trace --timeout 20 -- %t 2>&1 | FileCheck %s
// CHECK: clients=1
// CHECK-NOT: WARNING
// CHECK: SUMMARY: lockscope: no findings
#include <pthread.h>
#include <stdio.h>

pthread_mutex_t g_registry_mu = PTHREAD_MUTEX_INITIALIZER;
int g_clients = 0;

void AddClientLocked() { g_clients++; }

void AddClient() {
  pthread_mutex_lock(&g_registry_mu);
  AddClientLocked();
  pthread_mutex_unlock(&g_registry_mu);
}

void Reset() {
  pthread_mutex_lock(&g_registry_mu);
  g_clients = 0;
  AddClientLocked();
  pthread_mutex_unlock(&g_registry_mu);
}

int main() {
  Reset();
  printf("clients=%d\n", g_clients);
  fflush(stdout);
  AddClient();
  return g_clients == 2 ? 0 : 1;
}
