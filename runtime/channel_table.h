// channel_table.h — which fds are channels (pipes, FIFOs, eventfds, socketpairs made by this
// process) and which user channels (lockscope/annotations.h) have names.
//
// Why a table: read()/write() on a regular file, a tty or a TCP socket must stay as cheap as
// without lockscope — no fstat, no lock, no TLS. So fds are classified where they are made (pipe,
// pipe2, eventfd, socketpair, open of a FIFO) and forgotten where they die (close, dup2/dup3 over
// them); IsChannelFd() is one relaxed load of a static array. Fds >= kMaxChannelFds and fds made
// by calls the runtime does not see (inherited, fdopen/fclose, F_DUPFD, SCM_RIGHTS) are plain fds.
// Identity: a channel's `ident` is shared by its ends (the pipe inode; see trace::ChannelKind).
// Who else may hold an end: every fork/posix_spawn/popen/system bumps a process-wide spawn count
// (NoteSpawn); a channel made before the last spawn may have an end in a child, so its waits
// are external (kWaitShared). FIFOs are always external.
// Thread-safety: all entries are atomics; a writer publishes `ident` last with release order.
// No malloc; fixed size (kMaxChannelFds fds, kMaxUserChannels user channels).

#ifndef LOCKSCOPE_RUNTIME_CHANNEL_TABLE_H_
#define LOCKSCOPE_RUNTIME_CHANNEL_TABLE_H_

#include <atomic>
#include <cstdint>

#include "lockscope/trace_format.h"

namespace lockscope {
namespace rt {

inline constexpr int kMaxChannelFds = 1024;  // the default RLIMIT_NOFILE soft limit
inline constexpr uint32_t kMaxUserChannels = 256;
inline constexpr uint32_t kChannelUsers = 6;     // (tid, op) pairs remembered per fd/channel
inline constexpr uint32_t kUserChannelNameBytes = 48;

// FdChannel::flags bits.
enum FdChannelFlag : uint8_t {
  kFdNonBlocking = 1u << 0,  // created O_NONBLOCK / SOCK_NONBLOCK / EFD_NONBLOCK: never a wait
  kFdExternal = 1u << 1,     // another process may hold an end regardless of spawns (FIFO)
  kFdPeerNonBlocking = 1u << 2,  // some end was made O_NONBLOCK later (fcntl): the self-pipe
                                 // idiom, written from a signal handler: its waits are external
};

// What the table knows about one fd (a copy).
struct FdChannel {
  uint64_t ident = 0;  // 0: not a channel
  uint8_t kind = 0;    // trace::ChannelKind
  uint8_t flags = 0;   // FdChannelFlag bits
  uint32_t spawn = 0;  // SpawnCount() when the channel was made
};

struct FdSlot {
  std::atomic<uint64_t> ident;  // published last; 0 = not a channel
  std::atomic<uint8_t> kind;
  std::atomic<uint8_t> flags;
  std::atomic<uint32_t> spawn;
  std::atomic<uint32_t> users[kChannelUsers];  // UseKey() of (tid, op) already recorded
};
extern FdSlot g_channel_fds[kMaxChannelFds];

// The hot-path test (read/write of every fd): one relaxed load.
inline bool IsChannelFd(int fd) {
  return static_cast<unsigned>(fd) < static_cast<unsigned>(kMaxChannelFds) &&
         g_channel_fds[fd].ident.load(std::memory_order_relaxed) != 0;
}

// Records `fd` as an end of channel `c` (replacing whatever the table had for it).
void NoteChannelFd(int fd, const FdChannel& c);
// The entry of `fd`, or false when it is not a channel.
bool LookupChannelFd(int fd, FdChannel* out);
// `fd` is being closed or replaced.
void ForgetChannelFd(int fd);
// dup/dup2/dup3: `newfd` becomes what `oldfd` is (or forgotten when oldfd is no channel).
void CopyChannelFd(int oldfd, int newfd);
// fcntl(fd, F_SETFL, flags) succeeded on a channel fd: tracks O_NONBLOCK on it, and marks every
// end of the channel kFdPeerNonBlocking when it is set (one scan of the table; rare).
void NoteChannelFdFlags(int fd, int open_flags);

// A fresh identity for a channel without an inode of its own (eventfd): high bit set, so it
// never equals an inode number.
uint64_t NextSyntheticChannelIdent();

// fork/posix_spawn/popen/system: channels made before may have an end in another process.
void NoteSpawn();
uint32_t SpawnCount();
// True when another process (or a signal handler, kFdPeerNonBlocking) may end a wait on `c`
// (trace::kWaitShared).
bool ChannelExternal(const FdChannel& c);

// True when this call is the first to claim (tid, op) on `fd` (the caller writes kChannelUse).
// False when it was claimed before. A full memory answers true (more records, still correct).
bool ClaimChannelFdUse(int fd, uint32_t tid, trace::ChannelOp op);

// User channels: `object` -> name and use memory. FindUserChannel returns the index (creating
// the entry when `name` is not null and there is room; *created tells the caller to write the
// kChannel record) or -1.
int FindUserChannel(const void* object, const char* name, bool* created);
bool ClaimUserChannelUse(int index, uint32_t tid, trace::ChannelOp op);
// The name of user channel `object` for the watchdog's message (copied to out, NUL-terminated),
// or false. Safe from any thread.
bool UserChannelName(uint64_t object, char* out, uint32_t out_size);

// Unit tests: forget everything.
void TestOnlyResetChannels();

}  // namespace rt
}  // namespace lockscope

#endif  // LOCKSCOPE_RUNTIME_CHANNEL_TABLE_H_
