/* Talks to a child process over two pipes: the parent sends a request, then blocks reading the
 * reply, which only the child can write. The child answers once a line arrives on its stdin (the
 * test harness sends it when it has seen the parent blocked for a while), so the parent's only
 * thread stays blocked in read() on a pipe made in this process — but before the fork, so the
 * runtime must not call it "all threads asleep". Prints the reply. */
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

int main(void) {
  int to_child[2], from_child[2];
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
  int request = 21;
  if (write(to_child[1], &request, sizeof(request)) != sizeof(request)) return 1;
  int reply = 0;
  if (read(from_child[0], &reply, sizeof(reply)) != sizeof(reply)) return 1;
  printf("reply %d\n", reply);
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : 1;
}
