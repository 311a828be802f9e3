// The library for dlopen_locks.c: nests its own static mutex inside the caller's.
#include <pthread.h>

static pthread_mutex_t g_lib_mu = PTHREAD_MUTEX_INITIALIZER;
static int g_calls;

int UseLocks(pthread_mutex_t* outer) {
  pthread_mutex_lock(outer);
  pthread_mutex_lock(&g_lib_mu);
  int n = ++g_calls;
  pthread_mutex_unlock(&g_lib_mu);
  pthread_mutex_unlock(outer);
  return n;
}
