// A request counter bumped under the server's mutex by the worker threads, and reset by an admin
// call that locks a *different* mutex (a leftover scratch lock of its own): the reset is not
// serialized with the workers — a data race. (Its fixed twin shows a function-local mutex, which
// can guard nothing another thread does, is not taken as what guards the counter.)
//
// RUN: %lockscope static %s -- -std=c++17 | FileCheck %s
// CHECK: data-race
// CHECK-SAME: unguarded-access
// CHECK: g_requests is written under g_server_mu
// CHECK: stats_under_local_lock.cpp:[[@LINE+20]]
// CHECK: SUMMARY: lockscope: 0 lock-order-inversions, 1 other finding
#include <mutex>
#include <thread>
#include <vector>

std::mutex g_server_mu;
long g_requests = 0;

void Serve(int n) {
  for (int i = 0; i < n; ++i) {
    std::lock_guard<std::mutex> lock(g_server_mu);
    ++g_requests;
  }
}

void ResetStats() {
  std::mutex scratch;  // guards nothing: no other thread can take it
  std::lock_guard<std::mutex> lock(scratch);
  (void)lock;
  g_requests = 0;
}

int main() {
  std::vector<std::thread> workers;
  for (int i = 0; i < 2; ++i) workers.emplace_back(Serve, 1000);
  ResetStats();
  for (std::thread& t : workers) t.join();
  return g_requests >= 0 ? 0 : 1;
}
