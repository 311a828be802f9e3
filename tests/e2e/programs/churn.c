// A request handler that makes a fresh object with its own mutex per request (C style: init +
// destroy), locks it under a table lock, and frees it: the lock churn of a busy C server, where
// every request's mutex is a new lock instance from one init site (new_obj).
// Usage: churn [requests] [abba]. With "abba", the first two objects (traced instances of that
// site) are locked in both orders by two threads, serialized by a pipe so it never hangs.
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct obj {
  pthread_mutex_t mu;
  long v;
};

static struct obj* new_obj(void) {
  struct obj* o = malloc(sizeof *o);
  pthread_mutex_init(&o->mu, NULL);  // the init site
  o->v = 0;
  return o;
}

static void free_obj(struct obj* o) {
  pthread_mutex_destroy(&o->mu);
  free(o);
}

static struct obj* g_a;
static struct obj* g_b;
static int g_baton[2];

static void* first(void* arg) {
  (void)arg;
  pthread_mutex_lock(&g_a->mu);
  pthread_mutex_lock(&g_b->mu);  // a then b
  g_b->v += g_a->v;
  pthread_mutex_unlock(&g_b->mu);
  pthread_mutex_unlock(&g_a->mu);
  char c = 1;
  if (write(g_baton[1], &c, 1) != 1) abort();
  return NULL;
}

static void* second(void* arg) {
  (void)arg;
  char c;
  if (read(g_baton[0], &c, 1) != 1) abort();
  pthread_mutex_lock(&g_b->mu);
  pthread_mutex_lock(&g_a->mu);  // b then a: AB-BA with first()
  g_a->v += g_b->v;
  pthread_mutex_unlock(&g_a->mu);
  pthread_mutex_unlock(&g_b->mu);
  return NULL;
}

int main(int argc, char** argv) {
  long n = argc > 1 ? atol(argv[1]) : 1000000;
  int abba = argc > 2 && strcmp(argv[2], "abba") == 0;
  static pthread_mutex_t table = PTHREAD_MUTEX_INITIALIZER;
  if (abba) {
    g_a = new_obj();
    g_b = new_obj();
    if (pipe(g_baton) != 0) return 2;
    pthread_t t1, t2;
    pthread_create(&t1, NULL, first, NULL);
    pthread_create(&t2, NULL, second, NULL);
    pthread_join(t1, NULL);
    pthread_join(t2, NULL);
  }
  for (long i = 0; i < n; ++i) {
    struct obj* o = new_obj();
    pthread_mutex_lock(&table);
    pthread_mutex_lock(&o->mu);
    o->v = i;
    pthread_mutex_unlock(&o->mu);
    pthread_mutex_unlock(&table);
    free_obj(o);
  }
  if (abba) {
    free_obj(g_a);
    free_obj(g_b);
  }
  printf("%ld requests\n", n);
  return 0;
}
