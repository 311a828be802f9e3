// A timer signal storm while 4 threads lock and unlock; the handler itself takes a lock. Runs
// until the work is done and at least 200 signals were handled (bounded by a 20 s deadline).
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <sys/time.h>
#include <time.h>

enum { kThreads = 4, kIters = 200000 };
static pthread_mutex_t g_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t g_handler_mu = PTHREAD_MUTEX_INITIALIZER;  // only taken in the handler
static pthread_rwlock_t g_rw = PTHREAD_RWLOCK_INITIALIZER;
static long g_counter;
static volatile sig_atomic_t g_signals;

static void OnAlarm(int sig) {
  (void)sig;
  pthread_mutex_lock(&g_handler_mu);
  g_signals = g_signals + 1;
  pthread_mutex_unlock(&g_handler_mu);
}

static void* Work(void* arg) {
  (void)arg;
  for (int i = 0; i < kIters; ++i) {
    pthread_mutex_lock(&g_mu);
    ++g_counter;
    pthread_mutex_unlock(&g_mu);
    pthread_rwlock_rdlock(&g_rw);
    pthread_rwlock_unlock(&g_rw);
  }
  return NULL;
}

int main(void) {
  struct sigaction sa = {0};
  sa.sa_handler = OnAlarm;
  sa.sa_flags = SA_RESTART;
  sigaction(SIGALRM, &sa, NULL);
  struct itimerval it = {{0, 100}, {0, 100}};  // every 100 us
  setitimer(ITIMER_REAL, &it, NULL);
  pthread_t t[kThreads];
  for (int i = 0; i < kThreads; ++i) pthread_create(&t[i], NULL, Work, NULL);
  for (int i = 0; i < kThreads; ++i) pthread_join(t[i], NULL);
  time_t deadline = time(NULL) + 20;
  while (g_signals < 200 && time(NULL) < deadline) {
    pthread_mutex_lock(&g_mu);
    pthread_mutex_unlock(&g_mu);
  }
  struct itimerval off = {{0, 0}, {0, 0}};
  setitimer(ITIMER_REAL, &off, NULL);
  printf("counter %ld, at least 200 signals: %s\n", g_counter, g_signals >= 200 ? "yes" : "no");
  return 0;
}
