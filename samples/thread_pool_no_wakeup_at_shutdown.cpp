// A thread pool whose Shutdown() sets the stop flag but neither wakes the idle workers nor joins
// them: the workers stay blocked on the "work available" condition variable until the process
// exit kills them. lockscope reports them as leaked threads (one report for the pool), blocked at
// exit, with where they wait and where they were started.
//
// RUN: %lockscope run -o %T/trace -- %t 2>&1 | FileCheck %s
// RUN: %lockscope analyze --format json %T/trace | FileCheck %s --check-prefix=JSON
//
// CHECK: ran 100 jobs
// CHECK: WARNING: lockscope: leaked-thread (blocked)
// CHECK: leaked thread: 3 threads (running ThreadPool::Worker(void*), started by T0 at ThreadPool::Start() thread_pool_no_wakeup_at_shutdown.cpp:[[@LINE+20]]) still blocked at exit, waiting on condition variable {{0x[0-9a-f]+}} (its mutex {{.*}} released while waiting)
// CHECK: thread T{{[1-3]}} blocked here at exit since +{{[0-9.]+}} s (waiting on condition variable
// CHECK-NEXT: #0 ThreadPool::Run() {{.*}}thread_pool_no_wakeup_at_shutdown.cpp:[[@LINE+48]]
// CHECK: SUMMARY: lockscope: 0 lock-order-inversions, 1 other finding
//
// JSON: "kind": "leaked-thread",
// JSON: "severity": "error",
// JSON: "story": "3 threads (T1, T2, T3) (running ThreadPool::Worker(void*), started by T0 at ThreadPool::Start() thread_pool_no_wakeup_at_shutdown.cpp:{{[0-9]+}}) were still blocked when the process exited: at ThreadPool::Run() thread_pool_no_wakeup_at_shutdown.cpp:{{[0-9]+}} waiting on condition variable {{.*}}the shutdown never woke them.{{.*}}",
// JSON: "subkind": "blocked",
#include <pthread.h>
#include <stdio.h>

#include <deque>

class ThreadPool {
 public:
  static constexpr int kWorkers = 3;

  void Start() {
    for (pthread_t& t : workers_) {
      pthread_create(&t, nullptr, Worker, this);  // should report: never joined
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
    stopping_ = true;  // bug: no broadcast of work_, no join: idle workers never notice
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
        pthread_cond_wait(&work_, &mu_);  // should report: blocked here at exit
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
