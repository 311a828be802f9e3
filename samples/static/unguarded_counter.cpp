// A counter written under the cache's mutex on the hot path, but read by a stats endpoint
// without it: a data race found without annotations (written under a lock in one place, touched
// with none elsewhere). A helper that is only ever called with the lock held is not a race.
//
// RUN: %lockscope static %s -- -std=c++17 | FileCheck %s
// CHECK: data-race
// CHECK-SAME: unguarded-access
// CHECK: cache::Cache::hits_
// CHECK: unguarded_counter.cpp:[[@LINE+21]]
// CHECK-NOT: cache::Cache::misses_
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

  long Hits() const { return hits_; }  // should report: read without mu_

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
