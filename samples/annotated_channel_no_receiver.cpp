// A job queue of capacity 1 on a mutex and condition variables, declared as the user channel
// "jobs" through lockscope/annotations.h. The producer sends two jobs, but no thread ever
// receives: the second send waits for room forever, and main waits in the join. The watchdog
// names the channel live (not the condvar inside it); after the --timeout SIGKILL the analyzer
// reports a comm-deadlock on channel "jobs" from the thread slots.
//
// RUN: %lockscope run -o %T/trace --timeout 3 -- %t 2>&1 | FileCheck %s
// RUN: %lockscope analyze --format json %T/trace | FileCheck %s --check-prefix=JSON
//
// CHECK: lockscope: WATCHDOG: all 2 threads are blocked and nothing in the process can wake them
// CHECK-DAG: lockscope:   thread {{[0-9]+}} blocked {{[0-9]+}} ms joining thread {{[0-9]+}}; holds []
// CHECK-DAG: lockscope:   thread {{[0-9]+}} blocked {{[0-9]+}} ms sending to channel "jobs" ({{0x[0-9a-f]+}}); holds []
// CHECK: still running after 3 s
// CHECK: WARNING: lockscope: comm-deadlock (all-threads-asleep)
// CHECK: communication deadlock: all 2 threads are blocked and none of them can wake another (thread T1 sending to channel "jobs" ({{0x[0-9a-f]+}}))
// CHECK-DAG: annotated_channel_no_receiver.cpp:[[@LINE+17]]
// CHECK-DAG: annotated_channel_no_receiver.cpp:[[@LINE+60]]
// CHECK: SUMMARY: lockscope:
//
// JSON: "kind": "comm-deadlock",
// JSON: "story": "Thread T0 is blocked since {{.*}} joining thread T1. Thread T1 is blocked since {{.*}} sending to channel \"jobs\" ({{0x[0-9a-f]+}}). Only a receive on channel \"jobs\" or its close can end thread T1's wait; no other thread ever received from it, nor closed it. Every thread {{.*}}",
// JSON: "subkind": "all-threads-asleep",
#include <pthread.h>
#include <stdio.h>

#include "../runtime/include/lockscope/annotations.h"

class JobQueue {
 public:
  void Send(int job) {
    pthread_mutex_lock(&mu_);
    if (full_) {
      LOCKSCOPE_CHANNEL_SEND_WAIT_BEGIN(this, "jobs");  // should report: nobody receives
      while (full_) pthread_cond_wait(&not_full_, &mu_);
      LOCKSCOPE_CHANNEL_WAIT_END(this);
    }
    job_ = job;
    full_ = true;
    pthread_cond_signal(&not_empty_);
    pthread_mutex_unlock(&mu_);
    LOCKSCOPE_CHANNEL_SEND(this, "jobs");
  }
  int Receive() {
    pthread_mutex_lock(&mu_);
    if (!full_) {
      LOCKSCOPE_CHANNEL_RECEIVE_WAIT_BEGIN(this, "jobs");
      while (!full_) pthread_cond_wait(&not_empty_, &mu_);
      LOCKSCOPE_CHANNEL_WAIT_END(this);
    }
    int job = job_;
    full_ = false;
    pthread_cond_signal(&not_full_);
    pthread_mutex_unlock(&mu_);
    LOCKSCOPE_CHANNEL_RECEIVE(this, "jobs");
    return job;
  }

 private:
  pthread_mutex_t mu_ = PTHREAD_MUTEX_INITIALIZER;
  pthread_cond_t not_full_ = PTHREAD_COND_INITIALIZER;
  pthread_cond_t not_empty_ = PTHREAD_COND_INITIALIZER;
  int job_ = 0;
  bool full_ = false;
};

static JobQueue g_queue;

static void* Producer(void*) {
  for (int job = 1; job <= 2; ++job) g_queue.Send(job);
  return nullptr;
}

int main() {
  pthread_t producer;
  pthread_create(&producer, nullptr, Producer, nullptr);
  // Bug: nobody receives the jobs.
  pthread_join(producer, nullptr);
  puts("sent 2 jobs");
  return 0;
}
