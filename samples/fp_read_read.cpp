// False-positive filter "shared-locks": two threads read-lock the same two rwlocks in opposite
// orders and nobody ever write-locks them. Readers do not block readers, so the cycle cannot
// close; ThreadSanitizer and Helgrind treat shared like exclusive and report it.
//
// RUN: %lockscope run -o %T/trace -- %t 2>&1 | FileCheck %s
// RUN: %lockscope analyze --verbose %T/trace 2>&1 | FileCheck %s --check-prefix=VERBOSE
//
// CHECK-NOT: WARNING
// CHECK: SUMMARY: lockscope: no findings
// VERBOSE-NOT: WARNING
// VERBOSE: [shared-locks] lock-order-cycle on g_{{routes|peers}}_lock, g_{{routes|peers}}_lock
// VERBOSE-SAME: readers do not block readers
#include <pthread.h>

#include <thread>

#include "sample_util.h"

pthread_rwlock_t g_routes_lock = PTHREAD_RWLOCK_INITIALIZER;
pthread_rwlock_t g_peers_lock = PTHREAD_RWLOCK_INITIALIZER;
int g_routes = 3, g_peers = 2;
Baton g_first_done;

int RoutesPerPeer() {
  pthread_rwlock_rdlock(&g_routes_lock);
  pthread_rwlock_rdlock(&g_peers_lock);
  int r = g_routes / g_peers;
  pthread_rwlock_unlock(&g_peers_lock);
  pthread_rwlock_unlock(&g_routes_lock);
  return r;
}

int PeersPerRoute() {
  pthread_rwlock_rdlock(&g_peers_lock);
  pthread_rwlock_rdlock(&g_routes_lock);  // inverted, but read-read only
  int r = g_peers * 10 / g_routes;
  pthread_rwlock_unlock(&g_routes_lock);
  pthread_rwlock_unlock(&g_peers_lock);
  return r;
}

int main() {
  int a = 0, b = 0;
  std::thread t1([&] {
    a = RoutesPerPeer();
    g_first_done.Pass();
  });
  std::thread t2([&] {
    g_first_done.Wait();
    b = PeersPerRoute();
  });
  t1.join();
  t2.join();
  return a == 1 && b == 6 ? 0 : 1;
}
