// A thread pool whose Drain() waits only until the queue is empty: the last job popped may still
// be running when main reads the count it writes. Waiting on a condition variable orders nothing
// here, because the queue is emptied by workers that go on running the job (compare
// pool_drain_queue_only_fixed.cpp, which waits for the workers to park).
//
// RUN: %lockscope static %s -- -std=c++17 | FileCheck %s
// CHECK: data-race
// CHECK-SAME: unguarded-access
// CHECK: g_count is written under g_count_mu in CountJob{{.*}}pool_drain_queue_only.cpp:[[@LINE+59]]
// CHECK-SAME: read without any lock in main{{.*}}pool_drain_queue_only.cpp:[[@LINE+67]]
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
    while (!jobs_.empty()) pthread_cond_wait(&drained_, &mu_);  // bug: the last job still runs
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
        pthread_cond_wait(&work_, &mu_);
        continue;
      }
      void (*job)() = jobs_.front();
      jobs_.pop_front();
      pthread_cond_broadcast(&drained_);
      pthread_mutex_unlock(&mu_);
      job();
      pthread_mutex_lock(&mu_);
    }
  }

  pthread_mutex_t mu_ = PTHREAD_MUTEX_INITIALIZER;
  pthread_cond_t work_ = PTHREAD_COND_INITIALIZER;
  pthread_cond_t drained_ = PTHREAD_COND_INITIALIZER;
  std::deque<void (*)()> jobs_;
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
  pool.Drain();
  printf("ran %d jobs\n", g_count);  // should report: a job may still be running
  return 0;
}
