// No hard limit on locks held at once (ThreadSanitizer aborts at 64): one thread holds 1 000
// mutexes at the same time (a batch update that locks every row in index order), then another
// thread takes the last and the first row in the opposite order. lockscope keeps all 1 000 in the
// held set, and the analyzer finds the one inversion between row 999 and row 0 (the rows in
// between are taken in one order everywhere). Serialized with a Baton.
//
// RUN: %lockscope run -o %T/trace -- %t 2>&1 | FileCheck %s
// RUN: %lockscope dump %T/trace/*.lstrace | grep -o 'held=\[[^]]*\]' | awk -F'),' '{print NF}' | sort -n | tail -1 | FileCheck %s --check-prefix=HELD
//
// CHECK: WARNING: lockscope: lock-order-inversion (potential deadlock)
// CHECK: Cycle in lock order graph: M{{[0-9]+}} ({{.*}}) => M{{[0-9]+}} ({{.*}}) => M{{[0-9]+}}
// CHECK: SUMMARY: lockscope: 1 lock-order-inversion, 0 other findings
// The acquisition of the 1 000th row carries all 999 rows held before it (the longest held set
// in the dump has 999 entries):
// HELD: {{^}}999{{$}}
#include <pthread.h>

#include <cstdio>
#include <thread>
#include <vector>

#include "sample_util.h"

constexpr int kRows = 1000;
std::vector<pthread_mutex_t> g_rows(kRows);
long g_updates = 0;
Baton g_batch_done;

void BatchUpdate() {
  for (pthread_mutex_t& row : g_rows) pthread_mutex_lock(&row);  // all 1 000 held at once
  g_updates += kRows;
  for (auto it = g_rows.rbegin(); it != g_rows.rend(); ++it) pthread_mutex_unlock(&*it);
}

void FixUp() {
  pthread_mutex_lock(&g_rows[kRows - 1]);
  pthread_mutex_lock(&g_rows[0]);  // against the batch's order: row 0 after row 999
  g_updates += 1;
  pthread_mutex_unlock(&g_rows[0]);
  pthread_mutex_unlock(&g_rows[kRows - 1]);
}

int main() {
  for (pthread_mutex_t& row : g_rows) pthread_mutex_init(&row, nullptr);
  std::thread batch([] {
    BatchUpdate();
    g_batch_done.Pass();
  });
  std::thread fix([] {
    g_batch_done.Wait();
    FixUp();
  });
  batch.join();
  fix.join();
  std::printf("updates=%ld\n", g_updates);
  return g_updates == kRows + 1 ? 0 : 1;
}
