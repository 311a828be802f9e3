// lock_loop — micro-workloads for the overhead benchmark (bench/run.sh runs each natively and under
// liblockscope.so in the same run and prints the ratio). Prints one line: "<workload> <ns/op>".
//
// Usage: lock_loop WORKLOAD [ITERATIONS]
//   mutex1    uncontended std::mutex lock/unlock, 1 thread
//   mutex2    contended std::mutex lock/unlock, 2 threads
//   rwread1   pthread_rwlock rdlock/unlock, 1 thread
//   nested1   two nested mutexes (a held-lock set of 1 at each inner acquire), 1 thread
#include <pthread.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <thread>
#include <vector>

namespace {

std::mutex g_mu;
std::mutex g_inner;
pthread_rwlock_t g_rw = PTHREAD_RWLOCK_INITIALIZER;
volatile long g_sink = 0;

void MutexLoop(long n) {
  for (long i = 0; i < n; ++i) {
    g_mu.lock();
    g_sink = g_sink + 1;
    g_mu.unlock();
  }
}

void RwReadLoop(long n) {
  for (long i = 0; i < n; ++i) {
    pthread_rwlock_rdlock(&g_rw);
    g_sink = g_sink + 1;
    pthread_rwlock_unlock(&g_rw);
  }
}

void NestedLoop(long n) {
  for (long i = 0; i < n; ++i) {
    std::lock_guard<std::mutex> outer(g_mu);
    std::lock_guard<std::mutex> inner(g_inner);
    g_sink = g_sink + 1;
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: %s mutex1|mutex2|rwread1|nested1 [iterations]\n", argv[0]);
    return 2;
  }
  const char* w = argv[1];
  long n = argc > 2 ? atol(argv[2]) : 20000000;
  auto start = std::chrono::steady_clock::now();
  long ops = n;
  if (!strcmp(w, "mutex1")) {
    MutexLoop(n);
  } else if (!strcmp(w, "mutex2")) {
    std::thread a(MutexLoop, n / 2), b(MutexLoop, n / 2);
    a.join();
    b.join();
  } else if (!strcmp(w, "rwread1")) {
    RwReadLoop(n);
  } else if (!strcmp(w, "nested1")) {
    NestedLoop(n);
  } else {
    fprintf(stderr, "unknown workload %s\n", w);
    return 2;
  }
  double ns = std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - start)
                  .count();
  printf("%s %.2f\n", w, ns / ops);
  return 0;
}
