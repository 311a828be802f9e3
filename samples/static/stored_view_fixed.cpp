// Fixed twin of stored_view.cpp: copies are stored under the lock (the selected title, the latest
// item), and a pointer kept in a member is only ever used with mu_ held.
//
// RUN: %lockscope static %s -- -std=c++17 | FileCheck %s
// CHECK-NOT: WARNING
// CHECK: SUMMARY: lockscope: no findings
#include <mutex>
#include <string>
#include <vector>

namespace feed {

struct Item {
  std::string title;
};

class Feed {
 public:
  void Add(const std::string& title) {
    std::lock_guard<std::mutex> lock(mu_);
    items_.push_back(Item{title});
    last_added_ = &items_.back();  // a pointer kept in a member, used only under mu_
  }

  void Select(size_t i) {
    std::lock_guard<std::mutex> lock(mu_);
    current_title_ = items_[i].title;
  }

  size_t CurrentTitleLength() const {
    std::lock_guard<std::mutex> lock(mu_);
    return current_title_.size();
  }

  size_t LastAddedLength() const {
    std::lock_guard<std::mutex> lock(mu_);
    return last_added_ == nullptr ? 0 : last_added_->title.size();
  }

  void Latest(Item* out) {
    std::lock_guard<std::mutex> lock(mu_);
    *out = items_.back();
  }

 private:
  mutable std::mutex mu_;
  std::vector<Item> items_;
  std::string current_title_;
  const Item* last_added_ = nullptr;
};

}  // namespace feed

int main() {
  feed::Feed f;
  f.Add("a");
  f.Select(0);
  feed::Item latest;
  f.Latest(&latest);
  return static_cast<int>(f.CurrentTitleLength() + f.LastAddedLength() + latest.title.size()) == 3
             ? 0
             : 1;
}
