// A thread dump of a program that is busy, not deadlocked: the indexer spins forever in
// ScanShard() while it holds g_index_mu, a reader is blocked on that lock, a logger sleeps in
// pause(), and main joins the indexer. Nothing is a deadlock, so nothing is reported as one;
// `lockscope run --timeout` takes a thread dump before its kill (the runtime's answer to the dump
// signal), which shows the spinning thread running with its own stack inside ScanShard, the
// blocked ones with their wait stacks, and the lock holders. Pipes order the setup; no sleep.
//
// RUN: %lockscope run -o %T/trace --timeout 2 -- %t 2>&1 | FileCheck %s
// RUN: %lockscope analyze --format json %T/trace | FileCheck %s --check-prefix=JSON
//
// CHECK: still running after 2 s
// CHECK: lockscope: thread dump 1 (timeout, 4 threads) written to
// CHECK-NOT: WARNING: lockscope: deadlock
// CHECK: Thread dump 1 at +{{[0-9.]+}} s (reason: timeout; pid {{[0-9]+}}):
// CHECK-NEXT: T0 (tid {{[0-9]+}}) blocked since +{{[0-9.]+}} s: joining thread T1
// CHECK-NEXT: #0 main {{.*}}thread_dump_busy.cpp:[[@LINE+56]]
// CHECK: T1 (tid {{[0-9]+}}) running
// CHECK-NEXT: #0 ScanShard(unsigned long) {{.*}}thread_dump_busy.cpp:[[@LINE+21]]
// CHECK: holds g_index_mu, acquired at:
// CHECK-NEXT: #0 Indexer(void*) {{.*}}thread_dump_busy.cpp:[[@LINE+23]]
// CHECK: T2 (tid {{[0-9]+}}) blocked since +{{[0-9.]+}} s: acquiring g_index_mu, held by thread T1
// CHECK-NEXT: #0 Reader(void*) {{.*}}thread_dump_busy.cpp:[[@LINE+30]]
// CHECK: T3 (tid {{[0-9]+}}) running, sleeping in the kernel in pause; not asked for its stack
// CHECK: SUMMARY: lockscope:
//
// JSON: "thread_dumps": [
// JSON: "reason": "timeout",
// JSON: "function": "ScanShard(unsigned long)",
// JSON: "state": "running",
#include <pthread.h>
#include <unistd.h>

pthread_mutex_t g_index_mu = PTHREAD_MUTEX_INITIALIZER;
volatile unsigned long g_hits = 0;
int g_indexing[2];  // the indexer holds g_index_mu
int g_logging[2];   // the logger is about to pause()

__attribute__((noinline)) void ScanShard(unsigned long shard) {
  for (unsigned long i = 0;; ++i) g_hits = g_hits + (i ^ shard);  // busy for good
}

void* Indexer(void*) {
  pthread_mutex_lock(&g_index_mu);
  char c = 1;
  if (write(g_indexing[1], &c, 1) != 1) return nullptr;
  ScanShard(7);
  pthread_mutex_unlock(&g_index_mu);
  return nullptr;
}

void* Reader(void*) {
  pthread_mutex_lock(&g_index_mu);  // blocked: the indexer never lets go
  pthread_mutex_unlock(&g_index_mu);
  return nullptr;
}

void* Logger(void*) {
  char c = 1;
  if (write(g_logging[1], &c, 1) != 1) return nullptr;
  for (;;) pause();
}

int main() {
  if (pipe(g_indexing) != 0 || pipe(g_logging) != 0) return 1;
  pthread_t indexer, reader, logger;
  char c;
  pthread_create(&indexer, nullptr, Indexer, nullptr);
  if (read(g_indexing[0], &c, 1) != 1) return 1;
  pthread_create(&reader, nullptr, Reader, nullptr);
  pthread_create(&logger, nullptr, Logger, nullptr);
  if (read(g_logging[0], &c, 1) != 1) return 1;
  pthread_join(indexer, nullptr);
  return 0;
}
