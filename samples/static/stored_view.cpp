// A pointer into a guarded vector is stored where it outlives the critical section: in a member
// that another method reads without the lock, and in a caller's out-parameter. push_back may
// reallocate the vector under either reader.
//
// RUN: %lockscope static %s -- -std=c++17 | FileCheck %s
// CHECK: data-race (stored-view-escapes-lock)
// CHECK: feed::Feed::Latest stores a pointer into feed::Feed::items_ (guarded by feed::Feed::mu_) in out-parameter `out` at feed::Feed::Latest (stored_view.cpp:[[@LINE+33]])
// CHECK: data-race (stored-view-escapes-lock)
// CHECK: feed::Feed::Select stores a pointer into feed::Feed::items_ (guarded by feed::Feed::mu_) in feed::Feed::current_ at feed::Feed::Select (stored_view.cpp:[[@LINE+22]]); feed::Feed::current_ is read without feed::Feed::mu_ in feed::Feed::CurrentTitleLength (stored_view.cpp:[[@LINE+26]])
// CHECK-NOT: unguarded-access
// CHECK: SUMMARY: lockscope: 0 lock-order-inversions, 2 other findings
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
  }

  void Select(size_t i) {
    std::lock_guard<std::mutex> lock(mu_);
    current_ = &items_[i];  // should report: stored in a member, read later without mu_
  }

  size_t CurrentTitleLength() const {
    return current_ == nullptr ? 0 : current_->title.size();
  }

  void Latest(const Item** out) {
    std::lock_guard<std::mutex> lock(mu_);
    *out = &items_.back();  // should report: the caller reads it after mu_ is released
  }

 private:
  mutable std::mutex mu_;
  std::vector<Item> items_;
  const Item* current_ = nullptr;
};

}  // namespace feed

int main() {
  feed::Feed f;
  f.Add("a");
  f.Select(0);
  const feed::Item* latest = nullptr;
  f.Latest(&latest);
  return static_cast<int>(f.CurrentTitleLength() + latest->title.size()) == 2 ? 0 : 1;
}
