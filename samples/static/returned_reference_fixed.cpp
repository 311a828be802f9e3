// Fixed twin of returned_reference.cpp: Front() returns a copy made under the lock.
//
// RUN: %lockscope static %s -- -std=c++17 | FileCheck %s
// CHECK-NOT: WARNING
// CHECK: SUMMARY: lockscope: no findings
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

  std::string Front() {
    std::lock_guard<std::mutex> lock(mu_);
    return items_.front();  // a copy, made while the lock is held
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
