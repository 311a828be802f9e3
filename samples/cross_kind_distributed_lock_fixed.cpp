// Fixed twin of cross_kind_distributed_lock.cpp: both paths take the distributed lock first and
// the local cache mutex second, so the order across lock kinds is consistent.
//
// RUN: %t
// RUN: %lockscope run -o %T/trace -- %t 2>&1 | FileCheck %s
// RUN: %lockscope dump %T/trace/*.lstrace | FileCheck %s --check-prefix=DUMP
//
// CHECK-NOT: WARNING
// CHECK: SUMMARY: lockscope: no findings
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
    std::lock_guard<std::mutex> cache(g_cache_mu);
    g_cached = ++g_orders;
  }
  g_order_lock.Unlock();
}

void RefreshCache() {
  g_order_lock.Lock();  // the same order as PlaceOrder: distributed lock, then the cache
  {
    std::lock_guard<std::mutex> cache(g_cache_mu);
    g_cached = g_orders;
  }
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
