// sigaction / signal: only the dump signal (thread_dump.h) is looked at; every other signal, and
// every call while the runtime is off, goes straight to libc. A program that installs its own
// handler for the dump signal keeps it and lockscope stands down (rt::DumpSignalSigaction).

#include <signal.h>

#include "interception.h"
#include "runtime.h"
#include "thread_dump.h"

namespace rt = lockscope::rt;

using handler_t = void (*)(int);

LOCKSCOPE_REAL_DECL(int, sigaction, int, const struct sigaction*, struct sigaction*)
LOCKSCOPE_REAL_DECL(handler_t, signal, int, handler_t)

namespace lockscope {
namespace rt {
void ResolveSignalInterceptors() { Resolve_sigaction(), Resolve_signal(); }
}  // namespace rt
}  // namespace lockscope

LOCKSCOPE_INTERCEPTOR(int, sigaction, int sig, const struct sigaction* act, struct sigaction* old)
noexcept {
  if (!rt::RuntimeActive() || !rt::IsDumpSignal(sig))
    return LOCKSCOPE_REAL(sigaction)(sig, act, old);
  return rt::DumpSignalSigaction(sig, act, old);
}

LOCKSCOPE_INTERCEPTOR(handler_t, signal, int sig, handler_t handler) noexcept {
  if (!rt::RuntimeActive() || !rt::IsDumpSignal(sig)) return LOCKSCOPE_REAL(signal)(sig, handler);
  struct sigaction act = {}, old = {};
  act.sa_handler = handler;
  act.sa_flags = SA_RESTART;  // glibc's signal(): BSD semantics
  sigemptyset(&act.sa_mask);
  if (rt::DumpSignalSigaction(sig, &act, &old) != 0) return SIG_ERR;
  return old.sa_handler;
}
