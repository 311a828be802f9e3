// Contention: a cache behind one global mutex. Eight threads start together (a barrier) and
// hammer it; every 8th operation is a "slow refill" that keeps the lock until another thread
// waits for it, so the other threads pile up on it whatever the machine's load (a refill that
// only yielded could end before any other thread ran, and under load the contention dropped
// below the report's floor: 18 of 16 000 acquisitions in one run). Its twin
// contention_sharded_cache.cpp is the same cache split into 32 shards: compare the two profiles.
// Not a bug lockscope's default report mentions: the profile is asked for with --contention.
// argv[1]: operations per thread (default kOpsPerThread; the check of the default report needs
// fewer).
//
// RUN: %lockscope run --contention -o %T/trace -- %t 2>&1 | FileCheck %s
// RUN: %lockscope run -o %T/trace2 -- %t 500 2>&1 | FileCheck %s --check-prefix=DEFAULT
//
// CHECK: contention on g_cache_mu
// CHECK: lock contention: g_cache_mu waited in {{[0-9]+}} of {{[0-9]+}} acquisitions
// CHECK: lockscope: contention profile
// CHECK-NEXT: acquired
// CHECK-NEXT: {{ +[0-9]+ +[1-9][0-9]* +.*}} g_cache_mu ({{.*}}contention_global_cache.cpp:{{[0-9]+}}){{.*}}<- hot
// DEFAULT-NOT: contention
// DEFAULT: SUMMARY: lockscope: no findings
#include <pthread.h>
#include <sched.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <vector>

constexpr int kThreads = 8;
// Enough for a few thousand contended acquisitions of the global lock (kHotMinContended is 1000)
// on an idle or a loaded machine (one per refill at least, unless the refill got the lock after
// a wait itself); not more: every refill waits for another thread to run, and on a loaded machine
// that costs time slices (0.1-0.5 s beside other tests; 5-12 s with three busy processes on two
// cores).
constexpr int kOpsPerThread = 3000;

std::mutex g_cache_mu;
std::unordered_map<int, long> g_cache;
pthread_barrier_t g_start;
std::atomic<int> g_arriving{0};        // threads between announcing a lookup and holding the lock
std::atomic<int> g_running{kThreads};  // threads not finished yet

long Lookup(int key) {
  g_arriving.fetch_add(1);
  std::lock_guard<std::mutex> lock(g_cache_mu);
  g_arriving.fetch_sub(1);
  long& v = g_cache[key % 4096];
  for (int i = 0; i < 50; ++i) v = v * 31 + key + i;  // the work done under the lock
  if (key % 8 == 0) {
    // A slow refill while holding the lock: it lasts until another thread is about to take the
    // lock (or no other thread is left), then until that thread waits for it: glibc marks a
    // mutex that may have waiters with __lock == 2 (also when this thread got it after a wait).
    // A bounded number of yields is not enough: the other thread may be queued behind another
    // process on the other core, and a yield only gives way on this one.
    while (g_arriving.load() == 0 && g_running.load() > 1) sched_yield();
    const volatile int* state = &g_cache_mu.native_handle()->__data.__lock;
    if (g_arriving.load() > 0) {
      while (*state != 2) sched_yield();
    }
  }
  return v;
}

int main(int argc, char** argv) {
  const int ops = argc > 1 ? std::atoi(argv[1]) : kOpsPerThread;
  pthread_barrier_init(&g_start, nullptr, kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([t, ops] {
      pthread_barrier_wait(&g_start);
      long sum = 0;
      for (int i = 0; i < ops; ++i) {
        sum += Lookup(i * kThreads + t);
        sched_yield();  // between requests: lets the lock change hands (glibc mutexes are unfair)
      }
      if (sum == 42) std::puts("");
      g_running.fetch_sub(1);
    });
  }
  for (auto& th : threads) th.join();
  pthread_barrier_destroy(&g_start);
  return 0;
}
