// Incident 2: an RPC client holds its read lock through a nested call that read-locks again, while
// Init takes the write lock. With a writer queued between the two reads, the second read waits for
// the writer, which waits for the first read: deadlock on writer-preferring rwlocks.
//
// RUN: %lockscope static %s -- -std=c++17 | FileCheck %s
// CHECK: recursive-read-hazard
// CHECK-SAME: rpc::Client::mu_
// CHECK: nested_read_init.cpp:[[@LINE+27]]
// CHECK: nested_read_init.cpp:[[@LINE+13]]
#include <pthread.h>

#include <string>

namespace rpc {

class Client {
 public:
  Client() { pthread_rwlock_init(&mu_, nullptr); }

  std::string Call(const std::string& method) {
    pthread_rwlock_rdlock(&mu_);
    std::string result = endpoint_ + "/" + method + "@" + Conn();  // should report
    pthread_rwlock_unlock(&mu_);
    return result;
  }

  void Init(const std::string& endpoint) {
    pthread_rwlock_wrlock(&mu_);
    endpoint_ = endpoint;
    pthread_rwlock_unlock(&mu_);
  }

 private:
  std::string Conn() {
    pthread_rwlock_rdlock(&mu_);  // the nested read
    std::string c = endpoint_;
    pthread_rwlock_unlock(&mu_);
    return c;
  }

  pthread_rwlock_t mu_;
  std::string endpoint_;
};

}  // namespace rpc

int main() {
  rpc::Client c;
  c.Init("localhost");
  return c.Call("ping").empty() ? 1 : 0;
}
