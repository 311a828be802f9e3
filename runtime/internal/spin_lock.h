// spin_lock.h — the runtime's private lock. Never a pthread lock: those are what we intercept.
//
// Used only on rare paths (module rescan, thread-argument pool), never while blocking. After fork
// the child re-initializes every SpinLock (another thread may have held it at fork time).

#ifndef LOCKSCOPE_RUNTIME_INTERNAL_SPIN_LOCK_H_
#define LOCKSCOPE_RUNTIME_INTERNAL_SPIN_LOCK_H_

#include <sched.h>

#include <atomic>
#include <cstdint>

namespace lockscope {
namespace rt {
namespace internal {

class SpinLock {
 public:
  void Lock() {
    for (int spins = 0;; ++spins) {
      if (!locked_.exchange(1, std::memory_order_acquire)) return;
      while (locked_.load(std::memory_order_relaxed)) {
        if (++spins > 64) sched_yield();  // the holder may be descheduled (2 cores)
      }
    }
  }
  void Unlock() { locked_.store(0, std::memory_order_release); }
  // Fork child only: the holder does not exist any more.
  void ResetAfterFork() { locked_.store(0, std::memory_order_relaxed); }

 private:
  std::atomic<uint32_t> locked_{0};
};

class SpinLockHolder {
 public:
  explicit SpinLockHolder(SpinLock* l) : l_(l) { l_->Lock(); }
  ~SpinLockHolder() { l_->Unlock(); }
  SpinLockHolder(const SpinLockHolder&) = delete;
  SpinLockHolder& operator=(const SpinLockHolder&) = delete;

 private:
  SpinLock* l_;
};

}  // namespace internal
}  // namespace rt
}  // namespace lockscope

#endif  // LOCKSCOPE_RUNTIME_INTERNAL_SPIN_LOCK_H_
