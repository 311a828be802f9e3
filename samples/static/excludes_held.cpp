// EXCLUDES honoured: Refresh() is declared EXCLUDES(mu_) (it takes mu_ itself, in a file this
// analysis does not see), and Put() calls it while holding mu_: a self-deadlock on that path.
//
// RUN: %lockscope static %s -- -std=c++17 | FileCheck %s
// CHECK: api-misuse (excludes-held)
// CHECK: cache::Cache::Refresh is declared EXCLUDES(cache::Cache::mu_), but cache::Cache::Put (excludes_held.cpp:[[@LINE+16]]) calls it holding cache::Cache::mu_
// CHECK: SUMMARY: lockscope: 0 lock-order-inversions, 1 other finding
#include <map>
#include <string>

#include "thread_annotations.h"

namespace cache {

class Cache {
 public:
  void Refresh() EXCLUDES(mu_);  // reloads from disk, takes mu_ (defined elsewhere)

  void Put(const std::string& key, const std::string& value) {
    annotated::MutexLock lock(&mu_);
    items_[key] = value;
    if (items_.size() > kMaxItems) Refresh();  // should report: called holding mu_
  }

 private:
  static constexpr size_t kMaxItems = 64;
  annotated::Mutex mu_;
  std::map<std::string, std::string> items_ GUARDED_BY(mu_);
};

}  // namespace cache

int main() {
  cache::Cache c;
  c.Put("a", "b");
  return 0;
}
