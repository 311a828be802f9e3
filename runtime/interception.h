// interception.h — how the runtime finds the real pthread functions.
//
// How to add an interceptor:
//   1. LOCKSCOPE_REAL_DECL(ret, name, params...) in an interceptors_*.cpp file declares the
//      pointer `real_name` (resolved on its first call) and `Real_name()`, which reads it.
//   2. Write LOCKSCOPE_INTERCEPTOR(ret, name, params...) { ScopedInterceptor si; if
//      (!si.active()) return LOCKSCOPE_REAL(name)(args...); Before...; rc = REAL; After...; }
//      — at most ~15 lines, no policy (that lives in thread_state.cpp / thread_lifecycle.cpp).
//   3. Add `Resolve_name()` to the file's Resolve*Interceptors() (called once by the constructor).
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

// Resolves `name` into `*slot`; null (slot unchanged) while dlsym runs on this thread or when
// the symbol does not exist.
template <typename Fn>
__attribute__((noinline)) Fn ResolveRealSlow(const char* name, Fn* slot) {
  if (t_in_dlsym) return nullptr;
  t_in_dlsym = true;
  Fn f = reinterpret_cast<Fn>(dlsym(RTLD_NEXT, name));
  t_in_dlsym = false;
  if (f) __atomic_store_n(slot, f, __ATOMIC_RELEASE);
  return f;
}

// What a real-function slot holds until it is resolved: resolves on first call, then forwards;
// the bootstrap stub's answer (0, success) when it cannot resolve yet. So the slot is never null
// and the lock path calls through it with one load, no test.
template <typename Fn, Fn* Slot, const char* Name>
struct LazyReal;
template <typename R, typename... A, R (**Slot)(A...), const char* Name>
struct LazyReal<R (*)(A...), Slot, Name> {
  static R Call(A... a) {
    R (*f)(A...) = ResolveRealSlow(Name, Slot);
    return f ? f(a...) : R();
  }
};

}  // namespace rt
}  // namespace lockscope

#define LOCKSCOPE_EXPORT extern "C" __attribute__((visibility("default")))

#define LOCKSCOPE_REAL_DECL(ret, name, ...)                                                \
  using name##_fn = ret (*)(__VA_ARGS__);                                                  \
  static constexpr char name##_name[] = #name;                                             \
  static name##_fn real_##name =                                                          \
      &::lockscope::rt::LazyReal<name##_fn, &real_##name, name##_name>::Call;              \
  static inline name##_fn Real_##name() {                                                  \
    return __atomic_load_n(&real_##name, __ATOMIC_RELAXED);                                \
  }                                                                                        \
  [[maybe_unused]] static inline void Resolve_##name() {                                   \
    (void)::lockscope::rt::ResolveRealSlow<name##_fn>(#name, &real_##name);                \
  }

#define LOCKSCOPE_REAL(name) (Real_##name())

#define LOCKSCOPE_INTERCEPTOR(ret, name, ...) LOCKSCOPE_EXPORT ret name(__VA_ARGS__)

// The frame of the exported interceptor, where the call-site key starts (use it in that function).
#define LOCKSCOPE_FRAME() reinterpret_cast<uintptr_t>(__builtin_frame_address(0))
// The return address into the program of the exported interceptor (use it in that function):
// the call site of a *_init, which init_sites.h counts.
#define LOCKSCOPE_CALLER() reinterpret_cast<uintptr_t>(__builtin_return_address(0))

#endif  // LOCKSCOPE_RUNTIME_INTERCEPTION_H_
