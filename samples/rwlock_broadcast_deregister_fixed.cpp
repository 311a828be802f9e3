// Fixed twin of rwlock_broadcast_deregister.cpp: Broadcast collects the clients whose send failed
// under the read lock, releases it, and only then deregisters them (each Deregister takes the
// write lock on its own). No thread ever asks for the write lock while it holds the read lock.
//
// RUN: %lockscope run -o %T/trace --timeout 30 -- %t 2>&1 | FileCheck %s
// RUN: %lockscope run -o %T/trace2 --verbose -- %t 2>&1 | FileCheck %s --check-prefix=VERBOSE
//
// CHECK-NOT: WARNING
// CHECK: SUMMARY: lockscope: no findings
// VERBOSE-NOT: rwlock-upgrade
// VERBOSE: SUMMARY: lockscope: no findings
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <mutex>
#include <set>
#include <shared_mutex>
#include <string>
#include <thread>
#include <vector>

class Hub {
 public:
  void Register(int fd) {
    std::unique_lock<std::shared_mutex> lock(mu_);
    clients_.insert(fd);
  }

  void Deregister(int fd) {
    std::unique_lock<std::shared_mutex> lock(mu_);
    clients_.erase(fd);
    close(fd);
  }

  int Broadcast(const std::string& msg) {
    int sent = 0;
    std::vector<int> failed;
    {
      std::shared_lock<std::shared_mutex> lock(mu_);
      for (int fd : clients_) {
        if (write(fd, msg.data(), msg.size()) == static_cast<ssize_t>(msg.size())) {
          ++sent;
        } else {
          failed.push_back(fd);
        }
      }
    }
    for (int fd : failed) Deregister(fd);  // the read lock is released
    return sent;
  }

 private:
  std::shared_mutex mu_;
  std::set<int> clients_;
};

Hub g_hub;

int main() {
  signal(SIGPIPE, SIG_IGN);
  int reader_ends[3];
  for (int& r : reader_ends) {
    int fds[2];
    if (pipe(fds) != 0) return 2;
    r = fds[0];
    g_hub.Register(fds[1]);
  }
  close(reader_ends[1]);
  std::thread broadcaster([] {
    pthread_setname_np(pthread_self(), "broadcast");
    g_hub.Broadcast("hello\n");
  });
  broadcaster.join();
  return g_hub.Broadcast("again\n") == 2 ? 0 : 1;
}
