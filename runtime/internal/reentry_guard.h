// reentry_guard.h — the re-entry guard is a type, not a convention (STYLE habit 3).
//
// Every runtime function that may call libc takes `const ReentryGuard&` first, so it cannot be
// called without the guard being alive. While a guard is alive on a thread (depth > 0), every
// interceptor on that thread passes straight through to the real function. That covers:
//   - pthread calls made by libc on our behalf (backtrace's first call, dl_iterate_phdr, ...);
//   - a signal handler that runs while the thread is inside an interceptor and locks something;
//   - the blocking real call itself (a handler interrupting pthread_mutex_lock passes through).
// The depth lives in ThreadTls, the runtime's one initial-exec TLS block: reading it never
// allocates or calls into ld.so.

#ifndef LOCKSCOPE_RUNTIME_INTERNAL_REENTRY_GUARD_H_
#define LOCKSCOPE_RUNTIME_INTERNAL_REENTRY_GUARD_H_

#include <cerrno>
#include <cstdint>

namespace lockscope {
namespace rt {

struct ThreadState;

// The per-thread words of the lock path, in one initial-exec TLS block: from a shared library
// each TLS variable costs a GOT load for its offset, so the hot path (hot_path.h) reaches both
// with one.
struct ThreadTls {
  // 0: the hot path may run (a thread state exists, no runtime code on this thread's stack),
  // so it tests one word. Low bits: the re-entry depth (ReentryGuard); kNoState while `state`
  // is null (SetThreadState keeps the two in step).
  uint32_t gate;
  uint32_t reserved;
  ThreadState* state;  // this thread's state (thread_state.h), null until created
  inline static constexpr uint32_t kNoState = 1u << 31;
  inline static constexpr uint32_t kDepthMask = kNoState - 1;
};
extern __thread ThreadTls t_tls __attribute__((tls_model("initial-exec")));

inline void SetThreadState(ThreadState* ts) {
  t_tls.state = ts;
  t_tls.gate = ts ? t_tls.gate & ThreadTls::kDepthMask : t_tls.gate | ThreadTls::kNoState;
}

class ReentryGuard {
 public:
  ReentryGuard() : outermost_((t_tls.gate++ & ThreadTls::kDepthMask) == 0) {}
  ~ReentryGuard() { --t_tls.gate; }
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
