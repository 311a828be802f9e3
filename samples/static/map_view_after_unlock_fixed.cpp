// Fixed twin of map_view_after_unlock.cpp: the value is copied while the lock is held.
//
// RUN: %lockscope static %s -- -std=c++17 | FileCheck %s
// CHECK-NOT: WARNING
// CHECK: SUMMARY: lockscope: no findings
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
    std::lock_guard<std::mutex> lock(mu_);
    auto it = users_.find(id);
    return it == users_.end() ? 0 : it->second.size();  // used while the guard lives
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
