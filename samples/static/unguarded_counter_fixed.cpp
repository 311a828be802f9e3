// Fixed twin of unguarded_counter.cpp: the stats read takes the cache's mutex too.
//
// RUN: %lockscope static %s -- -std=c++17 | FileCheck %s
// CHECK-NOT: WARNING
// CHECK: SUMMARY: lockscope: no findings
#include <map>
#include <mutex>
#include <string>

namespace cache {

class Cache {
 public:
  std::string Get(const std::string& key) {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = items_.find(key);
    if (it == items_.end()) {
      CountMissLocked();
      return "";
    }
    hits_++;
    return it->second;
  }

  long Hits() {
    std::lock_guard<std::mutex> lock(mu_);  // fixed: read under the same lock
    return hits_;
  }

 private:
  void CountMissLocked() { misses_++; }  // only called with mu_ held: not a race

  std::mutex mu_;
  std::map<std::string, std::string> items_;
  long hits_ = 0;
  long misses_ = 0;
};

}  // namespace cache

int main() {
  cache::Cache c;
  c.Get("a");
  return static_cast<int>(c.Hits());
}
