// A getter returns a reference into a guarded vector; the guard dies at the return, so every
// caller reads the element without the lock while writers may reallocate the vector.
//
// RUN: %lockscope static %s -- -std=c++17 | FileCheck %s
// CHECK: data-race
// CHECK-SAME: reference-escapes-lock
// CHECK: jobs::Queue::items_
// CHECK: returned_reference.cpp:[[@LINE+16]]
#include <mutex>
#include <string>
#include <vector>

namespace jobs {

class Queue {
 public:
  void Push(const std::string& job) {
    std::lock_guard<std::mutex> lock(mu_);
    items_.push_back(job);
  }

  const std::string& Front() {
    std::lock_guard<std::mutex> lock(mu_);
    return items_.front();  // should report: the reference outlives the guard
  }

 private:
  std::mutex mu_;
  std::vector<std::string> items_;
};

}  // namespace jobs

int main() {
  jobs::Queue q;
  q.Push("build");
  return q.Front().size() == 5 ? 0 : 1;
}
