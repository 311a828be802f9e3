// forward_shim.c — libforward_shim.so, a preload library that only forwards: each pthread call that
// lockscope's interceptors take on the benchmark workloads' paths goes straight to the next
// definition (libc). No TLS, no counters, no records.
//
// Why it exists: any LD_PRELOAD tool pays for interposition itself (the call goes through the
// program's PLT into the preload library, then one more indirect call into libc, and the call is
// no longer the inlinable fast path the program was built against). This is the floor of that
// cost on the machine at hand — issue #7's "forwarding-only shim" column (1.13x on the uncontended
// mutex loop there). bench/run.sh runs every workload natively, under this shim and under
// lockscope, so lockscope / shim is what recording costs beyond interposition.
//
// Resolution, as a real interposer must do it: the condvar functions exist in two versions on
// x86-64 glibc (GLIBC_2.2.5, the old layout, and GLIBC_2.3.2, the one programs link); dlvsym picks
// the one programs use, dlsym(RTLD_NEXT) is the fallback (other architectures have one version).
// Each slot starts at a stub that resolves on first call, so a call that arrives before the
// constructor (another library's constructor) still forwards; afterwards a call is one load and
// one indirect jump, like lockscope's LOCKSCOPE_REAL.
#define _GNU_SOURCE
#include <dlfcn.h>
#include <pthread.h>
#include <sched.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

// The thread resolving a symbol in a stub (0: none). Without TLS, this tells a re-entry from
// dlsym itself (answered 0, success: only possible single-threaded during start-up, where an
// uncontended lock is a no-op anyway) from another thread's first call (which waits its turn).
static uintptr_t g_resolver;

// Runs find() for the calling thread; 0 when this thread is already inside a find().
static int Resolve(void (*find)(void)) {
  uintptr_t self = (uintptr_t)pthread_self();
  uintptr_t expected = 0;
  while (!__atomic_compare_exchange_n(&g_resolver, &expected, self, 0, __ATOMIC_ACQUIRE,
                                      __ATOMIC_RELAXED)) {
    if (expected == self) return 0;
    expected = 0;
    sched_yield();
  }
  find();
  __atomic_store_n(&g_resolver, 0, __ATOMIC_RELEASE);
  return 1;
}

static void* FindNext(const char* name, const char* version) {
  void* f = version ? dlvsym(RTLD_NEXT, name, version) : NULL;
  return f ? f : dlsym(RTLD_NEXT, name);
}

// SHIM(name, version or NULL, (params), (args)): the slot real_NAME, its stub and the exported
// forwarder.
#define SHIM(name, version, params, args)                          \
  typedef int(*name##_fn) params;                                  \
  static int Stub_##name params;                                   \
  static name##_fn real_##name = Stub_##name;                      \
  static void Find_##name(void) {                                  \
    name##_fn f = (name##_fn)FindNext(#name, version);             \
    if (f) __atomic_store_n(&real_##name, f, __ATOMIC_RELEASE);    \
  }                                                                \
  static int Stub_##name params {                                  \
    if (!Resolve(Find_##name)) return 0;                           \
    name##_fn f = __atomic_load_n(&real_##name, __ATOMIC_ACQUIRE); \
    return f == Stub_##name ? 0 : f args;                          \
  }                                                                \
  __attribute__((visibility("default"))) int name params {         \
    return __atomic_load_n(&real_##name, __ATOMIC_RELAXED) args;   \
  }

#define CONDVAR_VERSION "GLIBC_2.3.2"
typedef pthread_mutex_t mutex_t;
typedef pthread_rwlock_t rwlock_t;
typedef pthread_cond_t cond_t;
typedef const struct timespec* ts_t;

SHIM(pthread_mutex_lock, NULL, (mutex_t * m), (m))
SHIM(pthread_mutex_trylock, NULL, (mutex_t * m), (m))
SHIM(pthread_mutex_unlock, NULL, (mutex_t * m), (m))
SHIM(pthread_rwlock_rdlock, NULL, (rwlock_t * l), (l))
SHIM(pthread_rwlock_wrlock, NULL, (rwlock_t * l), (l))
SHIM(pthread_rwlock_tryrdlock, NULL, (rwlock_t * l), (l))
SHIM(pthread_rwlock_trywrlock, NULL, (rwlock_t * l), (l))
SHIM(pthread_rwlock_unlock, NULL, (rwlock_t * l), (l))
SHIM(pthread_cond_wait, CONDVAR_VERSION, (cond_t * c, mutex_t* m), (c, m))
SHIM(pthread_cond_timedwait, CONDVAR_VERSION, (cond_t * c, mutex_t* m, ts_t t), (c, m, t))
SHIM(pthread_cond_signal, CONDVAR_VERSION, (cond_t * c), (c))
SHIM(pthread_cond_broadcast, CONDVAR_VERSION, (cond_t * c), (c))
SHIM(pthread_spin_lock, NULL, (pthread_spinlock_t * l), (l))
SHIM(pthread_spin_unlock, NULL, (pthread_spinlock_t * l), (l))

static void FindAll(void) {
  Find_pthread_mutex_lock();
  Find_pthread_mutex_trylock();
  Find_pthread_mutex_unlock();
  Find_pthread_rwlock_rdlock();
  Find_pthread_rwlock_wrlock();
  Find_pthread_rwlock_tryrdlock();
  Find_pthread_rwlock_trywrlock();
  Find_pthread_rwlock_unlock();
  Find_pthread_cond_wait();
  Find_pthread_cond_timedwait();
  Find_pthread_cond_signal();
  Find_pthread_cond_broadcast();
  Find_pthread_spin_lock();
  Find_pthread_spin_unlock();
}

__attribute__((constructor)) static void ResolveAll(void) { Resolve(FindAll); }
