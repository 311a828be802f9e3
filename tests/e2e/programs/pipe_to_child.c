/* Talks to a child process over two pipes: the parent's talker thread sends a request, then
 * blocks reading the reply, which only the child can write, while main joins the talker. The
 * child answers once a line arrives on its stdin (the test harness sends it when it has seen the
 * talker blocked for a while), so every thread of the parent is blocked — main in the join, the
 * talker in read() on a pipe made in this process, but before the fork: the runtime must not
 * call it "all threads asleep". Prints the reply. */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static int to_child[2], from_child[2];
static int g_reply;

static void* Talk(void* arg) {
  (void)arg;
  int request = 21;
  if (write(to_child[1], &request, sizeof(request)) != sizeof(request)) return NULL;
  if (read(from_child[0], &g_reply, sizeof(g_reply)) != sizeof(g_reply)) g_reply = -1;
  return NULL;
}

int main(void) {
  if (pipe(to_child) != 0 || pipe(from_child) != 0) return 1;
  pid_t pid = fork();
  if (pid < 0) return 1;
  if (pid == 0) {
    close(to_child[1]);
    close(from_child[0]);
    int request = 0;
    if (read(to_child[0], &request, sizeof(request)) != sizeof(request)) _exit(2);
    char go[16];
    if (read(0, go, sizeof(go)) <= 0) _exit(3); /* the harness's go (or EOF: give up) */
    int reply = request * 2;
    if (write(from_child[1], &reply, sizeof(reply)) != sizeof(reply)) _exit(4);
    _exit(0);
  }
  close(to_child[0]);
  close(from_child[1]);
  pthread_t talker;
  if (pthread_create(&talker, NULL, Talk, NULL) != 0) return 1;
  pthread_join(talker, NULL);
  printf("reply %d\n", g_reply);
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) && WEXITSTATUS(status) == 0 && g_reply == 42 ? 0 : 1;
}
