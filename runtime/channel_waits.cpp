// channel_waits.cpp — see channel_waits.h.

#include "channel_waits.h"

#include <poll.h>
#include <sys/stat.h>

#include <cstring>

#include "event_buffer.h"
#include "runtime.h"

namespace lockscope {
namespace rt {
namespace {

using trace::ChannelKind;
using trace::ChannelOp;

void WriteChannelDef(const ReentryGuard& g, ThreadState* ts, ChannelKind kind, uint64_t ident,
                     const int* fds, int n, uint32_t stack_id, uint8_t flags, const char* name) {
  auto r = MakeRecord<trace::ChannelDef>(trace::RecordKind::kChannel, flags);
  r.seq = NextSeq();
  r.ident = ident;
  r.fds[0] = n > 0 ? fds[0] : -1;
  r.fds[1] = n > 1 ? fds[1] : -1;
  r.stack_id = stack_id;
  r.channel_kind = static_cast<uint8_t>(kind);
  r.name_len = name ? static_cast<uint32_t>(strnlen(name, trace::kMaxLockNameBytes)) : 0;
  EmitRecord(g, &ts->buf, r, name, r.name_len);
}

void WriteChannelUse(const ReentryGuard& g, ThreadState* ts, uint64_t ident, int fd, ChannelOp op,
                     uint32_t stack_id) {
  auto r = MakeRecord<trace::ChannelUse>(trace::RecordKind::kChannelUse, static_cast<uint8_t>(op));
  r.seq = NextSeq();
  r.ident = ident;
  r.fd = fd;
  r.stack_id = stack_id;
  EmitRecord(g, &ts->buf, r);
}

// The waiters an operation in direction `op` may end: a send ends receives and vice versa.
ChannelOp Opposite(ChannelOp op) {
  return op == ChannelOp::kSend ? ChannelOp::kReceive : ChannelOp::kSend;
}

void BumpFor(ThreadState* ts, uint64_t ident, ChannelOp op) {
  if (op == ChannelOp::kClose) {  // EOF for readers, EPIPE for writers
    BumpChannelWake(ts, ident, ChannelOp::kReceive);
    BumpChannelWake(ts, ident, ChannelOp::kSend);
  } else {
    BumpChannelWake(ts, ident, Opposite(op));
  }
}

}  // namespace

void AfterChannelCreate(const ReentryGuard& g, ThreadState* ts, ChannelKind kind, const int* fds,
                        int n, bool nonblocking) {
  ErrnoSaver es;
  FdChannel c;
  c.kind = static_cast<uint8_t>(kind);
  c.flags = nonblocking ? kFdNonBlocking : 0;
  c.spawn = SpawnCount();
  struct stat st;
  if (kind == ChannelKind::kEventfd) {
    c.ident = NextSyntheticChannelIdent();
  } else if (fstat(fds[0], &st) == 0 && st.st_ino != 0) {
    c.ident = st.st_ino;  // both pipe ends share it; a socketpair is named by its first socket
  } else {
    return;  // no identity: leave the fds plain
  }
  for (int i = 0; i < n; ++i) NoteChannelFd(fds[i], c);
  if (ts != nullptr) {
    WriteChannelDef(g, ts, kind, c.ident, fds, n, WaitSiteStackId(g, ts, 0xc0), 0, nullptr);
  }
}

void AfterOpenFd(const ReentryGuard& g, ThreadState* ts, int fd) {
  if (fd < 0) return;
  ForgetChannelFd(fd);  // closed behind our back (fclose, close_range) and reused
  if (ts == nullptr || fd >= kMaxChannelFds) return;
  ErrnoSaver es;
  struct stat st;
  if (fstat(fd, &st) != 0 || !S_ISFIFO(st.st_mode)) return;
  FdChannel c;
  c.ident = st.st_ino;
  c.kind = static_cast<uint8_t>(ChannelKind::kFifo);
  c.flags = kFdExternal;
  c.spawn = SpawnCount();
  NoteChannelFd(fd, c);
  WriteChannelDef(g, ts, ChannelKind::kFifo, c.ident, &fd, 1, WaitSiteStackId(g, ts, 0xc1),
                  trace::kChannelExternal, nullptr);
}

void BeforeCloseFd(const ReentryGuard& g, ThreadState* ts, int fd) {
  FdChannel c;
  if (!LookupChannelFd(fd, &c)) return;
  // Forget before the real close: once it runs, another thread may get the same number.
  ForgetChannelFd(fd);
  if (ts == nullptr) return;  // runtime off or nested: nothing is recorded
  BumpFor(ts, c.ident, ChannelOp::kClose);
  if (ClaimChannelFdUse(fd, ts->tid, ChannelOp::kClose)) {
    ErrnoSaver es;
    WriteChannelUse(g, ts, c.ident, fd, ChannelOp::kClose, WaitSiteStackId(g, ts, 0xc2));
  }
}

bool BeginFdIo(const ReentryGuard& g, ThreadState* ts, FdIo* io, int fd, ChannelOp dir,
               bool dont_wait) {
  if (!LookupChannelFd(fd, &io->channel)) return false;
  ErrnoSaver es;
  io->fd = fd;
  io->dir = dir;
  BumpFor(ts, io->channel.ident, dir);  // before: it may end the other side's wait
  if (dont_wait || (io->channel.flags & kFdNonBlocking) != 0) return true;
  // Ready now (data to read, room to write, end of file, an error): the call will not block, so
  // it is no wait. Like a trylock before a blocking lock: a thread that talks through a pipe
  // all the time must not look blocked in every snapshot (thread leaks at exit, dumps).
  struct pollfd ready = {fd, static_cast<short>(dir == ChannelOp::kSend ? POLLOUT : POLLIN), 0};
  if (poll(&ready, 1, 0) != 0) return true;
  ChannelWait w;
  w.ident = io->channel.ident;
  w.fd = fd;
  w.kind = io->channel.kind;
  w.dir = static_cast<uint8_t>(dir);
  w.wait_flags = ChannelExternal(io->channel) ? trace::kWaitShared : 0;
  w.stack_id = WaitSiteStackId(g, ts, 0xc3 + static_cast<uint32_t>(dir));
  PublishChannelWait(ts, &w, /*fresh=*/true);
  io->shown = true;
  return true;
}

void EndFdIo(const ReentryGuard& g, ThreadState* ts, FdIo* io, long rc) {
  ErrnoSaver es;
  if (io->shown) EndObjectWait(g, ts);  // first: the thread runs again
  BumpFor(ts, io->channel.ident, io->dir);  // after: what it moved may end the other side's wait
  if (rc >= 0 && ClaimChannelFdUse(io->fd, ts->tid, io->dir)) {
    WriteChannelUse(g, ts, io->channel.ident, io->fd, io->dir,
                    WaitSiteStackId(g, ts, 0xc3 + static_cast<uint32_t>(io->dir)));
  }
}

void OnUserChannelOp(const ReentryGuard& g, ThreadState* ts, const void* channel,
                     const char* name, ChannelOp op) {
  if (channel == nullptr) return;
  ErrnoSaver es;
  const uint64_t ident = reinterpret_cast<uintptr_t>(channel);
  BumpFor(ts, ident, op);
  bool created = false;
  int index = FindUserChannel(channel, name ? name : "", &created);
  const bool first_use = ClaimUserChannelUse(index, ts->tid, op);
  if (!created && !first_use) return;
  uint32_t stack_id = WaitSiteStackId(g, ts, 0xc8 + static_cast<uint32_t>(op));
  if (created) {
    WriteChannelDef(g, ts, ChannelKind::kUser, ident, nullptr, 0, stack_id, 0, name ? name : "");
  }
  if (first_use) WriteChannelUse(g, ts, ident, -1, op, stack_id);
}

void BeginUserChannelWait(const ReentryGuard& g, ThreadState* ts, const void* channel,
                          const char* name, ChannelOp dir) {
  if (channel == nullptr) return;
  ErrnoSaver es;
  bool created = false;
  FindUserChannel(channel, name ? name : "", &created);
  ChannelWait w;
  w.ident = reinterpret_cast<uintptr_t>(channel);
  w.kind = static_cast<uint8_t>(ChannelKind::kUser);
  w.dir = static_cast<uint8_t>(dir);
  w.stack_id = WaitSiteStackId(g, ts, 0xcc + static_cast<uint32_t>(dir));
  if (created) {
    WriteChannelDef(g, ts, ChannelKind::kUser, w.ident, nullptr, 0, w.stack_id, 0,
                    name ? name : "");
  }
  t_user_wait.ident = 0;  // PublishChannelWait must not take the nested-wait path
  PublishChannelWait(ts, &w, /*fresh=*/true);
  t_user_wait = w;
}

void EndUserChannelWait(const ReentryGuard& g, ThreadState* ts, const void* channel) {
  if (t_user_wait.ident == 0 || t_user_wait.ident != reinterpret_cast<uintptr_t>(channel)) return;
  ErrnoSaver es;
  t_user_wait.ident = 0;
  EndObjectWait(g, ts);
}

}  // namespace rt
}  // namespace lockscope
