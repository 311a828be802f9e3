// channel_table.cpp — see channel_table.h.

#include "channel_table.h"

#include <fcntl.h>

#include <cstring>

namespace lockscope {
namespace rt {

FdSlot g_channel_fds[kMaxChannelFds];

namespace {

std::atomic<uint32_t> g_spawns{0};
std::atomic<uint64_t> g_next_synthetic{0};

struct UserChannelSlot {
  std::atomic<uint64_t> object;  // 0 = free; claimed by CAS before the name is written
  std::atomic<uint32_t> ready;   // 1 once `name` is complete
  char name[kUserChannelNameBytes];
  std::atomic<uint32_t> users[kChannelUsers];
};
UserChannelSlot g_user_channels[kMaxUserChannels];

// tid and op in one word; never 0 for a real tid.
uint32_t UseKey(uint32_t tid, trace::ChannelOp op) {
  return tid << 2 | static_cast<uint32_t>(op);
}

bool ClaimUse(std::atomic<uint32_t>* users, uint32_t key) {
  for (uint32_t i = 0; i < kChannelUsers; ++i) {
    uint32_t seen = users[i].load(std::memory_order_relaxed);
    if (seen == key) return false;
    if (seen == 0 && users[i].compare_exchange_strong(seen, key, std::memory_order_relaxed)) {
      return true;
    }
    if (seen == key) return false;
  }
  return true;
}

uint32_t UserHash(uint64_t object) {
  return static_cast<uint32_t>((object * 0x9e3779b97f4a7c15ull) >> 40) & (kMaxUserChannels - 1);
}

}  // namespace

void NoteChannelFd(int fd, const FdChannel& c) {
  if (static_cast<unsigned>(fd) >= static_cast<unsigned>(kMaxChannelFds) || c.ident == 0) return;
  FdSlot& s = g_channel_fds[fd];
  s.ident.store(0, std::memory_order_relaxed);
  for (auto& u : s.users) u.store(0, std::memory_order_relaxed);
  s.kind.store(c.kind, std::memory_order_relaxed);
  s.flags.store(c.flags, std::memory_order_relaxed);
  s.spawn.store(c.spawn, std::memory_order_relaxed);
  s.ident.store(c.ident, std::memory_order_release);
}

bool LookupChannelFd(int fd, FdChannel* out) {
  if (static_cast<unsigned>(fd) >= static_cast<unsigned>(kMaxChannelFds)) return false;
  const FdSlot& s = g_channel_fds[fd];
  out->ident = s.ident.load(std::memory_order_acquire);
  if (out->ident == 0) return false;
  out->kind = s.kind.load(std::memory_order_relaxed);
  out->flags = s.flags.load(std::memory_order_relaxed);
  out->spawn = s.spawn.load(std::memory_order_relaxed);
  return true;
}

void ForgetChannelFd(int fd) {
  if (static_cast<unsigned>(fd) >= static_cast<unsigned>(kMaxChannelFds)) return;
  g_channel_fds[fd].ident.store(0, std::memory_order_release);
}

void CopyChannelFd(int oldfd, int newfd) {
  FdChannel c;
  if (oldfd != newfd && LookupChannelFd(oldfd, &c)) {
    NoteChannelFd(newfd, c);
  } else if (oldfd != newfd) {
    ForgetChannelFd(newfd);
  }
}

void NoteChannelFdFlags(int fd, int open_flags) {
  FdChannel c;
  if (!LookupChannelFd(fd, &c)) return;
  FdSlot& s = g_channel_fds[fd];
  if ((open_flags & O_NONBLOCK) == 0) {
    s.flags.fetch_and(static_cast<uint8_t>(~kFdNonBlocking), std::memory_order_relaxed);
    return;
  }
  s.flags.fetch_or(kFdNonBlocking, std::memory_order_relaxed);
  for (FdSlot& other : g_channel_fds) {
    if (other.ident.load(std::memory_order_relaxed) == c.ident) {
      other.flags.fetch_or(kFdPeerNonBlocking, std::memory_order_relaxed);
    }
  }
}

uint64_t NextSyntheticChannelIdent() {
  return (1ull << 63) | (g_next_synthetic.fetch_add(1, std::memory_order_relaxed) + 1);
}

void NoteSpawn() { g_spawns.fetch_add(1, std::memory_order_seq_cst); }

uint32_t SpawnCount() { return g_spawns.load(std::memory_order_seq_cst); }

bool ChannelExternal(const FdChannel& c) {
  return (c.flags & (kFdExternal | kFdPeerNonBlocking)) != 0 || c.spawn != SpawnCount();
}

bool ClaimChannelFdUse(int fd, uint32_t tid, trace::ChannelOp op) {
  if (static_cast<unsigned>(fd) >= static_cast<unsigned>(kMaxChannelFds)) return true;
  return ClaimUse(g_channel_fds[fd].users, UseKey(tid, op));
}

int FindUserChannel(const void* object, const char* name, bool* created) {
  *created = false;
  const uint64_t key = reinterpret_cast<uintptr_t>(object);
  if (key == 0) return -1;
  const uint32_t h = UserHash(key);
  for (uint32_t i = 0; i < kMaxUserChannels; ++i) {
    const uint32_t idx = (h + i) & (kMaxUserChannels - 1);
    UserChannelSlot& s = g_user_channels[idx];
    uint64_t seen = s.object.load(std::memory_order_acquire);
    if (seen == key) return static_cast<int>(idx);
    if (seen != 0) continue;
    if (name == nullptr) return -1;  // a use before any name: nothing to remember it by
    if (!s.object.compare_exchange_strong(seen, key, std::memory_order_acq_rel)) {
      if (seen == key) return static_cast<int>(idx);
      continue;
    }
    size_t len = strnlen(name, kUserChannelNameBytes - 1);
    memcpy(s.name, name, len);
    s.name[len] = '\0';
    s.ready.store(1, std::memory_order_release);
    *created = true;
    return static_cast<int>(idx);
  }
  return -1;
}

bool ClaimUserChannelUse(int index, uint32_t tid, trace::ChannelOp op) {
  if (index < 0 || static_cast<uint32_t>(index) >= kMaxUserChannels) return true;
  return ClaimUse(g_user_channels[index].users, UseKey(tid, op));
}

bool UserChannelName(uint64_t object, char* out, uint32_t out_size) {
  if (object == 0 || out_size == 0) return false;
  const uint32_t h = UserHash(object);
  for (uint32_t i = 0; i < kMaxUserChannels; ++i) {
    const UserChannelSlot& s = g_user_channels[(h + i) & (kMaxUserChannels - 1)];
    uint64_t seen = s.object.load(std::memory_order_acquire);
    if (seen == 0) return false;
    if (seen != object) continue;
    if (s.ready.load(std::memory_order_acquire) == 0) return false;
    uint32_t n = 0;
    for (; n + 1 < out_size && n < kUserChannelNameBytes && s.name[n] != '\0'; ++n) {
      out[n] = s.name[n];
    }
    out[n] = '\0';
    return true;
  }
  return false;
}

void TestOnlyResetChannels() {
  for (auto& s : g_channel_fds) {
    s.ident.store(0, std::memory_order_relaxed);
    for (auto& u : s.users) u.store(0, std::memory_order_relaxed);
  }
  for (auto& s : g_user_channels) {
    s.object.store(0, std::memory_order_relaxed);
    s.ready.store(0, std::memory_order_relaxed);
    for (auto& u : s.users) u.store(0, std::memory_order_relaxed);
  }
  g_spawns.store(0);
}

}  // namespace rt
}  // namespace lockscope
