// pthread_cancel of a thread waiting on a condvar (cleanup handler unlocks) and of a thread
// blocked in read() while holding two locks; pthread_exit vs return.
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

static pthread_mutex_t g_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t g_a = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t g_b = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t g_cv = PTHREAD_COND_INITIALIZER;
static int g_waiting, g_holding;
static int g_pipe[2];

static void Unlock(void* mu) { pthread_mutex_unlock(mu); }

static void* CondWaiter(void* arg) {
  (void)arg;
  pthread_mutex_lock(&g_mu);
  pthread_cleanup_push(Unlock, &g_mu);
  g_waiting = 1;
  pthread_cond_broadcast(&g_cv);
  for (;;) pthread_cond_wait(&g_cv, &g_mu);  // only cancellation ends this
  pthread_cleanup_pop(1);
  return NULL;
}

static void* Holder(void* arg) {
  (void)arg;
  char c;
  pthread_mutex_lock(&g_a);
  pthread_mutex_lock(&g_b);
  pthread_mutex_lock(&g_mu);
  g_holding = 1;
  pthread_cond_broadcast(&g_cv);
  pthread_mutex_unlock(&g_mu);
  if (read(g_pipe[0], &c, 1) < 0) return NULL;  // a cancellation point; nothing is written
  return NULL;
}

static void* Exits(void* arg) { pthread_exit(arg); }
static void* Returns(void* arg) { return arg; }

int main(void) {
  if (pipe(g_pipe) != 0) return 1;
  pthread_t w, h, e, r;
  void* res;
  pthread_create(&w, NULL, CondWaiter, NULL);
  pthread_create(&h, NULL, Holder, NULL);
  pthread_mutex_lock(&g_mu);
  while (!g_waiting || !g_holding) pthread_cond_wait(&g_cv, &g_mu);
  pthread_mutex_unlock(&g_mu);
  pthread_cancel(w);
  pthread_join(w, &res);
  printf("cond waiter cancelled: %s\n", res == PTHREAD_CANCELED ? "yes" : "no");
  pthread_cancel(h);
  pthread_join(h, &res);
  printf("lock holder cancelled: %s, a still locked: %s\n", res == PTHREAD_CANCELED ? "yes" : "no",
         pthread_mutex_trylock(&g_a) != 0 ? "yes" : "no");
  pthread_create(&e, NULL, Exits, (void*)7);
  pthread_create(&r, NULL, Returns, (void*)8);
  pthread_join(e, &res);
  printf("pthread_exit value %ld\n", (long)res);
  pthread_join(r, &res);
  printf("return value %ld\n", (long)res);
  return 0;
}
