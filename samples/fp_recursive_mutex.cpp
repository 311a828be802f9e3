// False-positive filter "reentrant": a std::recursive_mutex guards a registry; Add() holds it and
// takes g_log_mu, and Log() (called with g_log_mu held) re-locks the registry mutex, which this
// thread already owns. A re-lock by the owner never waits, so it orders nothing: there is no
// g_log_mu => g_registry_mu dependency. A naive detector records one and reports a cycle with the
// other thread's g_registry_mu => g_log_mu.
//
// RUN: %lockscope run -o %T/trace -- %t 2>&1 | FileCheck %s
// RUN: %lockscope analyze --verbose %T/trace 2>&1 | FileCheck %s --check-prefix=VERBOSE
//
// CHECK-NOT: WARNING
// CHECK: SUMMARY: lockscope: no findings
// VERBOSE-NOT: WARNING
// VERBOSE: [reentrant] lock-order-cycle on g_registry_mu, g_log_mu
// VERBOSE-SAME: already held g_registry_mu
#include <mutex>
#include <thread>
#include <vector>

#include "sample_util.h"

std::recursive_mutex g_registry_mu;
std::mutex g_log_mu;
std::vector<int> g_registry;
int g_log_lines = 0;
Baton g_first_done;

size_t Size() {
  std::lock_guard<std::recursive_mutex> registry(g_registry_mu);  // re-lock by the owner
  return g_registry.size();
}

void Add(int v) {
  std::lock_guard<std::recursive_mutex> registry(g_registry_mu);
  g_registry.push_back(v);
  std::lock_guard<std::mutex> log(g_log_mu);
  g_log_lines += static_cast<int>(Size());
}

void Audit() {
  std::lock_guard<std::recursive_mutex> registry(g_registry_mu);
  std::lock_guard<std::mutex> log(g_log_mu);
  ++g_log_lines;
}

int main() {
  std::thread t1([] {
    Add(1);
    g_first_done.Pass();
  });
  std::thread t2([] {
    g_first_done.Wait();
    Audit();
  });
  t1.join();
  t2.join();
  return g_log_lines == 2 ? 0 : 1;
}
