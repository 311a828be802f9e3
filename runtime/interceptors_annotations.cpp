// The entry points of lockscope/annotations.h: locks the program declares itself (a distributed
// lock, a lock built on atomics) enter the same held-set / Acquire machinery as pthread locks,
// with kind kAnnotated; user channels go to channel_waits.h. Thin adapters, like the interceptors; the policy is in thread_state.cpp.
//
// An annotated acquisition is reported after the program got the lock, so it never blocks here:
// BeginAcquire + EndAcquire(0) records the dependency and pushes the held entry. The lock's name
// is written once per process as a kLockName record; a small lock-free set of lock ids that
// already have one (no malloc on this path) makes repeats cost one probe. When the set is full,
// the name is written again at each first acquisition by a thread: bigger, still correct (the
// reader keeps the first name).

#include <atomic>
#include <cstdint>
#include <cstring>

#include "channel_waits.h"
#include "interception.h"
#include "lock_table.h"
#include "scoped_interceptor.h"

namespace {

namespace rt = ::lockscope::rt;
namespace tr = ::lockscope::trace;

constexpr uint32_t kNamedSlots = 4096;  // power of two
constexpr uint32_t kMaxProbe = 16;
std::atomic<uint32_t> g_named[kNamedSlots];  // lock ids with a kLockName record; 0 = empty

// True when this call claimed `lock_id` (the caller writes the name), false when it was named.
bool ClaimName(uint32_t lock_id) {
  uint32_t h = lock_id * 0x9e3779b1u;
  for (uint32_t i = 0; i < kMaxProbe; ++i) {
    std::atomic<uint32_t>& slot = g_named[(h + i) & (kNamedSlots - 1)];
    uint32_t seen = slot.load(std::memory_order_relaxed);
    if (seen == lock_id) return false;
    if (seen == 0 && slot.compare_exchange_strong(seen, lock_id, std::memory_order_relaxed)) {
      return true;
    }
    if (seen == lock_id) return false;
  }
  return true;  // full: name it again rather than lose it
}

void WriteLockName(const rt::ReentryGuard& g, rt::ThreadState* ts, uint32_t lock_id,
                   const char* name) {
  if (name == nullptr || !ClaimName(lock_id)) return;
  auto r = rt::MakeRecord<tr::LockName>(tr::RecordKind::kLockName);
  r.lock_id = lock_id;
  r.len = static_cast<uint32_t>(strnlen(name, tr::kMaxLockNameBytes));
  rt::EmitRecord(g, &ts->buf, r, name, r.len);
}

}  // namespace

LOCKSCOPE_EXPORT void LockscopeAnnotateAcquire(const void* obj, const char* name, int shared) {
  rt::ScopedInterceptor si;
  if (!si.active() || obj == nullptr) return;
  tr::LockMode mode = shared != 0 ? tr::LockMode::kShared : tr::LockMode::kExclusive;
  rt::AcquireOp op;
  rt::BeginAcquire(si, si.ts(), &op, obj, tr::LockKind::kAnnotated, mode);
  if (op.entry != nullptr) WriteLockName(si, si.ts(), op.entry->lock_id, name);
  rt::EndAcquire(si, si.ts(), &op, 0);
}

LOCKSCOPE_EXPORT void LockscopeAnnotateRelease(const void* obj) {
  rt::ScopedInterceptor si;
  if (si.active() && obj != nullptr) rt::BeforeRelease(si, si.ts(), obj, tr::LockKind::kAnnotated);
}

namespace {

// The annotation's op as a ChannelOp; false for a value the header does not define.
bool ChannelOpOf(int op, tr::ChannelOp* out) {
  if (op < 0 || op > static_cast<int>(tr::ChannelOp::kClose)) return false;
  *out = static_cast<tr::ChannelOp>(op);
  return true;
}

}  // namespace

LOCKSCOPE_EXPORT void LockscopeAnnotateChannel(const void* ch, const char* name, int op) {
  rt::ScopedInterceptor si;
  tr::ChannelOp channel_op;
  if (si.active() && ChannelOpOf(op, &channel_op)) {
    rt::OnUserChannelOp(si, si.ts(), ch, name, channel_op);
  }
}

LOCKSCOPE_EXPORT void LockscopeAnnotateChannelWaitBegin(const void* ch, const char* name, int op) {
  rt::ScopedInterceptor si;
  tr::ChannelOp dir;
  if (si.active() && ChannelOpOf(op, &dir) && dir != tr::ChannelOp::kClose) {
    rt::BeginUserChannelWait(si, si.ts(), ch, name, dir);
  }
}

LOCKSCOPE_EXPORT void LockscopeAnnotateChannelWaitEnd(const void* ch) {
  rt::ScopedInterceptor si;
  if (si.active()) rt::EndUserChannelWait(si, si.ts(), ch);
}
