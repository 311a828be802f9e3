// False-positive filter "happens-before": a setup thread takes g_a_mu then g_b_mu and is joined;
// only then is the worker created, which takes them in the opposite order. Thread create/join
// orders the two critical sections, so they never overlap and cannot deadlock.
//
// RUN: %lockscope run -o %T/trace -- %t 2>&1 | FileCheck %s
// RUN: %lockscope analyze --verbose %T/trace 2>&1 | FileCheck %s --check-prefix=VERBOSE
//
// CHECK-NOT: WARNING
// CHECK: SUMMARY: lockscope: no findings
// VERBOSE-NOT: WARNING
// VERBOSE: [happens-before] lock-order-cycle on g_{{a|b}}_mu, g_{{a|b}}_mu
// VERBOSE-SAME: (ordered by thread create/join), so they never overlap
#include <mutex>
#include <thread>

std::mutex g_a_mu;
std::mutex g_b_mu;
int g_value = 0;

int main() {
  std::thread setup([] {
    std::lock_guard<std::mutex> a(g_a_mu);
    std::lock_guard<std::mutex> b(g_b_mu);
    g_value = 1;
  });
  setup.join();  // everything setup did happens before the worker exists
  std::thread worker([] {
    std::lock_guard<std::mutex> b(g_b_mu);
    std::lock_guard<std::mutex> a(g_a_mu);  // inverted, but ordered by create/join
    g_value *= 2;
  });
  worker.join();
  return g_value == 2 ? 0 : 1;
}
