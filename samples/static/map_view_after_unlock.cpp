// Incident 4: a read path takes an iterator into a guarded map under the lock and uses it after
// unlock; a concurrent writer can rehash or erase and the iterator dangles: a data race.
//
// RUN: %lockscope static %s -- -std=c++17 | FileCheck %s
// CHECK: data-race
// CHECK-SAME: use-after-unlock
// CHECK: sessions::Registry::users_
// CHECK: map_view_after_unlock.cpp:[[@LINE+17]]
// CHECK: map_view_after_unlock.cpp:[[@LINE+18]]
#include <mutex>
#include <string>
#include <unordered_map>

namespace sessions {

class Registry {
 public:
  void Add(int id, const std::string& name) {
    std::lock_guard<std::mutex> lock(mu_);
    users_[id] = name;
  }

  size_t NameLength(int id) {
    mu_.lock();
    auto it = users_.find(id);
    mu_.unlock();
    return it == users_.end() ? 0 : it->second.size();  // should report: used after unlock
  }

 private:
  std::mutex mu_;
  std::unordered_map<int, std::string> users_;
};

}  // namespace sessions

int main() {
  sessions::Registry r;
  r.Add(1, "ada");
  return r.NameLength(1) == 3 ? 0 : 1;
}
