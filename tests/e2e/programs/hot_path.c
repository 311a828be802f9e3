// Scenarios for the runtime's hot path (runtime/hot_path.h): every acquisition after the first
// one from a site repeats a known dependency and takes the hot path; test_hot_path.py checks that
// the trace is what the general path alone would have written.
// Usage: hot_path SCENARIO   (prints nothing; exit 0 unless a pthread call misbehaves)
//   repeat     lock/unlock A 1000 times
//   nested     A then B, 1000 times
//   sites      A from two call sites, 100 times each
//   reinit     A 100 times, destroy + init, A 100 times
//   order      thread 1: A then B 1000 times, then passes a pipe baton to thread 2: B then A
//   recursive  recursive R locked twice and unlocked twice, 100 times
//   relock     errorcheck E 10 times, then locked twice (EDEADLK)
//   notowner   errorcheck E held by a thread (after 10 hot rounds) unlocked by main (EPERM)
//   rwlock     rdlock/unlock 1000 times, wrlock/unlock 1000 times
//   contended  two threads, 100000 lock/unlock pairs each on one mutex
//   deep       40 locks nested in one order, 100 times: the hot path ends at depth 32
//              (ThreadState::kHotMaxHeld), the rest go through the general path
//   hang       a thread takes A 100 times, then holds A and blocks on B held by main (hangs)
//   hanghot    a thread takes B under A 100 times, then blocks on B (held by main) from the same
//              call site under A: a busy lock on the hot path (hangs)
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static pthread_mutex_t g_a = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t g_b = PTHREAD_MUTEX_INITIALIZER;
static pthread_rwlock_t g_rw = PTHREAD_RWLOCK_INITIALIZER;
static pthread_mutex_t g_e;
static pthread_barrier_t g_bar;
static volatile long g_sink;
static int g_baton[2];  // a pipe: serializes the two orders without happens-before for lockscope

static void Check(int rc, int want, const char* what) {
  if (rc != want) {
    fprintf(stderr, "%s: %s (want %s)\n", what, strerror(rc), strerror(want));
    exit(1);
  }
}

__attribute__((noinline)) static void Site1(void) {
  Check(pthread_mutex_lock(&g_a), 0, "site1");
  ++g_sink;
  Check(pthread_mutex_unlock(&g_a), 0, "site1 unlock");
}

__attribute__((noinline)) static void Site2(void) {
  Check(pthread_mutex_lock(&g_a), 0, "site2");
  ++g_sink;
  Check(pthread_mutex_unlock(&g_a), 0, "site2 unlock");
}

static void Nested(pthread_mutex_t* outer, pthread_mutex_t* inner, int n) {
  for (int i = 0; i < n; ++i) {
    Check(pthread_mutex_lock(outer), 0, "outer");
    Check(pthread_mutex_lock(inner), 0, "inner");
    ++g_sink;
    Check(pthread_mutex_unlock(inner), 0, "inner unlock");
    Check(pthread_mutex_unlock(outer), 0, "outer unlock");
  }
}

static void* OrderAB(void* arg) {
  (void)arg;
  Nested(&g_a, &g_b, 1000);
  if (write(g_baton[1], "x", 1) != 1) exit(1);
  return NULL;
}

static void* OrderBA(void* arg) {
  (void)arg;
  char c;
  if (read(g_baton[0], &c, 1) != 1) exit(1);
  Nested(&g_b, &g_a, 1);
  return NULL;
}

static void* Hammer(void* arg) {
  (void)arg;
  for (int i = 0; i < 100000; ++i) {
    Check(pthread_mutex_lock(&g_a), 0, "hammer");
    ++g_sink;
    Check(pthread_mutex_unlock(&g_a), 0, "hammer unlock");
  }
  return NULL;
}

static void* HoldE(void* arg) {
  (void)arg;
  for (int i = 0; i < 10; ++i) {
    Check(pthread_mutex_lock(&g_e), 0, "holder");
    Check(pthread_mutex_unlock(&g_e), 0, "holder unlock");
  }
  Check(pthread_mutex_lock(&g_e), 0, "holder");
  pthread_barrier_wait(&g_bar);  // main unlocks now (EPERM)
  pthread_barrier_wait(&g_bar);
  Check(pthread_mutex_unlock(&g_e), 0, "holder unlock");
  return NULL;
}

static void* HangOnB(void* arg) {
  (void)arg;
  for (int i = 0; i < 100; ++i) {
    Check(pthread_mutex_lock(&g_a), 0, "hang warm-up");
    Check(pthread_mutex_unlock(&g_a), 0, "hang warm-up unlock");
  }
  Check(pthread_mutex_lock(&g_a), 0, "hang a");
  pthread_barrier_wait(&g_bar);
  pthread_mutex_lock(&g_b);  // held by main forever
  return NULL;
}

// As HangOnB, with a condition-variable wait after each warm-up lock: the wait gives the held
// entry of g_a its own call site, and the next lock from the loop's call site (on the hot path)
// must give it back that site's stack, also in the slot.
static void* HangOnBAfterWaits(void* arg) {
  (void)arg;
  static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
  const struct timespec past = {0, 0};  // already expired: each wait returns ETIMEDOUT at once
  for (int i = 0;; ++i) {
    Check(pthread_mutex_lock(&g_a), 0, "hangcond a");  // one call site for all of them
    if (i == 100) break;
    Check(pthread_cond_timedwait(&cv, &g_a, &past), ETIMEDOUT, "hangcond wait");
    Check(pthread_mutex_unlock(&g_a), 0, "hangcond unlock");
  }
  pthread_barrier_wait(&g_bar);
  pthread_mutex_lock(&g_b);  // held by main forever
  return NULL;
}

// The last lock of B repeats a known acquisition (B under A, from the same call site), so it blocks
// on the hot path (HotFail), not the general path.
static void* HangOnHotB(void* arg) {
  (void)arg;
  for (int i = 0;; ++i) {
    Check(pthread_mutex_lock(&g_a), 0, "hanghot a");
    if (i == 100) {  // main takes B in between
      pthread_barrier_wait(&g_bar);
      pthread_barrier_wait(&g_bar);
    }
    Check(pthread_mutex_lock(&g_b), 0, "hanghot b");  // the last one: held by main forever
    Check(pthread_mutex_unlock(&g_b), 0, "hanghot unlock b");
    Check(pthread_mutex_unlock(&g_a), 0, "hanghot unlock a");
  }
  return NULL;
}

static void InitErrorCheck(void) {
  pthread_mutexattr_t at;
  pthread_mutexattr_init(&at);
  pthread_mutexattr_settype(&at, PTHREAD_MUTEX_ERRORCHECK);
  pthread_mutex_init(&g_e, &at);
  pthread_mutexattr_destroy(&at);
}

int main(int argc, char** argv) {
  const char* s = argc > 1 ? argv[1] : "";
  pthread_t t1, t2;
  if (!strcmp(s, "repeat")) {
    for (int i = 0; i < 1000; ++i) {
      Check(pthread_mutex_lock(&g_a), 0, "lock");
      Check(pthread_mutex_unlock(&g_a), 0, "unlock");
    }
  } else if (!strcmp(s, "nested")) {
    Nested(&g_a, &g_b, 1000);
  } else if (!strcmp(s, "sites")) {
    for (int i = 0; i < 100; ++i) Site1(), Site2();
  } else if (!strcmp(s, "reinit")) {
    pthread_mutex_t m;
    pthread_mutex_init(&m, NULL);
    for (int round = 0; round < 2; ++round) {
      for (int i = 0; i < 100; ++i) {
        Check(pthread_mutex_lock(&m), 0, "reinit lock");
        Check(pthread_mutex_unlock(&m), 0, "reinit unlock");
      }
      pthread_mutex_destroy(&m);
      pthread_mutex_init(&m, NULL);
    }
    pthread_mutex_destroy(&m);
  } else if (!strcmp(s, "order")) {
    if (pipe(g_baton) != 0) return 1;
    pthread_create(&t1, NULL, OrderAB, NULL);
    pthread_create(&t2, NULL, OrderBA, NULL);
    pthread_join(t1, NULL);
    pthread_join(t2, NULL);
  } else if (!strcmp(s, "recursive")) {
    pthread_mutexattr_t at;
    pthread_mutex_t r;
    pthread_mutexattr_init(&at);
    pthread_mutexattr_settype(&at, PTHREAD_MUTEX_RECURSIVE);
    pthread_mutex_init(&r, &at);
    for (int i = 0; i < 100; ++i) {
      Check(pthread_mutex_lock(&r), 0, "recursive 1");
      Check(pthread_mutex_lock(&r), 0, "recursive 2");
      Check(pthread_mutex_unlock(&r), 0, "recursive unlock 2");
      Check(pthread_mutex_unlock(&r), 0, "recursive unlock 1");
    }
  } else if (!strcmp(s, "relock")) {
    InitErrorCheck();
    for (int i = 0; i < 10; ++i) {
      Check(pthread_mutex_lock(&g_e), 0, "relock warm-up");
      Check(pthread_mutex_unlock(&g_e), 0, "relock warm-up unlock");
    }
    Check(pthread_mutex_lock(&g_e), 0, "relock first");
    Check(pthread_mutex_lock(&g_e), EDEADLK, "relock second");
    Check(pthread_mutex_unlock(&g_e), 0, "relock unlock");
  } else if (!strcmp(s, "notowner")) {
    InitErrorCheck();
    pthread_barrier_init(&g_bar, NULL, 2);
    pthread_create(&t1, NULL, HoldE, NULL);
    pthread_barrier_wait(&g_bar);
    Check(pthread_mutex_unlock(&g_e), EPERM, "unlock by main");
    pthread_barrier_wait(&g_bar);
    pthread_join(t1, NULL);
  } else if (!strcmp(s, "rwlock")) {
    for (int i = 0; i < 1000; ++i) {
      Check(pthread_rwlock_rdlock(&g_rw), 0, "rdlock");
      Check(pthread_rwlock_unlock(&g_rw), 0, "rd unlock");
    }
    for (int i = 0; i < 1000; ++i) {
      Check(pthread_rwlock_wrlock(&g_rw), 0, "wrlock");
      Check(pthread_rwlock_unlock(&g_rw), 0, "wr unlock");
    }
  } else if (!strcmp(s, "deep")) {
    static pthread_mutex_t deep[40];
    for (int k = 0; k < 40; ++k) pthread_mutex_init(&deep[k], NULL);
    for (int i = 0; i < 100; ++i) {
      for (int k = 0; k < 40; ++k) Check(pthread_mutex_lock(&deep[k]), 0, "deep lock");
      for (int k = 40; k-- > 0;) Check(pthread_mutex_unlock(&deep[k]), 0, "deep unlock");
    }
  } else if (!strcmp(s, "contended")) {
    pthread_create(&t1, NULL, Hammer, NULL);
    pthread_create(&t2, NULL, Hammer, NULL);
    pthread_join(t1, NULL);
    pthread_join(t2, NULL);
  } else if (!strcmp(s, "hang") || !strcmp(s, "hangcond")) {
    pthread_barrier_init(&g_bar, NULL, 2);
    Check(pthread_mutex_lock(&g_b), 0, "main b");
    pthread_create(&t1, NULL, strcmp(s, "hang") ? HangOnBAfterWaits : HangOnB, NULL);
    pthread_barrier_wait(&g_bar);
    pthread_join(t1, NULL);  // never returns: the test kills us
  } else if (!strcmp(s, "hanghot")) {
    pthread_barrier_init(&g_bar, NULL, 2);
    pthread_create(&t1, NULL, HangOnHotB, NULL);
    pthread_barrier_wait(&g_bar);
    Check(pthread_mutex_lock(&g_b), 0, "main b");
    pthread_barrier_wait(&g_bar);
    pthread_join(t1, NULL);  // never returns: the test kills us
  } else {
    fprintf(stderr, "unknown scenario '%s'\n", s);
    return 2;
  }
  return 0;
}
