// Incident 1: a broadcast loop holds the client set's read lock; on a send error it calls
// Deregister, which takes the same lock exclusively: a read->write upgrade that self-deadlocks,
// and only on the error path, which this program (like most test runs) never takes. The dynamic
// runtime cannot see a path that did not run; the static pass reads it from the source.
//
// RUN: %lockscope static %s -- -std=c++17 | FileCheck %s
// CHECK: rwlock-upgrade
// CHECK-SAME: chat::Hub::mu_
// CHECK: broadcast_deregister.cpp:[[@LINE+28]]
// CHECK: broadcast_deregister.cpp:[[@LINE+21]]
// CHECK: SUMMARY: lockscope:
#include <algorithm>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <vector>

namespace chat {

class Hub {
 public:
  void Register(int client) {
    std::unique_lock<std::shared_mutex> lock(mu_);
    clients_.push_back(client);
  }

  void Broadcast(const std::string& message) {
    std::shared_lock<std::shared_mutex> lock(mu_);
    for (int client : clients_) {
      if (!Send(client, message)) {
        Deregister(client);  // should report: upgrade while read-locked
      }
    }
  }

  void Deregister(int client) {
    std::unique_lock<std::shared_mutex> lock(mu_);
    clients_.erase(std::remove(clients_.begin(), clients_.end(), client), clients_.end());
  }

 private:
  bool Send(int client, const std::string& message) { return client >= 0 && !message.empty(); }

  std::shared_mutex mu_;
  std::vector<int> clients_;
};

}  // namespace chat

int main() {
  chat::Hub hub;
  hub.Register(1);
  hub.Broadcast("hello");  // Send never fails here: the deadlock path is not executed
  return 0;
}
