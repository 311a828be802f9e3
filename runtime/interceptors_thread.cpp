// pthread_create/join/detach/exit/setname and fork: thin adapters (policy in
// thread_lifecycle.cpp). Thread exit itself is caught by the pthread key destructor.

#include <pthread.h>
#include <unistd.h>

#include "interception.h"
#include "channel_table.h"
#include "scoped_interceptor.h"
#include "stack_table.h"
#include "watchdog.h"

using lockscope::rt::ScopedInterceptor;
using lockscope::rt::ThreadArgs;
namespace rt = lockscope::rt;

using start_fn = void* (*)(void*);

LOCKSCOPE_REAL_DECL(int, pthread_create, pthread_t*, const pthread_attr_t*, start_fn, void*)
LOCKSCOPE_REAL_DECL(int, pthread_join, pthread_t, void**)
LOCKSCOPE_REAL_DECL(int, pthread_tryjoin_np, pthread_t, void**)
LOCKSCOPE_REAL_DECL(int, pthread_timedjoin_np, pthread_t, void**, const struct timespec*)
LOCKSCOPE_REAL_DECL(int, pthread_detach, pthread_t)
LOCKSCOPE_REAL_DECL(void, pthread_exit, void*)
LOCKSCOPE_REAL_DECL(int, pthread_setname_np, pthread_t, const char*)
LOCKSCOPE_REAL_DECL(pid_t, fork)

namespace lockscope {
namespace rt {
void ResolveThreadInterceptors() {
  Resolve_pthread_create(), Resolve_pthread_join(), Resolve_pthread_tryjoin_np();
  Resolve_pthread_timedjoin_np(), Resolve_pthread_detach(), Resolve_pthread_exit();
  Resolve_pthread_setname_np(), Resolve_fork();
}
}  // namespace rt
}  // namespace lockscope

LOCKSCOPE_INTERCEPTOR(int, pthread_create, pthread_t* t, const pthread_attr_t* a, start_fn fn,
                      void* arg) noexcept {
  ScopedInterceptor si;
  if (!si.active()) return LOCKSCOPE_REAL(pthread_create)(t, a, fn, arg);
  rt::MaybeStartWatchdog(si, LOCKSCOPE_REAL(pthread_create));
  ThreadArgs* args = rt::BeforeThreadCreate(si, si.ts(), fn, arg);
  rt::NoteThreadAttr(args, a);
  rt::ThreadOrigin origin = rt::OriginOf(args);  // copied now: the child frees args
  int rc = args ? LOCKSCOPE_REAL(pthread_create)(t, a, rt::ThreadTrampoline, args)
                : LOCKSCOPE_REAL(pthread_create)(t, a, fn, arg);
  rt::AfterThreadCreate(si, si.ts(), args, rc);
  if (rc == 0 && args) rt::RecordThreadCreated(si, si.ts(), *t, origin);
  return rc;
}

LOCKSCOPE_INTERCEPTOR(int, pthread_join, pthread_t t, void** ret) {
  ScopedInterceptor si;
  if (!si.active()) return LOCKSCOPE_REAL(pthread_join)(t, ret);
  uint32_t stack_id = 0;
  uint32_t tid = rt::BeforeJoin(si, si.ts(), t, /*blocking=*/true, &stack_id);
  int rc = LOCKSCOPE_REAL(pthread_join)(t, ret);
  rt::AfterJoin(si, si.ts(), t, tid, stack_id, rc);
  return rc;
}

LOCKSCOPE_INTERCEPTOR(int, pthread_tryjoin_np, pthread_t t, void** ret) noexcept {
  ScopedInterceptor si;
  if (!si.active()) return LOCKSCOPE_REAL(pthread_tryjoin_np)(t, ret);
  uint32_t stack_id = 0;
  uint32_t tid = rt::BeforeJoin(si, si.ts(), t, /*blocking=*/false, &stack_id);
  int rc = LOCKSCOPE_REAL(pthread_tryjoin_np)(t, ret);
  rt::AfterJoin(si, si.ts(), t, tid, stack_id, rc);
  return rc;
}

LOCKSCOPE_INTERCEPTOR(int, pthread_timedjoin_np, pthread_t t, void** ret,
                      const struct timespec* abstime) {
  ScopedInterceptor si;
  if (!si.active()) return LOCKSCOPE_REAL(pthread_timedjoin_np)(t, ret, abstime);
  uint32_t stack_id = 0;
  uint32_t tid = rt::BeforeJoin(si, si.ts(), t, /*blocking=*/true, &stack_id, /*timed=*/true);
  int rc = LOCKSCOPE_REAL(pthread_timedjoin_np)(t, ret, abstime);
  rt::AfterJoin(si, si.ts(), t, tid, stack_id, rc);
  return rc;
}

LOCKSCOPE_INTERCEPTOR(int, pthread_detach, pthread_t t) noexcept {
  ScopedInterceptor si;
  int rc = LOCKSCOPE_REAL(pthread_detach)(t);
  if (si.active()) rt::OnDetach(si, si.ts(), t, rc);
  return rc;
}

// The guard must not stay raised across the real pthread_exit: cleanup handlers and TSD
// destructors that run during the exit still need to be seen (e.g. a handler that unlocks).
LOCKSCOPE_EXPORT __attribute__((noreturn)) void pthread_exit(void* value) {
  {
    ScopedInterceptor si;
    if (si.active()) rt::OnPthreadExit(si, si.ts());
  }
  LOCKSCOPE_REAL(pthread_exit)(value);
  __builtin_unreachable();
}

LOCKSCOPE_INTERCEPTOR(int, pthread_setname_np, pthread_t t, const char* name) noexcept {
  ScopedInterceptor si;
  int rc = LOCKSCOPE_REAL(pthread_setname_np)(t, name);
  if (si.active()) rt::OnSetName(si, si.ts(), t, name, rc);
  return rc;
}

// Child: new trace file and fresh tables (only the forking thread survives). Parent: kFork.
LOCKSCOPE_INTERCEPTOR(pid_t, fork) noexcept {
  rt::NoteSpawn();  // both processes now hold every channel made so far (channel_table.h)
  ScopedInterceptor si;
  if (!si.active()) return LOCKSCOPE_REAL(fork)();
  uint32_t stack_id = rt::CaptureStackId(si, &si.ts()->buf);
  pid_t rc = LOCKSCOPE_REAL(fork)();
  rt::AfterFork(si, si.ts(), rc, stack_id);
  return rc;
}
