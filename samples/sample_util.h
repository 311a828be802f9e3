// sample_util.h — helpers shared by the samples.
//
// Baton: hands control from one thread to another through a pipe. Samples use it to serialize two
// threads that take locks in opposite orders, so the run never deadlocks while both threads are
// alive at the same time (a create/join ordering would let lockscope prove the threads can never
// overlap, and it rightly stays silent then). A pipe, not sleep(): the order is forced, not hoped for.
#ifndef LOCKSCOPE_SAMPLES_SAMPLE_UTIL_H_
#define LOCKSCOPE_SAMPLES_SAMPLE_UTIL_H_

#include <unistd.h>

#include <cstdio>
#include <cstdlib>

class Baton {
 public:
  Baton() {
    if (pipe(fds_) != 0) {
      perror("pipe");
      exit(2);
    }
  }
  ~Baton() {
    close(fds_[0]);
    close(fds_[1]);
  }
  void Pass() {
    char c = 1;
    if (write(fds_[1], &c, 1) != 1) exit(2);
  }
  void Wait() {
    char c;
    if (read(fds_[0], &c, 1) != 1) exit(2);
  }

 private:
  int fds_[2];
};

#endif  // LOCKSCOPE_SAMPLES_SAMPLE_UTIL_H_
