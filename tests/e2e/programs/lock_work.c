// Plain lock-heavy work in 4 threads: for the allocator, sanitizer, fault and SIGKILL cases.
// Usage: lock_work [iterations per thread]
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

enum { kThreads = 4 };
static pthread_mutex_t g_a = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t g_b = PTHREAD_MUTEX_INITIALIZER;
static long g_iters = 20000;
static long g_counter;

static void* Work(void* arg) {
  (void)arg;
  for (long i = 0; i < g_iters; ++i) {
    char* p = malloc(64 + i % 256);  // keep the allocator busy alongside the locks
    pthread_mutex_lock(&g_a);
    pthread_mutex_lock(&g_b);
    ++g_counter;
    pthread_mutex_unlock(&g_b);
    pthread_mutex_unlock(&g_a);
    free(p);
  }
  return NULL;
}

int main(int argc, char** argv) {
  if (argc > 1) g_iters = atol(argv[1]);
  pthread_t t[kThreads];
  for (int i = 0; i < kThreads; ++i) pthread_create(&t[i], NULL, Work, NULL);
  for (int i = 0; i < kThreads; ++i) pthread_join(t[i], NULL);
  printf("counter %ld\n", g_counter);
  return 0;
}
