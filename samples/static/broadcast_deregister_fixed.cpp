// Fixed twin of broadcast_deregister.cpp: the loop collects failed clients under the read lock and
// deregisters them after releasing it.
//
// RUN: %lockscope static %s -- -std=c++17 | FileCheck %s
// CHECK-NOT: WARNING
// CHECK: SUMMARY: lockscope: no findings
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
    std::vector<int> failed;
    {
      std::shared_lock<std::shared_mutex> lock(mu_);
      for (int client : clients_) {
        if (!Send(client, message)) failed.push_back(client);
      }
    }
    for (int client : failed) Deregister(client);  // read lock released first
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
  hub.Broadcast("hello");
  return 0;
}
