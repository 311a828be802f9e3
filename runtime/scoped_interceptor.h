// scoped_interceptor.h — what every interceptor constructs first.
//
// ScopedInterceptor is the re-entry guard plus the thread's state. active() is false (call the
// real function and nothing else) when: the runtime is not initialized yet or is disabled; the
// call is nested inside another interceptor or runtime code on this thread (re-entry, or a
// signal handler interrupting us); or the thread's exit has already been recorded.

#ifndef LOCKSCOPE_RUNTIME_SCOPED_INTERCEPTOR_H_
#define LOCKSCOPE_RUNTIME_SCOPED_INTERCEPTOR_H_

#include "internal/reentry_guard.h"
#include "runtime.h"
#include "thread_state.h"

namespace lockscope {
namespace rt {

class ScopedInterceptor : public ReentryGuard {
 public:
  ScopedInterceptor()
      : ts_(outermost() && RuntimeActive()
                ? (t_tls.state ? t_tls.state : CurrentThreadState(*this))
                : nullptr) {}
  bool active() const { return ts_ != nullptr && RuntimeActive(); }
  ThreadState* ts() const { return ts_; }
  const ReentryGuard& g() const { return *this; }

 private:
  ThreadState* ts_;
};

}  // namespace rt
}  // namespace lockscope

#endif  // LOCKSCOPE_RUNTIME_SCOPED_INTERCEPTOR_H_
