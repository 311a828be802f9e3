// A lock-order cycle across lock kinds: a local std::mutex and a "distributed lock" (a lease in a
// lock service; here an atomic flag stands in for the network round trip, so lockscope cannot see
// it) that the program declares through lockscope/annotations.h. PlaceOrder takes the distributed
// lock, then the local cache mutex; RefreshCache takes them in the opposite order. Two processes
// (or threads) doing both deadlock. The run is serialized with a Baton, so it never hangs.
// Built with the annotations header, the program still runs without the runtime (weak symbols).
//
// RUN: %t
// RUN: %lockscope run -o %T/trace -- %t 2>&1 | FileCheck %s
// RUN: %lockscope analyze --format json %T/trace | FileCheck %s --check-prefix=JSON
// RUN: %lockscope dump %T/trace/*.lstrace | FileCheck %s --check-prefix=DUMP
//
// CHECK: WARNING: lockscope: lock-order-inversion (potential deadlock)
// CHECK: Cycle in lock order graph: M{{[01]}} ({{g_cache_mu|distributed lock 'orders/42'}}) => M{{[01]}} ({{g_cache_mu|distributed lock 'orders/42'}}) => M{{[01]}}
// CHECK-DAG: cross_kind_distributed_lock.cpp:[[@LINE+43]]
// CHECK-DAG: cross_kind_distributed_lock.cpp:[[@LINE+50]]
// CHECK: M{{[01]}} (distributed lock 'orders/42'): annotated at
// CHECK: SUMMARY: lockscope: 1 lock-order-inversion
// JSON: "kind": "annotated"
// JSON-NEXT: "name": "distributed lock 'orders/42'"
// DUMP: lockdef {{.*}}kind=annotated{{.*}}name={{.*}}orders/42
#include <sched.h>

#include <atomic>
#include <mutex>
#include <string>
#include <thread>

#include "../runtime/include/lockscope/annotations.h"
#include "sample_util.h"

// A lease on a key in a lock service. Lock() spins until the (simulated) service grants it.
class DistributedLock {
 public:
  explicit DistributedLock(std::string key) : name_("distributed lock '" + key + "'") {}
  void Lock() {
    while (held_.exchange(true, std::memory_order_acquire)) sched_yield();
    LOCKSCOPE_ACQUIRE(this, name_.c_str());
  }
  void Unlock() {
    LOCKSCOPE_RELEASE(this);
    held_.store(false, std::memory_order_release);
  }

 private:
  std::string name_;
  std::atomic<bool> held_{false};
};

DistributedLock g_order_lock("orders/42");
std::mutex g_cache_mu;
int g_orders = 0, g_cached = 0;
Baton g_first_done;

void PlaceOrder() {
  g_order_lock.Lock();
  {
    std::lock_guard<std::mutex> cache(g_cache_mu);  // should report (held: distributed lock)
    g_cached = ++g_orders;
  }
  g_order_lock.Unlock();
}

void RefreshCache() {
  std::lock_guard<std::mutex> cache(g_cache_mu);
  g_order_lock.Lock();  // should report (held: g_cache_mu)
  g_cached = g_orders;
  g_order_lock.Unlock();
}

int main() {
  std::thread t1([] {
    PlaceOrder();
    g_first_done.Pass();
  });
  std::thread t2([] {
    g_first_done.Wait();
    RefreshCache();
  });
  t1.join();
  t2.join();
  return g_cached == 1 ? 0 : 1;
}
