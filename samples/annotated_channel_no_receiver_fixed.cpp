// Fixed twin of annotated_channel_no_receiver: a consumer thread receives both jobs from the
// annotated channel "jobs", so the producer's second send finds room; main joins both. Threads
// do wait on the channel (either side may come first) without any report.
//
// RUN: %lockscope run -o %T/trace --timeout 20 -- %t 2>&1 | FileCheck %s
//
// CHECK-NOT: still running
// CHECK-NOT: WATCHDOG
// CHECK-NOT: WARNING
// CHECK: received 2 jobs, sum=3
// CHECK-NOT: WARNING
// CHECK: SUMMARY: lockscope: no findings
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

static void* Consumer(void*) {
  int sum = 0;
  for (int i = 0; i < 2; ++i) sum += g_queue.Receive();
  printf("received 2 jobs, sum=%d\n", sum);
  return nullptr;
}

int main() {
  pthread_t producer, consumer;
  pthread_create(&producer, nullptr, Producer, nullptr);
  pthread_create(&consumer, nullptr, Consumer, nullptr);
  pthread_join(producer, nullptr);
  pthread_join(consumer, nullptr);
  return 0;
}
