// 1 000 000 mutexes created, locked and destroyed at a handful of reused heap addresses (and a
// stack one), ending with an AB-BA pair that lives at addresses used before: a new lock at an
// old address must be a new lock. Usage: million_mutexes [rounds] (default 1 000 000).
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char** argv) {
  long rounds = argc > 1 ? atol(argv[1]) : 1000000;
  long ok = 0;
  for (long i = 0; i < rounds; ++i) {
    pthread_mutex_t* mu = malloc(sizeof *mu);
    pthread_mutex_init(mu, NULL);
    ok += pthread_mutex_lock(mu) == 0;
    pthread_mutex_unlock(mu);
    pthread_mutex_destroy(mu);
    free(mu);
  }
  pthread_mutex_t* a = malloc(sizeof *a);
  pthread_mutex_t* b = malloc(sizeof *b);
  pthread_mutex_init(a, NULL);
  pthread_mutex_init(b, NULL);
  pthread_mutex_lock(a);
  pthread_mutex_lock(b);
  pthread_mutex_unlock(b);
  pthread_mutex_unlock(a);
  printf("locked %ld mutexes\n", ok);
  free(a);
  free(b);
  return 0;
}
