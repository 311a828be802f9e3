// Fixed twin of stats_under_local_lock.cpp: the reset takes the server's mutex. A report helper
// still bumps its own counter under a function-local mutex; such a lock guards nothing another
// thread does, so it is no evidence of a guard: not reported, and --verbose says why.
//
// RUN: %lockscope static --verbose %s -- -std=c++17 | FileCheck %s
// CHECK-NOT: WARNING
// CHECK: [local-lock] data-race on {{.*}}scratch: g_reports is written under PrintReport::scratch
// CHECK-SAME: is a local variable of PrintReport: it guards nothing other threads do
// CHECK: SUMMARY: lockscope: no findings
#include <cstdio>
#include <mutex>
#include <thread>
#include <vector>

std::mutex g_server_mu;
long g_requests = 0;
long g_reports = 0;

void Serve(int n) {
  for (int i = 0; i < n; ++i) {
    std::lock_guard<std::mutex> lock(g_server_mu);
    ++g_requests;
  }
}

void ResetStats() {
  std::lock_guard<std::mutex> lock(g_server_mu);
  g_requests = 0;
}

void PrintReport() {
  std::mutex scratch;  // a leftover: no other thread can take it
  std::lock_guard<std::mutex> lock(scratch);
  ++g_reports;
}

int main() {
  std::vector<std::thread> workers;
  for (int i = 0; i < 2; ++i) workers.emplace_back(Serve, 1000);
  ResetStats();
  for (std::thread& t : workers) t.join();
  PrintReport();
  std::printf("reports %ld\n", g_reports);
  return 0;
}
