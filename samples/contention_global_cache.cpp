// Contention: a cache behind one global mutex. Eight threads start together (a barrier) and
// hammer it; every 8th operation is a "slow refill" that yields while holding the lock, so the
// other threads pile up on it whatever the machine's load. Its twin
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

#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <vector>

constexpr int kThreads = 8;
// Enough for a few thousand contended acquisitions of the global lock (kHotMinContended is 1000)
// on an idle or a loaded machine; not more: every operation yields twice, and on a loaded
// machine a yield costs a time slice, so the run time grows with the load.
constexpr int kOpsPerThread = 5000;

std::mutex g_cache_mu;
std::unordered_map<int, long> g_cache;
pthread_barrier_t g_start;

long Lookup(int key) {
  std::lock_guard<std::mutex> lock(g_cache_mu);
  long& v = g_cache[key % 4096];
  for (int i = 0; i < 50; ++i) v = v * 31 + key + i;  // the work done under the lock
  if (key % 8 == 0) sched_yield();  // a slow refill while holding the lock: others run meanwhile
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
    });
  }
  for (auto& th : threads) th.join();
  pthread_barrier_destroy(&g_start);
  return 0;
}
