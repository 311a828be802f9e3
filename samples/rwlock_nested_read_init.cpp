// recursive-read-hazard: an RPC client guards its connection state with a pthread rwlock. Call()
// holds the read lock and calls Serialize(), a helper that read-locks again; a concurrent Init()
// (reconnect) takes the write lock. If Init asks for the write lock between Call's two read locks,
// it queues behind Call's first read lock; on a writer-preferring rwlock Call's second read lock
// then queues behind Init, and neither proceeds. On glibc's default (reader-preferring) rwlock the
// second read is granted today: a latent hazard (warning); with --prefer-writer the sample creates
// the rwlock with PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP and it is a deadlock (error).
// The run is serialized with a Baton (Init finishes before Call starts), so it never hangs.
//
// RUN: %lockscope run -o %T/trace -- %t 2>&1 | FileCheck %s
// RUN: %lockscope run -o %T/trace2 -- %t --prefer-writer 2>&1 | FileCheck %s --check-prefix=WRITER
// RUN: %lockscope analyze --format json %T/trace | FileCheck %s --check-prefix=JSON
// RUN: %lockscope analyze --format json %T/trace2 | FileCheck %s --check-prefix=JSONW
//
// CHECK: WARNING: lockscope: recursive-read-hazard on g_conn_lock
// CHECK-NEXT: latent hazard: recursive read of g_conn_lock while thread T2 (init) can queue to write it
// CHECK: Thread T1 (rpc) read-locked g_conn_lock at Call(
// CHECK: read-locked it again at Serialize(
// CHECK: M0 (g_conn_lock) read-acquired here while read-holding M0 (g_conn_lock) in thread T1 (rpc):
// CHECK: #{{[0-9]+}} Serialize({{.*}}rwlock_nested_read_init.cpp:[[@LINE+31]]
// CHECK: M0 (g_conn_lock) previously acquired by the same thread here:
// CHECK: #{{[0-9]+}} Call({{.*}}rwlock_nested_read_init.cpp:[[@LINE+36]]
// CHECK: the writer: thread T2 (init) requests g_conn_lock exclusively here:
// CHECK: #{{[0-9]+}} Init({{.*}}rwlock_nested_read_init.cpp:[[@LINE+41]]
// CHECK: Possible unsafe locking scenario
// CHECK: rlock(g_conn_lock);
// CHECK-NEXT: lock(g_conn_lock) <- waits for the reader
// CHECK-NEXT: rlock(g_conn_lock) <- waits if writers are preferred
// CHECK: SUMMARY: lockscope: 0 lock-order-inversions, 1 other finding
// WRITER: WARNING: lockscope: recursive-read-hazard on g_conn_lock
// WRITER-NEXT: deadlock on this rwlock: recursive read of the writer-preferring rwlock g_conn_lock
// WRITER: rlock(g_conn_lock) <- waits behind the writer
// JSON: "kind": "recursive-read-hazard"
// JSON: "severity": "warning"
// JSONW: "kind": "recursive-read-hazard"
// JSONW: "severity": "error"
#include <pthread.h>

#include <cstring>
#include <string>
#include <thread>

#include "sample_util.h"

pthread_rwlock_t g_conn_lock = PTHREAD_RWLOCK_INITIALIZER;
std::string g_endpoint;
int g_generation = 0;
Baton g_init_done;

std::string Serialize(const std::string& method) {
  pthread_rwlock_rdlock(&g_conn_lock);  // should report: recursive read (held: shared)
  std::string out = g_endpoint + "/" + method + "#" + std::to_string(g_generation);
  pthread_rwlock_unlock(&g_conn_lock);
  return out;
}

std::string Call(const std::string& method) {
  pthread_rwlock_rdlock(&g_conn_lock);
  std::string request = Serialize(method);  // nested call re-reads the lock
  pthread_rwlock_unlock(&g_conn_lock);
  return request;
}

void Init(const std::string& endpoint) {
  pthread_rwlock_wrlock(&g_conn_lock);
  g_endpoint = endpoint;
  ++g_generation;
  pthread_rwlock_unlock(&g_conn_lock);
}

int main(int argc, char** argv) {
  if (argc > 1 && std::strcmp(argv[1], "--prefer-writer") == 0) {
    pthread_rwlockattr_t attr;
    pthread_rwlockattr_init(&attr);
    pthread_rwlockattr_setkind_np(&attr, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
    pthread_rwlock_init(&g_conn_lock, &attr);
    pthread_rwlockattr_destroy(&attr);
  }
  std::string result;
  std::thread rpc([&] {
    pthread_setname_np(pthread_self(), "rpc");
    g_init_done.Wait();
    result = Call("status");
  });
  std::thread init([] {
    pthread_setname_np(pthread_self(), "init");
    Init("tcp://db:5432");
    g_init_done.Pass();
  });
  rpc.join();
  init.join();
  return result == "tcp://db:5432/status#1" ? 0 : 1;
}
