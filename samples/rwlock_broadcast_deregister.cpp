// rwlock-upgrade: a chat hub keeps its clients in a set guarded by a std::shared_mutex. Broadcast
// holds the shared (read) lock while it sends to every client; when a send fails (the client hung
// up), it calls Deregister, which takes the same lock exclusively. A writer waits until every
// reader has left, and the broadcasting thread is one of them: it waits for itself forever.
// The run really hangs, so it runs under --timeout: lockscope kills it after 5 s and reports the
// upgrade from the trace (both stacks, and the thread slot showing it blocked in the upgrade).
//
// RUN: %lockscope run -o %T/trace --timeout 5 -- %t 2>&1 | FileCheck %s
// RUN: %lockscope analyze --format json %T/trace | FileCheck %s --check-prefix=JSON
//
// CHECK: WARNING: lockscope: rwlock-upgrade on g_hub.mu_ (the program hung here)
// CHECK-NEXT: self-deadlock: thread T1 (broadcast) requests g_hub.mu_ exclusively while holding it shared
// CHECK: read-locked g_hub.mu_ at Hub::Broadcast
// CHECK: requested the write lock at Hub::Deregister(int)
// CHECK: M0 (g_hub.mu_) acquired here while read-holding M0 (g_hub.mu_) in thread T1 (broadcast):
// CHECK: #{{[0-9]+}} Hub::Deregister(int) {{.*}}rwlock_broadcast_deregister.cpp:[[@LINE+30]]
// CHECK: M0 (g_hub.mu_) previously acquired by the same thread here:
// CHECK: #{{[0-9]+}} Hub::Broadcast({{.*}}rwlock_broadcast_deregister.cpp:[[@LINE+36]]
// CHECK: T1 (broadcast) was blocked here when the trace ended (thread slot: waits for g_hub.mu_ exclusively while holding it shared):
// CHECK: #{{[0-9]+}} Hub::Deregister(int) {{.*}}rwlock_broadcast_deregister.cpp:[[@LINE+26]]
// CHECK: Possible unsafe locking scenario
// CHECK: rlock(g_hub.mu_);
// CHECK-NEXT: lock(g_hub.mu_) <- waits for its own read lock
// CHECK: SUMMARY: lockscope: 0 lock-order-inversions, 1 other finding
// JSON: "hung": true
// JSON-NEXT: "kind": "rwlock-upgrade"
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <cstring>
#include <mutex>
#include <set>
#include <shared_mutex>
#include <string>
#include <thread>

class Hub {
 public:
  void Register(int fd) {
    std::unique_lock<std::shared_mutex> lock(mu_);
    clients_.insert(fd);
  }

  void Deregister(int fd) {
    std::unique_lock<std::shared_mutex> lock(mu_);  // should report: upgrade (held: shared)
    clients_.erase(fd);
    close(fd);
  }

  // Sends `msg` to every client; a client whose send fails is dropped.
  int Broadcast(const std::string& msg) {
    int sent = 0;
    std::shared_lock<std::shared_mutex> lock(mu_);
    for (int fd : clients_) {
      if (write(fd, msg.data(), msg.size()) == static_cast<ssize_t>(msg.size())) {
        ++sent;
      } else {
        Deregister(fd);  // the bug: still holding the read lock
      }
    }
    return sent;
  }

 private:
  std::shared_mutex mu_;
  std::set<int> clients_;
};

Hub g_hub;

int main() {
  signal(SIGPIPE, SIG_IGN);  // a send to a client that hung up fails with EPIPE
  int reader_ends[3];
  for (int& r : reader_ends) {
    int fds[2];
    if (pipe(fds) != 0) return 2;
    r = fds[0];
    g_hub.Register(fds[1]);
  }
  close(reader_ends[1]);  // this client hung up: sending to it fails
  std::thread broadcaster([] {
    pthread_setname_np(pthread_self(), "broadcast");
    g_hub.Broadcast("hello\n");
  });
  broadcaster.join();
  return 0;
}
