// False-positive filter "gate-lock": two threads take g_left_mu and g_right_mu in opposite orders,
// but always while holding g_table_mu. The common outer lock serializes the two inner sections,
// so the inversion can never deadlock; a naive lock-order detector reports it anyway.
//
// RUN: %lockscope run -o %T/trace -- %t 2>&1 | FileCheck %s
// RUN: %lockscope analyze --verbose %T/trace 2>&1 | FileCheck %s --check-prefix=VERBOSE
// RUN: %lockscope analyze --format json %T/trace | FileCheck %s --check-prefix=JSON
//
// CHECK-NOT: WARNING
// CHECK: SUMMARY: lockscope: no findings
// VERBOSE-NOT: WARNING
// VERBOSE: [gate-lock] lock-order-cycle on g_{{left|right}}_mu, g_{{left|right}}_mu
// VERBOSE-SAME: every acquisition in the cycle happens while holding g_table_mu
// JSON: "reason_id": "gate-lock"
#include <mutex>
#include <thread>

#include "sample_util.h"

std::mutex g_table_mu;  // the gate
std::mutex g_left_mu;
std::mutex g_right_mu;
int g_moves = 0;
Baton g_first_done;

void MoveLeftToRight() {
  std::lock_guard<std::mutex> table(g_table_mu);
  std::lock_guard<std::mutex> left(g_left_mu);
  std::lock_guard<std::mutex> right(g_right_mu);
  ++g_moves;
}

void MoveRightToLeft() {
  std::lock_guard<std::mutex> table(g_table_mu);
  std::lock_guard<std::mutex> right(g_right_mu);
  std::lock_guard<std::mutex> left(g_left_mu);  // inverted, but under the gate
  ++g_moves;
}

int main() {
  std::thread t1([] {
    MoveLeftToRight();
    g_first_done.Pass();
  });
  std::thread t2([] {
    g_first_done.Wait();
    MoveRightToLeft();
  });
  t1.join();
  t2.join();
  return g_moves == 2 ? 0 : 1;
}
