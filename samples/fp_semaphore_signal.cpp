// False-positive filter "semaphore-signal": a one-slot buffer guarded by g_buf_mu, with the classic
// pair of semaphores — g_slot_free starts at 1 (so it looks like a binary semaphore, i.e. a lock)
// and g_slot_full at 0. The producer waits on g_slot_free and never posts it; the consumer posts it
// without ever waiting on it. g_slot_free hands a token between threads: it signals, it does not
// lock. A detector that takes every sem_wait … for an acquisition reports the producer "exiting
// while holding" g_slot_free and orders it before g_buf_mu; lockscope says why it does not.
//
// RUN: %lockscope run -o %T/trace -- %t 2>&1 | FileCheck %s
// RUN: %lockscope analyze --verbose %T/trace 2>&1 | FileCheck %s --check-prefix=VERBOSE
// RUN: %lockscope analyze --format json %T/trace | FileCheck %s --check-prefix=JSON
//
// CHECK-NOT: WARNING
// CHECK: SUMMARY: lockscope: no findings
// VERBOSE-NOT: WARNING
// VERBOSE: [semaphore-signal] api-misuse on g_slot_free
// VERBOSE-SAME: a semaphore that thread T{{[0-9]+}} posted without having waited on it
// JSON: "suppressed"
// JSON: "reason_id": "semaphore-signal"
#include <semaphore.h>

#include <mutex>
#include <thread>

sem_t g_slot_free;  // 1: the slot is empty
sem_t g_slot_full;  // 0: nothing to take yet
std::mutex g_buf_mu;
int g_slot = 0;
long g_sum = 0;

int main() {
  sem_init(&g_slot_free, 0, 1);
  sem_init(&g_slot_full, 0, 0);
  std::thread producer([] {
    for (int i = 1; i <= 100; ++i) {
      sem_wait(&g_slot_free);
      {
        std::lock_guard<std::mutex> g(g_buf_mu);
        g_slot = i;
      }
      sem_post(&g_slot_full);
    }
  });
  std::thread consumer([] {
    for (int i = 1; i <= 100; ++i) {
      sem_wait(&g_slot_full);
      {
        std::lock_guard<std::mutex> g(g_buf_mu);
        g_sum += g_slot;
      }
      sem_post(&g_slot_free);
    }
  });
  producer.join();
  consumer.join();
  sem_destroy(&g_slot_free);
  sem_destroy(&g_slot_full);
  std::printf("sum=%ld\n", g_sum);
  return g_sum == 5050 ? 0 : 1;
}
