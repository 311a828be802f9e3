// Fixed twin of nested_read_init.cpp: the nested call expects the lock held (ConnLocked) instead of
// read-locking again.
//
// RUN: %lockscope static %s -- -std=c++17 | FileCheck %s
// CHECK-NOT: WARNING
// CHECK: SUMMARY: lockscope: no findings
#include <pthread.h>

#include <string>

namespace rpc {

class Client {
 public:
  Client() { pthread_rwlock_init(&mu_, nullptr); }

  std::string Call(const std::string& method) {
    pthread_rwlock_rdlock(&mu_);
    std::string result = endpoint_ + "/" + method + "@" + ConnLocked();
    pthread_rwlock_unlock(&mu_);
    return result;
  }

  void Init(const std::string& endpoint) {
    pthread_rwlock_wrlock(&mu_);
    endpoint_ = endpoint;
    pthread_rwlock_unlock(&mu_);
  }

 private:
  std::string ConnLocked() { return endpoint_; }  // caller holds mu_

  pthread_rwlock_t mu_;
  std::string endpoint_;
};

}  // namespace rpc

int main() {
  rpc::Client c;
  c.Init("localhost");
  return c.Call("ping").empty() ? 1 : 0;
}
