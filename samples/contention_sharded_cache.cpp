// Twin of contention_global_cache.cpp: the same cache, the same eight threads and slow refills,
// but split into 32 shards with one mutex each. A yielding holder now blocks only the threads
// that want its shard: the profile lists the shard locks, none of them hot. (Its refills yield
// once instead of waiting for another thread to come for their lock: with 32 locks that wait
// could last until the others finish.)
//
// RUN: %lockscope run --contention -o %T/trace -- %t 2>&1 | FileCheck %s
//
// CHECK-NOT: lock contention:
// CHECK: lockscope: contention profile ({{[0-9]+}} of {{[0-9]+}} locks
// CHECK-NEXT: acquired
// CHECK-NEXT: g_shards
// CHECK-NOT: <- hot
#include <pthread.h>
#include <sched.h>

#include <cstdio>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <vector>

constexpr int kThreads = 8;
// As many as contention_global_cache.cpp does (see there).
constexpr int kOpsPerThread = 3000;
constexpr int kShards = 32;

struct Shard {
  std::mutex mu;
  std::unordered_map<int, long> map;
};
Shard g_shards[kShards];
pthread_barrier_t g_start;

long Lookup(int key) {
  Shard& s = g_shards[key % kShards];
  std::lock_guard<std::mutex> lock(s.mu);
  long& v = s.map[key % 4096];
  for (int i = 0; i < 50; ++i) v = v * 31 + key + i;  // the work done under the lock
  if (key % 8 == 0) sched_yield();  // a slow refill while holding the lock: others run meanwhile
  return v;
}

int main() {
  pthread_barrier_init(&g_start, nullptr, kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([t] {
      pthread_barrier_wait(&g_start);
      long sum = 0;
      for (int i = 0; i < kOpsPerThread; ++i) {
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
