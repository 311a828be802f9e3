// interception.h — how the runtime finds the real pthread functions.
//
// How to add an interceptor:
//   1. LOCKSCOPE_REAL_DECL(ret, name, params...) in an interceptors_*.cpp file declares the
//      pointer `real_name` and `Real_name()`, which resolves it on demand.
//   2. Write LOCKSCOPE_INTERCEPTOR(ret, name, params...) { ScopedInterceptor si; if
//      (!si.active()) return LOCKSCOPE_REAL(name)(args...); Before...; rc = REAL; After...; }
//      — at most ~15 lines, no policy (that lives in thread_state.cpp / thread_lifecycle.cpp).
//   3. Add `Real_name()` to the file's Resolve*Interceptors() (called once by the constructor).
//
// Resolution: plain dlsym(RTLD_NEXT). On glibc 2.36 it returns the default (newest) version of
// pthread_cond_*, which is what the program links against; dlvsym would also skip any other
// preloaded library that wraps the same function.
// Bootstrap: a call that arrives before the constructor resolves on demand. A call that arrives
// *while* dlsym itself runs on this thread (dlsym may take locks or call into code that we
// intercept) cannot be resolved: it gets a stub that returns 0 (success). This only happens
// single-threaded during early start-up, where an uncontended lock/unlock is a no-op anyway
// (mutrace's "called inside of dlsym()" case).

#ifndef LOCKSCOPE_RUNTIME_INTERCEPTION_H_
#define LOCKSCOPE_RUNTIME_INTERCEPTION_H_

#include <dlfcn.h>

namespace lockscope {
namespace rt {

extern __thread bool t_in_dlsym __attribute__((tls_model("initial-exec")));

template <typename R, typename... A>
R BootstrapStub(A...) {
  return R();
}

template <typename Fn>
__attribute__((noinline)) Fn ResolveRealSlow(const char* name, Fn* slot) {
  if (t_in_dlsym) return nullptr;
  t_in_dlsym = true;
  Fn f = reinterpret_cast<Fn>(dlsym(RTLD_NEXT, name));
  t_in_dlsym = false;
  if (f) __atomic_store_n(slot, f, __ATOMIC_RELEASE);
  return f;
}

// The resolved pointer (one load on the lock path), resolving it on first use.
template <typename Fn>
inline Fn ResolveReal(const char* name, Fn* slot) {
  Fn f = __atomic_load_n(slot, __ATOMIC_ACQUIRE);
  return f ? f : ResolveRealSlow(name, slot);
}

}  // namespace rt
}  // namespace lockscope

#define LOCKSCOPE_EXPORT extern "C" __attribute__((visibility("default")))

#define LOCKSCOPE_REAL_DECL(ret, name, ...)                                                \
  using name##_fn = ret (*)(__VA_ARGS__);                                                  \
  static name##_fn real_##name = nullptr;                                                  \
  static inline name##_fn Real_##name() {                                                  \
    name##_fn f = ::lockscope::rt::ResolveReal<name##_fn>(#name, &real_##name);            \
    return f ? f : &::lockscope::rt::BootstrapStub<ret, ##__VA_ARGS__>;                    \
  }

#define LOCKSCOPE_REAL(name) (Real_##name())

#define LOCKSCOPE_INTERCEPTOR(ret, name, ...) LOCKSCOPE_EXPORT ret name(__VA_ARGS__)

#endif  // LOCKSCOPE_RUNTIME_INTERCEPTION_H_
