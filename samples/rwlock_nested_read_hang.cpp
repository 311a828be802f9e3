// recursive-read-hazard that really hangs: the RPC client of rwlock_nested_read_init.cpp on a
// writer-preferring rwlock (PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP). Call() holds the read
// lock; Init() asks for the write lock and queues behind it; Call's nested Serialize() read-locks
// again and queues behind Init. Neither proceeds. No sleeps: Call learns that Init is queued when
// a try-read is refused (a writer-preferring rwlock turns new readers away while a writer waits).
// `lockscope run --timeout` SIGKILLs the program; the trace's thread slots show the cycle, and the
// report says actual-deadlock as well as recursive-read-hazard.
// Fixed twin: rwlock_nested_read_init_fixed.cpp (Serialize is called with the lock held and does
// not lock again).
//
// RUN: %lockscope run -o %T/trace --timeout 3 -- %t 2>&1 | FileCheck %s
// RUN: %lockscope analyze --format json %T/trace | FileCheck %s --check-prefix=JSON
//
// CHECK: still running after 3 s
// CHECK-DAG: WARNING: lockscope: recursive-read-hazard on g_conn_lock
// CHECK-DAG: recursive read of the writer-preferring rwlock g_conn_lock while thread T2 (init) can queue
// CHECK-DAG: WARNING: lockscope: deadlock
// CHECK-DAG: read-acquiring g_conn_lock, queued behind thread T2 (init)'s write request (the rwlock prefers writers)
// CHECK-DAG: rwlock_nested_read_hang.cpp:[[@LINE+19]]
// CHECK: SUMMARY: lockscope:
// JSON-DAG: "kind": "actual-deadlock"
// JSON-DAG: "kind": "recursive-read-hazard"
#include <pthread.h>
#include <sched.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>

#include "sample_util.h"

pthread_rwlock_t g_conn_lock;
Baton g_reading;  // Init starts asking for the write lock once Call holds the read lock
std::string g_endpoint = "10.0.0.1:443";

std::string Serialize(const char* request) {
  pthread_rwlock_rdlock(&g_conn_lock);  // nested read: queues behind the waiting writer
  std::string out = g_endpoint + " " + request;
  pthread_rwlock_unlock(&g_conn_lock);
  return out;
}

void* Call(void*) {
  pthread_setname_np(pthread_self(), "rpc");
  pthread_rwlock_rdlock(&g_conn_lock);
  g_reading.Pass();
  // Wait until Init is queued for the write lock: then a new read is refused.
  for (;;) {
    if (pthread_rwlock_tryrdlock(&g_conn_lock) == EBUSY) break;
    pthread_rwlock_unlock(&g_conn_lock);
    sched_yield();
  }
  std::string wire = Serialize("GET /status");
  std::printf("sent %s\n", wire.c_str());
  pthread_rwlock_unlock(&g_conn_lock);
  return nullptr;
}

void* Init(void*) {
  pthread_setname_np(pthread_self(), "init");
  g_reading.Wait();
  pthread_rwlock_wrlock(&g_conn_lock);  // reconnect: queues behind Call's read lock
  g_endpoint = "10.0.0.2:443";
  pthread_rwlock_unlock(&g_conn_lock);
  return nullptr;
}

int main() {
  pthread_rwlockattr_t attr;
  pthread_rwlockattr_init(&attr);
  pthread_rwlockattr_setkind_np(&attr, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
  pthread_rwlock_init(&g_conn_lock, &attr);
  pthread_t rpc, init;
  pthread_create(&rpc, nullptr, Call, nullptr);
  pthread_create(&init, nullptr, Init, nullptr);
  pthread_join(rpc, nullptr);
  pthread_join(init, nullptr);
  return 0;
}
