// Fixed twin of template_pool_size.cpp: Pushed() takes the queue's mutex. The workers' wait
// predicate (a lambda in a template, run under the mutex) is still not a race.
//
// RUN: %lockscope static %s -- -std=c++17 | FileCheck %s
// CHECK-NOT: WARNING
// CHECK: SUMMARY: lockscope: no findings
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <mutex>
#include <thread>
#include <vector>

namespace pool {

template <typename Job>
class JobQueue {
 public:
  template <typename Run>
  JobQueue(int workers, Run run) {
    for (int i = 0; i < workers; ++i) threads_.emplace_back([this, run] { Work(run); });
  }
  void Push(Job job) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      queue_.push_back(job);
      ++pushed_;
    }
    cv_.notify_one();
  }
  std::size_t Pushed() const {
    std::lock_guard<std::mutex> lock(mu_);
    return pushed_;
  }
  void Finish() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      done_ = true;
    }
    cv_.notify_all();
    for (std::thread& t : threads_) t.join();
  }

 private:
  template <typename Run>
  void Work(Run run) {
    for (;;) {
      Job job;
      {
        std::unique_lock<std::mutex> lock(mu_);
        cv_.wait(lock, [this] { return done_ || !queue_.empty(); });
        if (queue_.empty()) return;
        job = queue_.front();
        queue_.pop_front();
      }
      run(job);
    }
  }
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Job> queue_;
  bool done_ = false;
  std::size_t pushed_ = 0;
  std::vector<std::thread> threads_;
};

}  // namespace pool

int main() {
  long sum = 0;
  pool::JobQueue<long> q(1, [&sum](long v) { sum += v; });
  for (long i = 0; i < 100; ++i) q.Push(i);
  std::size_t pushed = q.Pushed();
  q.Finish();
  return sum == 4950 && pushed <= 100 ? 0 : 1;
}
