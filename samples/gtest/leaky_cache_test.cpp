// A GoogleTest binary with one test that leaks a thread and its fixed twin. Linked with
// lockscope::gtest_main: under lockscope, LeakyCache.ForgetsToStopItsFlusher fails with a report
// naming it (its flusher thread was neither joined nor detached, and is blocked on a condvar);
// LeakyCache.StopsItsFlusher passes. Run without lockscope, both pass.
// tests/e2e/test_gtest.py runs it (also sharded, and several shards at once).

#include <gtest/gtest.h>

#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

namespace {

// A cache whose writes are flushed by a background thread. Stop() ends and joins it.
class Cache {
 public:
  Cache() : flusher_([this] { FlushLoop(); }) {}
  ~Cache() { Stop(); }

  void Put(int v) {
    std::lock_guard<std::mutex> lock(mu_);
    pending_.push_back(v);
    cv_.notify_one();
  }

  void Stop() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stopping_ = true;
      cv_.notify_one();
    }
    if (flusher_.joinable()) flusher_.join();
  }

 private:
  void FlushLoop() {
    std::unique_lock<std::mutex> lock(mu_);
    while (!stopping_) {
      cv_.wait(lock);  // the leaked flusher blocks here forever
      pending_.clear();
    }
  }

  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<int> pending_;
  bool stopping_ = false;
  std::thread flusher_;
};

TEST(LeakyCache, ForgetsToStopItsFlusher) {
  Cache* cache = new Cache();  // should report: never deleted, so its flusher is never joined
  cache->Put(1);
  EXPECT_TRUE(cache != nullptr);
}

TEST(LeakyCache, StopsItsFlusher) {
  Cache cache;  // the destructor stops and joins the flusher
  cache.Put(1);
  EXPECT_TRUE(true);
}

TEST(LeakyCache, NoThreadsAtAll) {
  std::mutex mu;
  std::lock_guard<std::mutex> lock(mu);
  EXPECT_TRUE(true);
}

}  // namespace
