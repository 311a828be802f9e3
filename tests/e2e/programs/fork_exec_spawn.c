// fork+exec, posix_spawn and a daemon (double fork + setsid) reporting through a pipe.
#include <pthread.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;
static pthread_mutex_t g_mu = PTHREAD_MUTEX_INITIALIZER;

static int Wait(pid_t pid) {
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int main(int argc, char** argv) {
  if (argc > 1) {  // the exec'd / spawned image: take a lock, say who we are
    pthread_mutex_lock(&g_mu);
    printf("image %s\n", argv[1]);
    pthread_mutex_unlock(&g_mu);
    return 5;
  }
  fflush(stdout);
  pid_t pid = fork();
  if (pid == 0) {
    execl(argv[0], argv[0], "exec", (char*)NULL);
    _exit(127);
  }
  printf("exec child exited %d\n", Wait(pid));
  fflush(stdout);
  char* args[] = {argv[0], "spawn", NULL};
  if (posix_spawn(&pid, argv[0], NULL, NULL, args, environ) != 0) return 1;
  printf("spawned child exited %d\n", Wait(pid));
  fflush(stdout);
  int fds[2];
  if (pipe(fds) != 0) return 1;
  pid = fork();
  if (pid == 0) {
    setsid();
    if (fork() != 0) _exit(0);  // the daemon is the grandchild, reparented to init
    close(fds[0]);
    pthread_mutex_lock(&g_mu);
    const char msg[] = "daemon ok";
    if (write(fds[1], msg, sizeof msg) < 0) _exit(1);
    pthread_mutex_unlock(&g_mu);
    _exit(0);
  }
  close(fds[1]);
  printf("first daemon fork exited %d\n", Wait(pid));
  char buf[32] = {0};
  ssize_t n = read(fds[0], buf, sizeof buf - 1);
  printf("daemon said: %s\n", n > 0 ? buf : "(nothing)");
  return 0;
}
