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
 *
 * User-defined channels and queues (a queue on a mutex and condition variables, a ring buffer, a
 * lock-free queue): lockscope cannot tell that a thread waits for a message. Declare it:
 *
 *   LOCKSCOPE_CHANNEL_SEND(ch, "jobs");                after a message was put into `ch`
 *   LOCKSCOPE_CHANNEL_RECEIVE(ch, "jobs");             after a message was taken from `ch`
 *   LOCKSCOPE_CHANNEL_CLOSE(ch, "jobs");               when `ch` is closed (no more sends)
 *   LOCKSCOPE_CHANNEL_RECEIVE_WAIT_BEGIN(ch, "jobs");  before blocking until a message comes
 *   LOCKSCOPE_CHANNEL_SEND_WAIT_BEGIN(ch, "jobs");     before blocking until there is room
 *   LOCKSCOPE_CHANNEL_WAIT_END(ch);                    after such a wait, however it ended
 *
 * Between WAIT_BEGIN and WAIT_END the thread shows as waiting on the channel (a kFd wait named
 * "channel jobs"), also while it sleeps in the condvar or semaphore the queue is built on; a
 * timed wait inside makes the channel wait timed. When every thread is asleep and one of them
 * waits on a channel, the watchdog and `lockscope analyze` report a comm-deadlock naming the
 * channel and who sent to or received from it before. A channel is named at its first
 * annotation; the name sticks to the address. The channel must be private to the process (not
 * in memory shared with another process).
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
/* `op`: LOCKSCOPE_CHANNEL_OP_RECEIVE, _SEND or _CLOSE (WaitBegin: RECEIVE or SEND). */
void LockscopeAnnotateChannel(const void* ch, const char* name, int op) __attribute__((weak));
void LockscopeAnnotateChannelWaitBegin(const void* ch, const char* name, int op)
    __attribute__((weak));
void LockscopeAnnotateChannelWaitEnd(const void* ch) __attribute__((weak));

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

#define LOCKSCOPE_CHANNEL_OP_RECEIVE 0
#define LOCKSCOPE_CHANNEL_OP_SEND 1
#define LOCKSCOPE_CHANNEL_OP_CLOSE 2

#define LOCKSCOPE_ANNOTATE_CHANNEL_(ch, name, op)                              \
  do {                                                                         \
    if (&LockscopeAnnotateChannel != 0) LockscopeAnnotateChannel((ch), (name), (op)); \
  } while (0)
#define LOCKSCOPE_CHANNEL_SEND(ch, name) \
  LOCKSCOPE_ANNOTATE_CHANNEL_(ch, name, LOCKSCOPE_CHANNEL_OP_SEND)
#define LOCKSCOPE_CHANNEL_RECEIVE(ch, name) \
  LOCKSCOPE_ANNOTATE_CHANNEL_(ch, name, LOCKSCOPE_CHANNEL_OP_RECEIVE)
#define LOCKSCOPE_CHANNEL_CLOSE(ch, name) \
  LOCKSCOPE_ANNOTATE_CHANNEL_(ch, name, LOCKSCOPE_CHANNEL_OP_CLOSE)

#define LOCKSCOPE_ANNOTATE_CHANNEL_WAIT_(ch, name, op)                         \
  do {                                                                         \
    if (&LockscopeAnnotateChannelWaitBegin != 0)                               \
      LockscopeAnnotateChannelWaitBegin((ch), (name), (op));                   \
  } while (0)
#define LOCKSCOPE_CHANNEL_RECEIVE_WAIT_BEGIN(ch, name) \
  LOCKSCOPE_ANNOTATE_CHANNEL_WAIT_(ch, name, LOCKSCOPE_CHANNEL_OP_RECEIVE)
#define LOCKSCOPE_CHANNEL_SEND_WAIT_BEGIN(ch, name) \
  LOCKSCOPE_ANNOTATE_CHANNEL_WAIT_(ch, name, LOCKSCOPE_CHANNEL_OP_SEND)
#define LOCKSCOPE_CHANNEL_WAIT_END(ch)                                         \
  do {                                                                         \
    if (&LockscopeAnnotateChannelWaitEnd != 0) LockscopeAnnotateChannelWaitEnd((ch)); \
  } while (0)

#endif /* LOCKSCOPE_ANNOTATIONS_H_ */
