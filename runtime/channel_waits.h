// channel_waits.h — recording policy for channels (issue #4): blocking I/O on pipes, FIFOs,
// eventfds and socketpairs, and user channels declared through lockscope/annotations.h. The fd
// and annotation interceptors only adapt; everything they record is decided here.
//
// What is recorded: kChannel when a channel is made (with its identity, see trace::ChannelKind),
// kChannelUse the first time a thread reads, writes or closes it (who can wake whom), and a kFd
// wait in the thread's slot while it is inside a read/write-like call on a channel fd that will
// block (not O_NONBLOCK, not MSG_DONTWAIT, and a poll() with timeout 0 found it not ready: one
// syscall per channel operation, never on other fds) or between a user channel's WAIT_BEGIN and
// WAIT_END. Every operation bumps the wake table for the waiters it may end (trace_format.h,
// ChannelWakeKey), so the watchdog and the analyzer never call a wait stuck that was just ended.
// Plain fds cost one table load in the interceptor and never get here (channel_table.h).
// Thread-safety: per-thread state plus the atomic channel table. No malloc.

#ifndef LOCKSCOPE_RUNTIME_CHANNEL_WAITS_H_
#define LOCKSCOPE_RUNTIME_CHANNEL_WAITS_H_

#include <cstdint>

#include "channel_table.h"
#include "internal/reentry_guard.h"
#include "lockscope/trace_format.h"
#include "thread_state.h"

namespace lockscope {
namespace rt {

// After a successful pipe/pipe2 (fds[0] read end), socketpair or eventfd (n = 1).
void AfterChannelCreate(const ReentryGuard& g, ThreadState* ts, trace::ChannelKind kind,
                        const int* fds, int n, bool nonblocking);
// After a successful open/openat: forgets a stale entry; a FIFO becomes an external channel.
void AfterOpenFd(const ReentryGuard& g, ThreadState* ts, int fd);
// Before the real close of a channel fd (ts may be null: then only forgotten).
void BeforeCloseFd(const ReentryGuard& g, ThreadState* ts, int fd);

// A read/write-like call on a channel fd. Begin shows the wait (unless it cannot block), End
// clears it, bumps the wake table and records the use. rc: the call's result.
struct FdIo {
  FdChannel channel;
  int fd = -1;
  trace::ChannelOp dir = trace::ChannelOp::kReceive;
  bool shown = false;
};
bool BeginFdIo(const ReentryGuard& g, ThreadState* ts, FdIo* io, int fd, trace::ChannelOp dir,
               bool dont_wait);
void EndFdIo(const ReentryGuard& g, ThreadState* ts, FdIo* io, long rc);

// User channels (lockscope/annotations.h). `op`: kSend / kReceive / kClose.
void OnUserChannelOp(const ReentryGuard& g, ThreadState* ts, const void* channel,
                     const char* name, trace::ChannelOp op);
void BeginUserChannelWait(const ReentryGuard& g, ThreadState* ts, const void* channel,
                          const char* name, trace::ChannelOp dir);
void EndUserChannelWait(const ReentryGuard& g, ThreadState* ts, const void* channel);

}  // namespace rt
}  // namespace lockscope

#endif  // LOCKSCOPE_RUNTIME_CHANNEL_WAITS_H_
