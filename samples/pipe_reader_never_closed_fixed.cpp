// Fixed twin of pipe_reader_never_closed: main writes the jobs, then closes the write end before
// joining, so the worker's read() returns end of file and it exits. Threads do block in read()
// (the worker starts before any job is written) without the watchdog saying anything.
//
// RUN: %lockscope run -o %T/trace --timeout 20 -- %t 2>&1 | FileCheck %s
//
// CHECK-NOT: still running
// CHECK-NOT: WATCHDOG
// CHECK-NOT: WARNING
// CHECK: worker did 3 jobs
// CHECK-NOT: WARNING
// CHECK: SUMMARY: lockscope: no findings
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

static int g_jobs[2];  // [0]: the worker's read end, [1]: main's write end

static void* Worker(void*) {
  int job = 0;
  int done = 0;
  while (read(g_jobs[0], &job, sizeof(job)) == sizeof(job)) ++done;
  printf("worker did %d jobs\n", done);
  return nullptr;
}

int main() {
  if (pipe(g_jobs) != 0) return 1;
  pthread_t worker;
  pthread_create(&worker, nullptr, Worker, nullptr);
  for (int job = 1; job <= 3; ++job) {
    if (write(g_jobs[1], &job, sizeof(job)) != sizeof(job)) return 1;
  }
  close(g_jobs[1]);  // end of file: no more jobs
  pthread_join(worker, nullptr);
  close(g_jobs[0]);
  return 0;
}
