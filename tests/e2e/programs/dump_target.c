/* For test_thread_dump.py: a program that takes thread dumps from outside (kill -SIG) and must
 * behave exactly as without them. A worker holds g_mu and waits on a pipe, a spinner spins in
 * Spin() until told to stop, two churners lock, count and malloc in a loop (a stack request may
 * interrupt them anywhere, in the runtime and in malloc included); main prints "ready" once all
 * four threads run, then reads commands from stdin:
 *   install   install the program's own handler for the dump signal (signal()); print "installed"
 *   query     print "disposition=default" when sigaction(sig, NULL, &old) reports SIG_DFL
 *   calls     print "calls=N", how often the program's own handler ran
 *   go        stop the threads, join them, print "done", the number of own-handler calls, and
 *             whether the churners' shared counter equals the sum of their own counts
 * argv[1] = the dump signal number; argv[2] = "early" installs the handler (sigaction) before
 * the first thread exists. Ordering comes from pipes and stdin, never from sleeping. */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static pthread_mutex_t g_mu = PTHREAD_MUTEX_INITIALIZER;
static int g_release[2], g_ready[2];
static volatile sig_atomic_t g_own_calls = 0;
static volatile int g_stop = 0;
static volatile unsigned long g_spins = 0;
static pthread_mutex_t g_a = PTHREAD_MUTEX_INITIALIZER, g_b = PTHREAD_MUTEX_INITIALIZER;
static long g_churned = 0;  // under g_a and g_b

static void OwnHandler(int sig) {
  (void)sig;
  g_own_calls = g_own_calls + 1;
}

__attribute__((noinline)) static void Spin(void) {
  while (!g_stop) g_spins = g_spins + 1;
}

static void* Spinner(void* arg) {
  (void)arg;
  char c = 's';
  if (write(g_ready[1], &c, 1) != 1) return NULL;
  Spin();
  return NULL;
}

static void* Churner(void* arg) {
  long* mine = arg;
  char c = 'c';
  if (write(g_ready[1], &c, 1) != 1) return NULL;
  while (!g_stop) {
    char* p = malloc(32 + (size_t)(*mine % 200));
    pthread_mutex_lock(&g_a);
    pthread_mutex_lock(&g_b);
    ++g_churned;
    pthread_mutex_unlock(&g_b);
    pthread_mutex_unlock(&g_a);
    free(p);
    ++*mine;
  }
  return NULL;
}

static void* Worker(void* arg) {
  (void)arg;
  char c = 'w';
  pthread_mutex_lock(&g_mu);
  if (write(g_ready[1], &c, 1) != 1) return NULL;
  if (read(g_release[0], &c, 1) != 1) return NULL;
  pthread_mutex_unlock(&g_mu);
  return NULL;
}

int main(int argc, char** argv) {
  int sig = argc > 1 ? atoi(argv[1]) : 62;
  if (argc > 2 && strcmp(argv[2], "early") == 0) {
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = OwnHandler;
    sa.sa_flags = SA_RESTART;
    sigemptyset(&sa.sa_mask);
    if (sigaction(sig, &sa, NULL) != 0) return 3;
  }
  if (pipe(g_release) != 0 || pipe(g_ready) != 0) return 2;
  pthread_t worker, spinner, churner[2];
  long churned[2] = {0, 0};
  char c;
  pthread_create(&worker, NULL, Worker, NULL);
  pthread_create(&spinner, NULL, Spinner, NULL);
  for (int i = 0; i < 2; ++i) pthread_create(&churner[i], NULL, Churner, &churned[i]);
  // "ready" only once every thread runs (and so is registered with the runtime): a dump taken
  // earlier would rightly miss a thread that pthread_create made but that has not started yet.
  for (int i = 0; i < 4; ++i) {
    if (read(g_ready[0], &c, 1) != 1) return 2;
  }
  printf("ready\n");
  fflush(stdout);
  char line[64];
  while (fgets(line, sizeof(line), stdin) != NULL) {
    if (strncmp(line, "install", 7) == 0) {
      if (signal(sig, OwnHandler) == SIG_ERR) return 4;
      printf("installed\n");
    } else if (strncmp(line, "query", 5) == 0) {
      struct sigaction old;
      if (sigaction(sig, NULL, &old) != 0) return 5;
      printf("disposition=%s\n", old.sa_handler == SIG_DFL ? "default" : "handler");
    } else if (strncmp(line, "calls", 5) == 0) {
      printf("calls=%d\n", (int)g_own_calls);
    } else if (strncmp(line, "go", 2) == 0) {
      break;
    }
    fflush(stdout);
  }
  g_stop = 1;
  c = 'g';
  if (write(g_release[1], &c, 1) != 1) return 2;
  pthread_join(worker, NULL);
  pthread_join(spinner, NULL);
  for (int i = 0; i < 2; ++i) pthread_join(churner[i], NULL);
  printf("done own_calls=%d churn=%s\n", (int)g_own_calls,
         g_churned == churned[0] + churned[1] ? "consistent" : "LOST");
  return 0;
}
