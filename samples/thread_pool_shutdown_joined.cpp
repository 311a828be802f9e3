// Fixed twin of thread_pool_no_wakeup_at_shutdown: Shutdown() sets the stop flag under the mutex,
// broadcasts the condition variable so the idle workers see it, and joins every worker. No thread
// is left at exit; nothing is reported.
//
// RUN: %lockscope run -o %T/trace -- %t 2>&1 | FileCheck %s
//
// CHECK: ran 100 jobs
// CHECK-NOT: WARNING
// CHECK: SUMMARY: lockscope: no findings
#include <pthread.h>
#include <stdio.h>

#include <deque>

class ThreadPool {
 public:
  static constexpr int kWorkers = 3;

  void Start() {
    for (pthread_t& t : workers_) {
      pthread_create(&t, nullptr, Worker, this);
    }
  }
  void Submit(void (*job)()) {
    pthread_mutex_lock(&mu_);
    jobs_.push_back(job);
    pthread_cond_signal(&work_);
    pthread_mutex_unlock(&mu_);
  }
  // Returns once every job ran and every worker is idle (waiting for work).
  void Drain() {
    pthread_mutex_lock(&mu_);
    while (!jobs_.empty() || idle_ < kWorkers) pthread_cond_wait(&drained_, &mu_);
    pthread_mutex_unlock(&mu_);
  }
  void Shutdown() {
    pthread_mutex_lock(&mu_);
    stopping_ = true;
    pthread_cond_broadcast(&work_);  // wake the idle workers: they see stopping_ and return
    pthread_mutex_unlock(&mu_);
    for (pthread_t t : workers_) pthread_join(t, nullptr);
  }

 private:
  static void* Worker(void* self) {
    static_cast<ThreadPool*>(self)->Run();
    return nullptr;
  }
  void Run() {
    pthread_mutex_lock(&mu_);
    while (!stopping_) {
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
    pthread_mutex_unlock(&mu_);
  }

  pthread_mutex_t mu_ = PTHREAD_MUTEX_INITIALIZER;
  pthread_cond_t work_ = PTHREAD_COND_INITIALIZER;
  pthread_cond_t drained_ = PTHREAD_COND_INITIALIZER;
  std::deque<void (*)()> jobs_;
  int idle_ = 0;
  bool stopping_ = false;
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
  for (int i = 0; i < 100; ++i) pool.Submit(CountJob);
  pool.Start();
  pool.Drain();  // every worker is now waiting for work
  pool.Shutdown();
  printf("ran %d jobs\n", g_count);
  return 0;
}
