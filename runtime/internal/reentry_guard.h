// reentry_guard.h — the re-entry guard is a type, not a convention (STYLE habit 3).
//
// Every runtime function that may call libc takes `const ReentryGuard&` first, so it cannot be
// called without the guard being alive. While a guard is alive on a thread (depth > 0), every
// interceptor on that thread passes straight through to the real function. That covers:
//   - pthread calls made by libc on our behalf (backtrace's first call, dl_iterate_phdr, ...);
//   - a signal handler that runs while the thread is inside an interceptor and locks something;
//   - the blocking real call itself (a handler interrupting pthread_mutex_lock passes through).
// The depth is an initial-exec TLS variable: reading it never allocates or calls into ld.so.

#ifndef LOCKSCOPE_RUNTIME_INTERNAL_REENTRY_GUARD_H_
#define LOCKSCOPE_RUNTIME_INTERNAL_REENTRY_GUARD_H_

#include <cerrno>

namespace lockscope {
namespace rt {

extern __thread int t_reentry_depth __attribute__((tls_model("initial-exec")));

class ReentryGuard {
 public:
  ReentryGuard() : outermost_(t_reentry_depth++ == 0) {}
  ~ReentryGuard() { --t_reentry_depth; }
  ReentryGuard(const ReentryGuard&) = delete;
  ReentryGuard& operator=(const ReentryGuard&) = delete;
  // False when this guard is nested inside another one (re-entry).
  bool outermost() const { return outermost_; }

 private:
  bool outermost_;
};

// Preserves errno across runtime bookkeeping: the program sees the errno of the real call.
class ErrnoSaver {
 public:
  ErrnoSaver() : saved_(errno) {}
  ~ErrnoSaver() { errno = saved_; }

 private:
  int saved_;
};

}  // namespace rt
}  // namespace lockscope

#endif  // LOCKSCOPE_RUNTIME_INTERNAL_REENTRY_GUARD_H_
