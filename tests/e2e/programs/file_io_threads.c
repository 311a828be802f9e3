/* Ordinary file I/O from two threads (write, read back, dup2 over a file, close) while main joins
 * them: none of it is a channel, so the runtime records no channel and no wait on it. Prints the
 * byte count each thread read back. */
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void* Worker(void* arg) {
  char path[] = "/tmp/lockscope-fileio-XXXXXX";
  int fd = mkstemp(path);
  if (fd < 0) return NULL;
  unlink(path);
  char block[4096];
  memset(block, 'a' + (int)(long)arg, sizeof(block));
  for (int i = 0; i < 256; ++i) {
    if (write(fd, block, sizeof(block)) != (ssize_t)sizeof(block)) break;
  }
  int copy = dup(fd);
  lseek(copy, 0, SEEK_SET);
  long total = 0;
  ssize_t n;
  while ((n = read(copy, block, sizeof(block))) > 0) total += n;
  close(copy);
  close(fd);
  int null_fd = open("/dev/null", O_WRONLY);
  if (null_fd >= 0) {
    if (write(null_fd, block, 16) != 16) total = -1;
    close(null_fd);
  }
  printf("thread %ld read %ld bytes\n", (long)arg, total);
  return NULL;
}

int main(void) {
  pthread_t t[2];
  for (long i = 0; i < 2; ++i) pthread_create(&t[i], NULL, Worker, (void*)i);
  for (int i = 0; i < 2; ++i) pthread_join(t[i], NULL);
  return 0;
}
