// Fixed twin of rwlock_nested_read_init.cpp: the nested helper is SerializeLocked(), which assumes
// the caller holds the read lock and does not take it again. Init still write-locks concurrently;
// with no second read lock there is nothing for a queued writer to block.
//
// RUN: %lockscope run -o %T/trace -- %t 2>&1 | FileCheck %s
// RUN: %lockscope run -o %T/trace2 --verbose -- %t --prefer-writer 2>&1 | FileCheck %s
//
// CHECK-NOT: WARNING
// CHECK-NOT: recursive-read
// CHECK: SUMMARY: lockscope: no findings
#include <pthread.h>

#include <cstring>
#include <string>
#include <thread>

#include "sample_util.h"

pthread_rwlock_t g_conn_lock = PTHREAD_RWLOCK_INITIALIZER;
std::string g_endpoint;
int g_generation = 0;
Baton g_init_done;

// Requires: g_conn_lock held (shared or exclusive) by the caller.
std::string SerializeLocked(const std::string& method) {
  return g_endpoint + "/" + method + "#" + std::to_string(g_generation);
}

std::string Call(const std::string& method) {
  pthread_rwlock_rdlock(&g_conn_lock);
  std::string request = SerializeLocked(method);
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
