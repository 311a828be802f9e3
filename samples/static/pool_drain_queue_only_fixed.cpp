// Fixed twin of pool_drain_queue_only.cpp: a worker announces under the pool's mutex that it is
// idle (`++idle_`) right before it parks on the work condition variable, and Drain() waits until
// every worker did. When Drain() returns, every job has finished and the workers stay parked until
// the next Submit() wakes them, so main's read of the count needs no lock.
//
// RUN: %lockscope static %s -- -std=c++17 | FileCheck %s
// CHECK-NOT: WARNING
// CHECK: SUMMARY: lockscope: no findings
#include <pthread.h>
#include <stdio.h>

#include <deque>

class ThreadPool {
 public:
  static constexpr int kWorkers = 3;

  void Start() {
    for (pthread_t& t : workers_) pthread_create(&t, nullptr, Worker, this);
  }
  void Submit(void (*job)()) {
    pthread_mutex_lock(&mu_);
    jobs_.push_back(job);
    pthread_cond_signal(&work_);
    pthread_mutex_unlock(&mu_);
  }
  void Drain() {
    pthread_mutex_lock(&mu_);
    while (!jobs_.empty() || idle_ < kWorkers) pthread_cond_wait(&drained_, &mu_);
    pthread_mutex_unlock(&mu_);
  }

 private:
  static void* Worker(void* self) {
    static_cast<ThreadPool*>(self)->Run();
    return nullptr;
  }
  void Run() {
    pthread_mutex_lock(&mu_);
    for (;;) {
      if (jobs_.empty()) {
        ++idle_;
        pthread_cond_broadcast(&drained_);
        pthread_cond_wait(&work_, &mu_);
        --idle_;
        continue;
      }
      void (*job)() = jobs_.front();
      jobs_.pop_front();
      pthread_mutex_unlock(&mu_);
      job();
      pthread_mutex_lock(&mu_);
    }
  }

  pthread_mutex_t mu_ = PTHREAD_MUTEX_INITIALIZER;
  pthread_cond_t work_ = PTHREAD_COND_INITIALIZER;
  pthread_cond_t drained_ = PTHREAD_COND_INITIALIZER;
  std::deque<void (*)()> jobs_;
  int idle_ = 0;
  pthread_t workers_[kWorkers];
};

pthread_mutex_t g_count_mu = PTHREAD_MUTEX_INITIALIZER;
int g_count = 0;

void CountJob() {
  pthread_mutex_lock(&g_count_mu);
  ++g_count;
  pthread_mutex_unlock(&g_count_mu);
}

int main() {
  ThreadPool pool;
  pool.Start();
  for (int i = 0; i < 100; ++i) pool.Submit(CountJob);
  pool.Drain();  // every job finished, every worker parked until the next Submit()
  printf("ran %d jobs\n", g_count);
  return 0;
}
