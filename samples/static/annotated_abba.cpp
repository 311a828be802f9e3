// Lock order through annotated wrappers: ACQUIRE/RELEASE functions and a SCOPED_CAPABILITY guard
// over a CAPABILITY("mutex") class are lock operations on the capability they name, so the
// inversion between Record() and Close() is found with the locks named as declared.
//
// RUN: %lockscope static %s -- -std=c++17 | FileCheck %s
// CHECK: lock-order-inversion
// CHECK: Cycle in lock order graph: M0 (net::g_conn_mu) => M1 (net::g_stats_mu) => M0
// CHECK-DAG: annotated_abba.cpp:[[@LINE+17]]
// CHECK-DAG: annotated_abba.cpp:[[@LINE+25]]
// CHECK: SUMMARY: lockscope: 1 lock-order-inversion, 0 other findings
#include "thread_annotations.h"

namespace net {

annotated::Mutex g_conn_mu;
annotated::Mutex g_stats_mu;
int g_open = 0;

void LockConnections() ACQUIRE(g_conn_mu) { g_conn_mu.Lock(); }
void UnlockConnections() RELEASE(g_conn_mu) { g_conn_mu.Unlock(); }

// A stats pass that peeks at the connections: stats, then connections.
void Record() {
  annotated::MutexLock stats(&g_stats_mu);
  LockConnections();  // should report: g_conn_mu while holding g_stats_mu
  ++g_open;
  UnlockConnections();
}

// Closing: connections, then stats (inverted).
void Close() {
  LockConnections();
  {
    annotated::MutexLock stats(&g_stats_mu);  // should report: g_stats_mu while holding g_conn_mu
    --g_open;
  }
  UnlockConnections();
}

}  // namespace net

int main() {
  net::Record();
  net::Close();
  return 0;
}
