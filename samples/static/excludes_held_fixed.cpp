// Fixed twin of excludes_held.cpp: Put() decides under mu_ and calls the EXCLUDES(mu_) Refresh()
// after its guard is gone.
//
// RUN: %lockscope static %s -- -std=c++17 | FileCheck %s
// CHECK-NOT: WARNING
// CHECK: SUMMARY: lockscope: no findings
#include <map>
#include <string>

#include "thread_annotations.h"

namespace cache {

class Cache {
 public:
  void Refresh() EXCLUDES(mu_);  // reloads from disk, takes mu_ (defined elsewhere)

  void Put(const std::string& key, const std::string& value) {
    bool full = false;
    {
      annotated::MutexLock lock(&mu_);
      items_[key] = value;
      full = items_.size() > kMaxItems;
    }
    if (full) Refresh();
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
