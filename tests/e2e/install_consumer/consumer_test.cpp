// A test that leaks a thread (never joined, parked on a condvar) and one that does not. The
// leaked thread's mutex and condvar are leaked too: destroying a condvar with a waiter (at exit,
// for a static one) would block in glibc.
#include <gtest/gtest.h>

#include <condition_variable>
#include <mutex>
#include <thread>

namespace {
struct Parking {
  std::mutex mu;
  std::condition_variable cv;
};

TEST(Consumer, LeaksAWorker) {
  auto* parking = new Parking();
  auto* worker = new std::thread([parking] {
    std::unique_lock<std::mutex> lock(parking->mu);
    parking->cv.wait(lock, [] { return false; });
  });
  EXPECT_NE(worker, nullptr);
}

TEST(Consumer, JoinsItsWorker) {
  std::mutex mu;
  std::thread worker([&mu] { std::lock_guard<std::mutex> lock(mu); });
  worker.join();
}
}  // namespace
