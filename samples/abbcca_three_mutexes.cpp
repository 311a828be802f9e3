// ABBCCA: three threads, three pthread mutexes, a cycle of length three (A => B => C => A). No two
// threads alone form a cycle, so pairwise checks miss it. Serialized with Batons: never hangs.
//
// RUN: %lockscope run -o %T/trace -- %t 2>&1 | FileCheck %s
// CHECK: WARNING: lockscope: lock-order-inversion (potential deadlock)
// CHECK: Cycle in lock order graph: [[M0:M[0-9]+]] ({{.*}}) => [[M1:M[0-9]+]] ({{.*}}) => [[M2:M[0-9]+]] ({{.*}}) => [[M0]]
// CHECK-DAG: abbcca_three_mutexes.cpp:[[@LINE+16]]
// CHECK-DAG: abbcca_three_mutexes.cpp:[[@LINE+26]]
// CHECK-DAG: abbcca_three_mutexes.cpp:[[@LINE+36]]
// CHECK: SUMMARY: lockscope: 1 lock-order-inversion
#include <pthread.h>

#include "sample_util.h"

pthread_mutex_t g_inventory_mu = PTHREAD_MUTEX_INITIALIZER;
pthread_mutex_t g_orders_mu = PTHREAD_MUTEX_INITIALIZER;
pthread_mutex_t g_shipping_mu = PTHREAD_MUTEX_INITIALIZER;
int g_state = 0;
Baton g_step1, g_step2;

void* ReserveStock(void*) {
  pthread_mutex_lock(&g_inventory_mu);
  pthread_mutex_lock(&g_orders_mu);  // should report: inventory => orders
  g_state++;
  pthread_mutex_unlock(&g_orders_mu);
  pthread_mutex_unlock(&g_inventory_mu);
  g_step1.Pass();
  return nullptr;
}

void* Ship(void*) {
  g_step1.Wait();
  pthread_mutex_lock(&g_orders_mu);
  pthread_mutex_lock(&g_shipping_mu);  // should report: orders => shipping
  g_state++;
  pthread_mutex_unlock(&g_shipping_mu);
  pthread_mutex_unlock(&g_orders_mu);
  g_step2.Pass();
  return nullptr;
}

void* Restock(void*) {
  g_step2.Wait();
  pthread_mutex_lock(&g_shipping_mu);
  pthread_mutex_lock(&g_inventory_mu);  // should report: shipping => inventory
  g_state++;
  pthread_mutex_unlock(&g_inventory_mu);
  pthread_mutex_unlock(&g_shipping_mu);
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
