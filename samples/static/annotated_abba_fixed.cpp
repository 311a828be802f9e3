// Fixed twin of annotated_abba.cpp: Close() takes the locks in Record()'s order (stats, then
// connections). TryPoll() goes the other way with a TRY_ACQUIRE, which cannot block: no edge.
//
// RUN: %lockscope static %s -- -std=c++17 | FileCheck %s
// CHECK-NOT: WARNING
// CHECK: SUMMARY: lockscope: no findings
#include "thread_annotations.h"

namespace net {

annotated::Mutex g_conn_mu;
annotated::Mutex g_stats_mu;
int g_open = 0;

void LockConnections() ACQUIRE(g_conn_mu) { g_conn_mu.Lock(); }
void UnlockConnections() RELEASE(g_conn_mu) { g_conn_mu.Unlock(); }

void Record() {
  annotated::MutexLock stats(&g_stats_mu);
  LockConnections();
  ++g_open;
  UnlockConnections();
}

void Close() {
  annotated::MutexLock stats(&g_stats_mu);
  LockConnections();
  --g_open;
  UnlockConnections();
}

bool TryPoll() {
  LockConnections();
  bool got = g_stats_mu.TryLock();
  if (got) {
    ++g_open;
    g_stats_mu.Unlock();
  }
  UnlockConnections();
  return got;
}

}  // namespace net

int main() {
  net::Record();
  net::Close();
  return net::TryPoll() ? 0 : 1;
}
