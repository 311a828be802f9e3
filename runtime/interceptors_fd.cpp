// Channels: pipe/pipe2/eventfd/socketpair/open (a FIFO) make them, close/dup* forget them,
// fcntl(F_SETFL) tracks O_NONBLOCK on them, read/write and their siblings on them are waits
// (channel_waits.h has the policy). fork,
// posix_spawn, popen and system tell the table that an end may now live in another process.
//
// The read/write family is on every program's I/O path: on a fd that is not a channel the
// interceptor is one load of the channel table and the real call — no guard, no TLS, no syscall
// of ours. Their real functions fall back to the raw syscall while dlsym cannot be entered (the
// bootstrap stub's "return 0" would be an EOF, a lost close or fd 0 from open).

#include <fcntl.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include "channel_waits.h"
#include "interception.h"
#include "scoped_interceptor.h"

using lockscope::rt::ScopedInterceptor;
using lockscope::trace::ChannelKind;
using lockscope::trace::ChannelOp;
namespace rt = lockscope::rt;

LOCKSCOPE_REAL_DECL(ssize_t, read, int, void*, size_t)
LOCKSCOPE_REAL_DECL(ssize_t, write, int, const void*, size_t)
LOCKSCOPE_REAL_DECL(int, close, int)
LOCKSCOPE_REAL_DECL(ssize_t, __read_chk, int, void*, size_t, size_t)
LOCKSCOPE_REAL_DECL(ssize_t, readv, int, const struct iovec*, int)
LOCKSCOPE_REAL_DECL(ssize_t, writev, int, const struct iovec*, int)
LOCKSCOPE_REAL_DECL(ssize_t, recv, int, void*, size_t, int)
LOCKSCOPE_REAL_DECL(ssize_t, send, int, const void*, size_t, int)
LOCKSCOPE_REAL_DECL(ssize_t, recvmsg, int, struct msghdr*, int)
LOCKSCOPE_REAL_DECL(ssize_t, sendmsg, int, const struct msghdr*, int)
LOCKSCOPE_REAL_DECL(int, pipe, int*)
LOCKSCOPE_REAL_DECL(int, pipe2, int*, int)
LOCKSCOPE_REAL_DECL(int, eventfd, unsigned, int)
LOCKSCOPE_REAL_DECL(int, socketpair, int, int, int, int*)
LOCKSCOPE_REAL_DECL(int, open, const char*, int, mode_t)
LOCKSCOPE_REAL_DECL(int, open64, const char*, int, mode_t)
LOCKSCOPE_REAL_DECL(int, openat, int, const char*, int, mode_t)
LOCKSCOPE_REAL_DECL(int, openat64, int, const char*, int, mode_t)
LOCKSCOPE_REAL_DECL(int, fcntl, int, int, void*)
LOCKSCOPE_REAL_DECL(int, fcntl64, int, int, void*)
LOCKSCOPE_REAL_DECL(int, dup, int)
LOCKSCOPE_REAL_DECL(int, dup2, int, int)
LOCKSCOPE_REAL_DECL(int, dup3, int, int, int)
LOCKSCOPE_REAL_DECL(int, posix_spawn, pid_t*, const char*, const posix_spawn_file_actions_t*,
                    const posix_spawnattr_t*, char* const*, char* const*)
LOCKSCOPE_REAL_DECL(int, posix_spawnp, pid_t*, const char*, const posix_spawn_file_actions_t*,
                    const posix_spawnattr_t*, char* const*, char* const*)
LOCKSCOPE_REAL_DECL(FILE*, popen, const char*, const char*)
LOCKSCOPE_REAL_DECL(int, system, const char*)

namespace lockscope {
namespace rt {
void ResolveFdInterceptors() {
  Resolve_read(), Resolve_write(), Resolve_close(), Resolve___read_chk(), Resolve_readv();
  Resolve_writev(), Resolve_recv(), Resolve_send(), Resolve_recvmsg(), Resolve_sendmsg();
  Resolve_pipe(), Resolve_pipe2(), Resolve_eventfd(), Resolve_socketpair(), Resolve_open();
  Resolve_open64(), Resolve_openat(), Resolve_openat64(), Resolve_dup(), Resolve_dup2();
  Resolve_dup3(), Resolve_posix_spawn(), Resolve_posix_spawnp(), Resolve_popen();
  Resolve_system(), Resolve_fcntl(), Resolve_fcntl64();
}
}  // namespace rt
}  // namespace lockscope

namespace {

// The real function, or null while it cannot be resolved (the slot still holds the lazy
// resolver, whose fallback answer 0 would be wrong here: the caller makes the raw syscall).
template <typename Fn, Fn* Slot, const char* Name>
Fn RealOrNull() {
  Fn f = __atomic_load_n(Slot, __ATOMIC_RELAXED);
  if (f != &rt::LazyReal<Fn, Slot, Name>::Call) return f;
  return rt::ResolveRealSlow<Fn>(Name, Slot);
}

ssize_t RealRead(int fd, void* buf, size_t n) {
  read_fn f = RealOrNull<read_fn, &real_read, read_name>();
  return f ? f(fd, buf, n) : syscall(SYS_read, fd, buf, n);
}

ssize_t RealWrite(int fd, const void* buf, size_t n) {
  write_fn f = RealOrNull<write_fn, &real_write, write_name>();
  return f ? f(fd, buf, n) : syscall(SYS_write, fd, buf, n);
}

template <openat_fn* Slot, const char* Name>
int RealOpenAt(int dirfd, const char* path, int flags, mode_t mode) {
  openat_fn f = RealOrNull<openat_fn, Slot, Name>();
  return f ? f(dirfd, path, flags, mode)
           : static_cast<int>(syscall(SYS_openat, dirfd, path, flags, mode));
}

template <open_fn* Slot, const char* Name>
int RealOpen(const char* path, int flags, mode_t mode) {
  open_fn f = RealOrNull<open_fn, Slot, Name>();
  return f ? f(path, flags, mode)
           : static_cast<int>(syscall(SYS_openat, AT_FDCWD, path, flags, mode));
}

// The shape of every read/write-like interceptor: plain fds go straight through.
template <class Call>
inline ssize_t ChannelIo(int fd, ChannelOp dir, bool dont_wait, Call call) {
  if (__builtin_expect(!rt::IsChannelFd(fd), 1)) return call();
  ScopedInterceptor si;
  rt::FdIo io;
  if (!si.active() || !rt::BeginFdIo(si, si.ts(), &io, fd, dir, dont_wait)) return call();
  ssize_t rc = call();
  rt::EndFdIo(si, si.ts(), &io, rc);
  return rc;
}

void MadeChannel(ChannelKind kind, const int* fds, int n, bool nonblocking) {
  ScopedInterceptor si;
  if (si.active()) rt::AfterChannelCreate(si, si.ts(), kind, fds, n, nonblocking);
}

// `fd` is about to be closed (close, or dup2/dup3 over it).
void Closing(int fd) {
  if (!rt::IsChannelFd(fd)) return;
  ScopedInterceptor si;
  rt::BeforeCloseFd(si, si.active() ? si.ts() : nullptr, fd);
}

int Opened(int fd) {
  if (fd < 0) return fd;
  ScopedInterceptor si;
  rt::AfterOpenFd(si, si.active() ? si.ts() : nullptr, fd);
  return fd;
}

void SetFl(int fd, void* arg) {
  if (rt::IsChannelFd(fd)) {
    rt::NoteChannelFdFlags(fd, static_cast<int>(reinterpret_cast<intptr_t>(arg)));
  }
}

// open's mode argument exists only with O_CREAT or O_TMPFILE.
mode_t ModeArg(int flags, va_list ap) {
  return (flags & O_CREAT) != 0 || (flags & O_TMPFILE) == O_TMPFILE ? va_arg(ap, mode_t) : 0;
}

}  // namespace

LOCKSCOPE_INTERCEPTOR(ssize_t, read, int fd, void* buf, size_t n) {
  return ChannelIo(fd, ChannelOp::kReceive, false, [&] { return RealRead(fd, buf, n); });
}

LOCKSCOPE_INTERCEPTOR(ssize_t, __read_chk, int fd, void* buf, size_t n, size_t buflen) {
  return ChannelIo(fd, ChannelOp::kReceive, false,
                   [&] { return LOCKSCOPE_REAL(__read_chk)(fd, buf, n, buflen); });
}

LOCKSCOPE_INTERCEPTOR(ssize_t, write, int fd, const void* buf, size_t n) {
  return ChannelIo(fd, ChannelOp::kSend, false, [&] { return RealWrite(fd, buf, n); });
}

LOCKSCOPE_INTERCEPTOR(ssize_t, readv, int fd, const struct iovec* iov, int n) {
  return ChannelIo(fd, ChannelOp::kReceive, false,
                   [&] { return LOCKSCOPE_REAL(readv)(fd, iov, n); });
}

LOCKSCOPE_INTERCEPTOR(ssize_t, writev, int fd, const struct iovec* iov, int n) {
  return ChannelIo(fd, ChannelOp::kSend, false, [&] { return LOCKSCOPE_REAL(writev)(fd, iov, n); });
}

LOCKSCOPE_INTERCEPTOR(ssize_t, recv, int fd, void* buf, size_t n, int flags) {
  return ChannelIo(fd, ChannelOp::kReceive, (flags & MSG_DONTWAIT) != 0,
                   [&] { return LOCKSCOPE_REAL(recv)(fd, buf, n, flags); });
}

LOCKSCOPE_INTERCEPTOR(ssize_t, send, int fd, const void* buf, size_t n, int flags) {
  return ChannelIo(fd, ChannelOp::kSend, (flags & MSG_DONTWAIT) != 0,
                   [&] { return LOCKSCOPE_REAL(send)(fd, buf, n, flags); });
}

LOCKSCOPE_INTERCEPTOR(ssize_t, recvmsg, int fd, struct msghdr* msg, int flags) {
  return ChannelIo(fd, ChannelOp::kReceive, (flags & MSG_DONTWAIT) != 0,
                   [&] { return LOCKSCOPE_REAL(recvmsg)(fd, msg, flags); });
}

LOCKSCOPE_INTERCEPTOR(ssize_t, sendmsg, int fd, const struct msghdr* msg, int flags) {
  return ChannelIo(fd, ChannelOp::kSend, (flags & MSG_DONTWAIT) != 0,
                   [&] { return LOCKSCOPE_REAL(sendmsg)(fd, msg, flags); });
}

LOCKSCOPE_INTERCEPTOR(int, close, int fd) {
  Closing(fd);
  close_fn f = RealOrNull<close_fn, &real_close, close_name>();
  return f ? f(fd) : static_cast<int>(syscall(SYS_close, fd));
}

LOCKSCOPE_INTERCEPTOR(int, pipe, int fds[2]) noexcept {
  int rc = LOCKSCOPE_REAL(pipe)(fds);
  if (rc == 0) MadeChannel(ChannelKind::kPipe, fds, 2, false);
  return rc;
}

LOCKSCOPE_INTERCEPTOR(int, pipe2, int fds[2], int flags) noexcept {
  int rc = LOCKSCOPE_REAL(pipe2)(fds, flags);
  if (rc == 0) MadeChannel(ChannelKind::kPipe, fds, 2, (flags & O_NONBLOCK) != 0);
  return rc;
}

LOCKSCOPE_INTERCEPTOR(int, eventfd, unsigned value, int flags) noexcept {
  int fd = LOCKSCOPE_REAL(eventfd)(value, flags);
  if (fd >= 0) MadeChannel(ChannelKind::kEventfd, &fd, 1, (flags & EFD_NONBLOCK) != 0);
  return fd;
}

LOCKSCOPE_INTERCEPTOR(int, socketpair, int domain, int type, int protocol, int fds[2]) noexcept {
  int rc = LOCKSCOPE_REAL(socketpair)(domain, type, protocol, fds);
  if (rc == 0 && domain == AF_UNIX) {
    MadeChannel(ChannelKind::kSocketpair, fds, 2, (type & SOCK_NONBLOCK) != 0);
  }
  return rc;
}

// open's mode and fcntl's argument come through `...`; one macro per shape keeps the four open
// variants and the two fcntl variants identical.
#define LOCKSCOPE_OPEN_INTERCEPTOR(name)                                      \
  LOCKSCOPE_INTERCEPTOR(int, name, const char* path, int flags, ...) {        \
    va_list ap;                                                               \
    va_start(ap, flags);                                                      \
    mode_t mode = ModeArg(flags, ap);                                         \
    va_end(ap);                                                               \
    return Opened(RealOpen<&real_##name, name##_name>(path, flags, mode));    \
  }
#define LOCKSCOPE_OPENAT_INTERCEPTOR(name)                                            \
  LOCKSCOPE_INTERCEPTOR(int, name, int dirfd, const char* path, int flags, ...) {     \
    va_list ap;                                                                       \
    va_start(ap, flags);                                                              \
    mode_t mode = ModeArg(flags, ap);                                                 \
    va_end(ap);                                                                       \
    return Opened(RealOpenAt<&real_##name, name##_name>(dirfd, path, flags, mode));  \
  }
// fcntl's third argument is read as a pointer, as glibc itself does (an int passed through `...`
// sits in a full register on x86-64). Only F_SETFL on a channel fd is looked at.
#define LOCKSCOPE_FCNTL_INTERCEPTOR(name)                                     \
  LOCKSCOPE_INTERCEPTOR(int, name, int fd, int cmd, ...) {                    \
    va_list ap;                                                               \
    va_start(ap, cmd);                                                        \
    void* arg = va_arg(ap, void*);                                            \
    va_end(ap);                                                               \
    int rc = LOCKSCOPE_REAL(name)(fd, cmd, arg);                              \
    if (cmd == F_SETFL && rc == 0) SetFl(fd, arg);                            \
    return rc;                                                                \
  }

LOCKSCOPE_OPEN_INTERCEPTOR(open)
LOCKSCOPE_OPEN_INTERCEPTOR(open64)
LOCKSCOPE_OPENAT_INTERCEPTOR(openat)
LOCKSCOPE_OPENAT_INTERCEPTOR(openat64)
LOCKSCOPE_FCNTL_INTERCEPTOR(fcntl)
LOCKSCOPE_FCNTL_INTERCEPTOR(fcntl64)

LOCKSCOPE_INTERCEPTOR(int, dup, int fd) noexcept {
  int rc = LOCKSCOPE_REAL(dup)(fd);
  if (rc >= 0) rt::CopyChannelFd(fd, rc);
  return rc;
}

LOCKSCOPE_INTERCEPTOR(int, dup2, int fd, int fd2) noexcept {
  if (fd != fd2) Closing(fd2);  // the call closes fd2 first
  int rc = LOCKSCOPE_REAL(dup2)(fd, fd2);
  if (rc >= 0) rt::CopyChannelFd(fd, rc);
  return rc;
}

LOCKSCOPE_INTERCEPTOR(int, dup3, int fd, int fd2, int flags) noexcept {
  if (fd != fd2) Closing(fd2);
  int rc = LOCKSCOPE_REAL(dup3)(fd, fd2, flags);
  if (rc >= 0) rt::CopyChannelFd(fd, rc);
  return rc;
}

// Another process may get an end of every channel made so far (the spawned child inherits fds
// without O_CLOEXEC; the runtime does not look at which).
LOCKSCOPE_INTERCEPTOR(int, posix_spawn, pid_t* pid, const char* path,
                      const posix_spawn_file_actions_t* actions, const posix_spawnattr_t* attr,
                      char* const argv[], char* const envp[]) {
  rt::NoteSpawn();
  return LOCKSCOPE_REAL(posix_spawn)(pid, path, actions, attr, argv, envp);
}

LOCKSCOPE_INTERCEPTOR(int, posix_spawnp, pid_t* pid, const char* file,
                      const posix_spawn_file_actions_t* actions, const posix_spawnattr_t* attr,
                      char* const argv[], char* const envp[]) {
  rt::NoteSpawn();
  return LOCKSCOPE_REAL(posix_spawnp)(pid, file, actions, attr, argv, envp);
}

LOCKSCOPE_INTERCEPTOR(FILE*, popen, const char* command, const char* mode) {
  rt::NoteSpawn();  // glibc spawns inside, without calling posix_spawn through the PLT
  return LOCKSCOPE_REAL(popen)(command, mode);
}

LOCKSCOPE_INTERCEPTOR(int, system, const char* command) {
  rt::NoteSpawn();
  return LOCKSCOPE_REAL(system)(command);
}
