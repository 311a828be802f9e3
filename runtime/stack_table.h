// stack_table.h — call stacks (captured, trimmed, deduplicated) and the module list.
//
// Capture: glibc backtrace() (the libgcc unwinder works on -O2 code without frame pointers).
// Its first call dlopens libgcc_s and mallocs, so StackTableInit() warms it up once, under the
// re-entry guard. Frames inside liblockscope.so (the text range found at init) are dropped.
// Dedup: a lock-free open-addressed table from a 64-bit hash of the frames to stack_id (global
// counter from 1). The inserting thread writes the kStackDef and then publishes the id; others
// wait (bounded) for it. Stack id 0 means "unknown" (table full, capture failed).
// Modules: kModule records for every loaded object at init; when a new stack has a frame outside
// every known module (dlopen since), the list is rescanned under a private spin lock.

#ifndef LOCKSCOPE_RUNTIME_STACK_TABLE_H_
#define LOCKSCOPE_RUNTIME_STACK_TABLE_H_

#include <cstdint>

#include "event_buffer.h"
#include "internal/reentry_guard.h"

namespace lockscope {
namespace rt {

// `self_fn`: any function inside the runtime's own object (null: keep every frame).
bool StackTableInit(const ReentryGuard& g, const void* self_fn, int depth);
void StackTableReset();  // fork child / tests: fresh table, module list forgotten
// Writes kModule records for every loaded object not yet recorded.
void RecordModules(const ReentryGuard& g, EventBuffer* buf);

// Captures the caller's stack and returns its id (writing kStackDef on first sight).
uint32_t CaptureStackId(const ReentryGuard& g, EventBuffer* buf);
// A cheap key for the caller's call site (lock fast path, lock_stats.h): a hash of the first
// min(stack_depth, 5) return addresses outside the runtime, found by walking frame pointers
// up from `fp` (the __builtin_frame_address(0) of a runtime function), plus the stack offset of
// the innermost one. The runtime is built with frame pointers; the walk goes into the program's
// frames only while each frame pointer lies above the previous one and inside
// [stack_lo, stack_hi), which is mapped memory of this thread's stack — so code without frame
// pointers gives a shorter or noisier key, never a bad read. Returns 0 (no key: capture the full
// stack every time) when the stack bounds are unknown or `fp` is outside them (sigaltstack,
// coroutine stacks).
// liblockscope.so's text range (0, 0 in unit tests).
extern uintptr_t g_self_start __attribute__((visibility("hidden")));
extern uintptr_t g_self_end __attribute__((visibility("hidden")));
extern int g_site_frames __attribute__((visibility("hidden")));
// `shallow` (kShallowSites entries, may be null): innermost return addresses whose deeper frames
// proved noisy (code without frame pointers whose %rbp points at changing data): for those the
// key stops at the innermost frame. `ret0` receives the innermost program return address.
inline constexpr uint32_t kShallowSites = 64;
// The frames a CallSiteKey was made of (the hot cache, lock_stats.h, re-checks exactly these):
// `fp` is the frame whose return address `ret` is the innermost program frame; f[k], r[k] are
// the frame address and return address of program frame k + 1. n = frames used (0: no key).
struct SiteChain {
  uintptr_t fp;
  uintptr_t ret;
  uintptr_t f[4];
  uintptr_t r[4];
  uint32_t n;
};
inline uint32_t ShallowIndex(uintptr_t ret) {
  return static_cast<uint32_t>((ret >> 2) ^ (ret >> 11)) & (kShallowSites - 1);
}
inline uint64_t CallSiteKey(uintptr_t fp, uintptr_t stack_lo, uintptr_t stack_hi,
                            const uintptr_t* shallow = nullptr, uintptr_t* ret0 = nullptr,
                            SiteChain* chain = nullptr) {
  if (chain) chain->n = 0;
  if (fp < stack_lo || fp >= stack_hi - 64) return 0;
  uint64_t key = 0x9e3779b97f4a7c15ull;
  int got = 0;
  bool contiguous = true;  // no runtime frame between two program frames
  for (int i = 0; i < 64; ++i) {
    const auto* frame = reinterpret_cast<const uintptr_t*>(fp);
    const uintptr_t ret = frame[1];
    if (ret - g_self_start >= g_self_end - g_self_start) {
      if (got == 0) {
        key ^= stack_hi - fp;  // separates paths whose frames lack frame pointers
        if (ret0) *ret0 = ret;
        if (chain) chain->fp = fp, chain->ret = ret;
        if (shallow && shallow[ShallowIndex(ret)] == ret) {
          key = (key ^ ret) * 0x100000001b3ull;
          ++got;
          break;
        }
      } else if (chain && got <= 4) {
        chain->f[got - 1] = fp;
        chain->r[got - 1] = ret;
      }
      key = (key ^ ret) * 0x100000001b3ull;
      if (++got >= g_site_frames) break;
    } else if (got) {
      contiguous = false;
    }
    const uintptr_t next = frame[0];
    if (next <= fp || next >= stack_hi - 16 || (next & 7) != 0) break;
    fp = next;
  }
  key ^= key >> 29;
  if (chain && got && key && contiguous) chain->n = static_cast<uint32_t>(got);
  return got && key ? key : 0;
}

// Whether the frames a call-site key was made of (SiteChain with n > 0: `ret` and the deeper
// `f`, `r`) are still the ones above `frame` (SiteChain::fp): then CallSiteKey would give the same
// key again. The frames lie in this thread's stack, which stays mapped, so the reads are safe.
inline bool SiteChainHolds(const uintptr_t* frame, uintptr_t ret, const uintptr_t* f,
                           const uintptr_t* r, uint32_t n) {
  if (frame[1] != ret || (n > 1 && frame[0] != f[0])) return false;
  for (uint32_t k = 0; k + 1 < n; ++k) {
    const auto* fk = reinterpret_cast<const uintptr_t*>(f[k]);
    if (fk[1] != r[k] || (k + 2 < n && fk[0] != f[k + 1])) return false;
  }
  return true;
}

// Same for an explicit frame list (tests; innermost first).
uint32_t InternStack(const ReentryGuard& g, EventBuffer* buf, const uint64_t* frames,
                     uint32_t depth);

}  // namespace rt
}  // namespace lockscope

#endif  // LOCKSCOPE_RUNTIME_STACK_TABLE_H_
