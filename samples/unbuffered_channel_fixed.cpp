// Fixed twin of unbuffered_channel_no_receiver: a consumer thread receives every value, both sides
// wait in a predicate loop under the mutex, and main joins both. Nothing hangs, nothing is
// reported, and the watchdog stays silent even though threads spend time blocked on the condvar.
//
// RUN: %lockscope run -o %T/trace --timeout 20 -- %t 2>&1 | FileCheck %s
//
// CHECK-NOT: still running
// CHECK-NOT: WATCHDOG
// CHECK-NOT: WARNING
// CHECK: sum=5050
// CHECK-NOT: WARNING
// CHECK: SUMMARY: lockscope: no findings
#include <pthread.h>
#include <stdio.h>

class Channel {
 public:
  void Send(int v) {
    pthread_mutex_lock(&mu_);
    while (full_) pthread_cond_wait(&cv_, &mu_);
    value_ = v;
    full_ = true;
    pthread_cond_broadcast(&cv_);
    while (full_) pthread_cond_wait(&cv_, &mu_);
    pthread_mutex_unlock(&mu_);
  }
  int Receive() {
    pthread_mutex_lock(&mu_);
    while (!full_) pthread_cond_wait(&cv_, &mu_);
    int v = value_;
    full_ = false;
    pthread_cond_broadcast(&cv_);
    pthread_mutex_unlock(&mu_);
    return v;
  }

 private:
  pthread_mutex_t mu_ = PTHREAD_MUTEX_INITIALIZER;
  pthread_cond_t cv_ = PTHREAD_COND_INITIALIZER;
  int value_ = 0;
  bool full_ = false;
};

Channel g_results;
long g_sum = 0;

void* Producer(void*) {
  for (int i = 1; i <= 100; ++i) g_results.Send(i);
  g_results.Send(0);  // end of stream
  return nullptr;
}

void* Consumer(void*) {
  for (int v; (v = g_results.Receive()) != 0;) g_sum += v;
  return nullptr;
}

int main() {
  pthread_t p, c;
  pthread_create(&p, nullptr, Producer, nullptr);
  pthread_create(&c, nullptr, Consumer, nullptr);
  pthread_join(p, nullptr);
  pthread_join(c, nullptr);
  printf("sum=%ld\n", g_sum);
  return 0;
}
