// N threads alive at once (all wait at one barrier), each then taking one mutex: with
// max_threads below N + 1 some of them get no live-state slot.
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

static pthread_barrier_t g_all_started;
static pthread_mutex_t g_mu = PTHREAD_MUTEX_INITIALIZER;
static long g_counter;

static void* Worker(void* arg) {
  (void)arg;
  pthread_barrier_wait(&g_all_started);
  pthread_mutex_lock(&g_mu);
  ++g_counter;
  pthread_mutex_unlock(&g_mu);
  return NULL;
}

int main(int argc, char** argv) {
  int n = argc > 1 ? atoi(argv[1]) : 8;
  if (n < 1 || n > 256) n = 8;
  pthread_t t[256];
  pthread_barrier_init(&g_all_started, NULL, (unsigned)n);
  for (int i = 0; i < n; ++i) pthread_create(&t[i], NULL, Worker, NULL);
  for (int i = 0; i < n; ++i) pthread_join(t[i], NULL);
  pthread_barrier_destroy(&g_all_started);
  printf("counter %ld\n", g_counter);
  return 0;
}
