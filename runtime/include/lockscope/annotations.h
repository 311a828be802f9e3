/* lockscope/annotations.h — declare locks lockscope cannot see (a distributed lock, a lock built
 * on atomics or futexes, a lock in another process) so they take part in lock-order analysis.
 *
 *   LOCKSCOPE_ACQUIRE(obj, "orders/42");         after `obj` has been acquired exclusively
 *   LOCKSCOPE_ACQUIRE_SHARED(obj, "orders/42");  after `obj` has been acquired shared
 *   LOCKSCOPE_RELEASE(obj);                      right before `obj` is released
 *
 * `obj` is any address that identifies the lock for its lifetime (usually the lock object
 * itself); `name` is how reports name it (copied at the first acquisition; later names for the
 * same object are ignored). The lock is recorded as kind "annotated" with the same held-set and
 * lock-order machinery as a pthread mutex: taking it while holding a mutex (or the reverse) makes
 * an edge of the lock graph, and a cycle across kinds is reported like any other.
 *
 * No link dependency: the functions are weak declarations that liblockscope.so defines. In a
 * program run without the runtime their address is null and the macros do nothing, so a program
 * built with this header links and runs as before. C and C++. Thread-safe (per-thread state).
 * Stability: these three entry points are part of lockscope's public interface.
 */
#ifndef LOCKSCOPE_ANNOTATIONS_H_
#define LOCKSCOPE_ANNOTATIONS_H_

#ifdef __cplusplus
extern "C" {
#endif

/* Defined by liblockscope.so. `shared` is 0 (exclusive) or 1 (shared). */
void LockscopeAnnotateAcquire(const void* obj, const char* name, int shared)
    __attribute__((weak));
void LockscopeAnnotateRelease(const void* obj) __attribute__((weak));

#ifdef __cplusplus
}
#endif

#define LOCKSCOPE_ANNOTATE_ACQUIRE_(obj, name, shared)                         \
  do {                                                                         \
    if (&LockscopeAnnotateAcquire != 0) LockscopeAnnotateAcquire((obj), (name), (shared)); \
  } while (0)

#define LOCKSCOPE_ACQUIRE(obj, name) LOCKSCOPE_ANNOTATE_ACQUIRE_(obj, name, 0)
#define LOCKSCOPE_ACQUIRE_SHARED(obj, name) LOCKSCOPE_ANNOTATE_ACQUIRE_(obj, name, 1)
#define LOCKSCOPE_RELEASE(obj)                                                 \
  do {                                                                         \
    if (&LockscopeAnnotateRelease != 0) LockscopeAnnotateRelease((obj));       \
  } while (0)

#endif /* LOCKSCOPE_ANNOTATIONS_H_ */
