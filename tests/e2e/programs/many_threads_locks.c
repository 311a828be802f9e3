// 10 000 short-lived threads (100 at a time), then 1 000 locks held at once by one thread.
#include <pthread.h>
#include <stdio.h>

enum { kThreads = 10000, kBatch = 100, kHeld = 1000 };
static pthread_mutex_t g_mu = PTHREAD_MUTEX_INITIALIZER;
static long g_counter;
static pthread_mutex_t g_many[kHeld];

static void* Bump(void* arg) {
  (void)arg;
  pthread_mutex_lock(&g_mu);
  ++g_counter;
  pthread_mutex_unlock(&g_mu);
  return NULL;
}

int main(void) {
  pthread_t t[kBatch];
  for (int done = 0; done < kThreads; done += kBatch) {
    for (int i = 0; i < kBatch; ++i) pthread_create(&t[i], NULL, Bump, NULL);
    for (int i = 0; i < kBatch; ++i) pthread_join(t[i], NULL);
  }
  printf("threads %ld\n", g_counter);
  for (int i = 0; i < kHeld; ++i) pthread_mutex_init(&g_many[i], NULL);
  int locked = 0;
  for (int i = 0; i < kHeld; ++i) locked += pthread_mutex_lock(&g_many[i]) == 0;
  for (int i = kHeld - 1; i >= 0; --i) pthread_mutex_unlock(&g_many[i]);
  for (int i = 0; i < kHeld; ++i) pthread_mutex_destroy(&g_many[i]);
  printf("held at once %d\n", locked);
  return 0;
}
