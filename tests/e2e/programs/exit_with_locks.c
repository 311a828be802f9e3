// exit() from one thread while two others hold locks (and are blocked holding them).
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static pthread_mutex_t g_a = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t g_b = PTHREAD_MUTEX_INITIALIZER;
static pthread_barrier_t g_ready;
static int g_pipe[2];

static void* Hold(void* mu) {
  char c;
  pthread_mutex_lock(mu);
  pthread_barrier_wait(&g_ready);
  if (read(g_pipe[0], &c, 1) < 0) return NULL;  // never returns: nothing is written
  return NULL;
}

static void* Exiter(void* arg) {
  (void)arg;
  pthread_barrier_wait(&g_ready);
  printf("exiting with locks held\n");
  exit(4);
}

int main(void) {
  if (pipe(g_pipe) != 0) return 1;
  pthread_barrier_init(&g_ready, NULL, 3);
  pthread_t a, b, e;
  pthread_create(&a, NULL, Hold, &g_a);
  pthread_create(&b, NULL, Hold, &g_b);
  pthread_create(&e, NULL, Exiter, NULL);
  pthread_join(e, NULL);  // never returns: the exiter ends the process
  return 0;
}
