// fork while holding a lock: the child relocks and exits 3, the parent is unaffected.
#include <pthread.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

static pthread_mutex_t g_mu = PTHREAD_MUTEX_INITIALIZER;

int main(void) {
  pthread_mutex_lock(&g_mu);
  fflush(stdout);
  pid_t pid = fork();
  if (pid == 0) {
    pthread_mutex_unlock(&g_mu);  // the child owns its copy of the lock
    pthread_mutex_lock(&g_mu);
    pthread_mutex_unlock(&g_mu);
    _exit(3);
  }
  pthread_mutex_unlock(&g_mu);
  int status = 0;
  waitpid(pid, &status, 0);
  printf("child exited %d\n", WEXITSTATUS(status));
  return 0;
}
