// Fixed twin of abbcca_three_mutexes.cpp: every path takes inventory, then orders, then shipping
// (a global lock hierarchy). No cycle.
//
// RUN: %lockscope run -o %T/trace -- %t 2>&1 | FileCheck %s
// CHECK-NOT: WARNING
// CHECK: SUMMARY: lockscope: no findings
#include <pthread.h>

#include "sample_util.h"

pthread_mutex_t g_inventory_mu = PTHREAD_MUTEX_INITIALIZER;
pthread_mutex_t g_orders_mu = PTHREAD_MUTEX_INITIALIZER;
pthread_mutex_t g_shipping_mu = PTHREAD_MUTEX_INITIALIZER;
int g_state = 0;
Baton g_step1, g_step2;

void* ReserveStock(void*) {
  pthread_mutex_lock(&g_inventory_mu);
  pthread_mutex_lock(&g_orders_mu);
  g_state++;
  pthread_mutex_unlock(&g_orders_mu);
  pthread_mutex_unlock(&g_inventory_mu);
  g_step1.Pass();
  return nullptr;
}

void* Ship(void*) {
  g_step1.Wait();
  pthread_mutex_lock(&g_orders_mu);
  pthread_mutex_lock(&g_shipping_mu);
  g_state++;
  pthread_mutex_unlock(&g_shipping_mu);
  pthread_mutex_unlock(&g_orders_mu);
  g_step2.Pass();
  return nullptr;
}

void* Restock(void*) {
  g_step2.Wait();
  pthread_mutex_lock(&g_inventory_mu);  // fixed: inventory before shipping, like everyone else
  pthread_mutex_lock(&g_shipping_mu);
  g_state++;
  pthread_mutex_unlock(&g_shipping_mu);
  pthread_mutex_unlock(&g_inventory_mu);
  return nullptr;
}

int main() {
  pthread_t t[3];
  pthread_create(&t[0], nullptr, ReserveStock, nullptr);
  pthread_create(&t[1], nullptr, Ship, nullptr);
  pthread_create(&t[2], nullptr, Restock, nullptr);
  for (pthread_t& th : t) pthread_join(th, nullptr);
  return g_state == 3 ? 0 : 1;
}
