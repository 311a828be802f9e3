// A worker reads jobs from a pipe until end of file; main gives it no job and joins it without
// closing the pipe's write end. The worker waits in read() forever (the write end is open, so no
// end of file) and main waits in the join: every thread is asleep, and nothing outside can write
// the pipe (it was made here and the process never forked). The watchdog says so live, naming the
// pipe; after the --timeout SIGKILL the analyzer reports a comm-deadlock from the thread slots.
//
// RUN: %lockscope run -o %T/trace --timeout 3 -- %t 2>&1 | FileCheck %s
// RUN: %lockscope analyze --format json %T/trace | FileCheck %s --check-prefix=JSON
// RUN: %lockscope dump %T/trace/*.lstrace | FileCheck %s --check-prefix=DUMP
//
// CHECK: lockscope: WATCHDOG: all 2 threads are blocked and nothing in the process can wake them
// CHECK-DAG: lockscope:   thread {{[0-9]+}} blocked {{[0-9]+}} ms joining thread {{[0-9]+}}; holds []
// CHECK-DAG: lockscope:   thread {{[0-9]+}} blocked {{[0-9]+}} ms reading pipe fd {{[0-9]+}} (pipe:[{{[0-9]+}}]); holds []
// CHECK: still running after 3 s
// CHECK: WARNING: lockscope: comm-deadlock (all-threads-asleep)
// CHECK: communication deadlock: all 2 threads are blocked and none of them can wake another (thread T1 reading pipe fd {{[0-9]+}} (pipe:[{{[0-9]+}}]))
// CHECK-DAG: pipe_reader_never_closed.cpp:[[@LINE+19]]
// CHECK-DAG: pipe_reader_never_closed.cpp:[[@LINE+28]]
// CHECK: SUMMARY: lockscope:
//
// JSON: "kind": "comm-deadlock",
// JSON: "story": "Thread T0 is blocked since {{.*}} joining thread T1. Thread T1 is blocked since {{.*}} reading pipe fd {{[0-9]+}} (pipe:[{{[0-9]+}}]). Only a write to pipe:[{{[0-9]+}}] or the close of its last write end can end thread T1's read; no other thread ever wrote to it, nor closed its write end. Every thread {{.*}} The runtime's watchdog saw this while the process ran (at +{{[0-9.]+}} s).",
// JSON: "subkind": "all-threads-asleep",
//
// DUMP: slot {{.*}}wait=fd {{.*}}wait_fd={{[0-9]+}} wait_channel=pipe wait_dir=receive
// DUMP: channel {{.*}}kind=pipe fds={{[0-9]+}}|{{[0-9]+}}
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

static int g_jobs[2];  // [0]: the worker's read end, [1]: main's write end

static void* Worker(void*) {
  int job = 0;
  int done = 0;
  while (read(g_jobs[0], &job, sizeof(job)) == sizeof(job)) ++done;  // should report: no writer
  printf("worker did %d jobs\n", done);
  return nullptr;
}

int main() {
  if (pipe(g_jobs) != 0) return 1;
  pthread_t worker;
  pthread_create(&worker, nullptr, Worker, nullptr);
  // Bug: no job, and the write end stays open, so the worker never sees the end of file.
  pthread_join(worker, nullptr);
  close(g_jobs[1]);
  close(g_jobs[0]);
  return 0;
}
