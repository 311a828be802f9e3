// thread_state_internal.h — helpers the two policy files share (thread_state.cpp: locks;
// thread_waits.cpp: waits and wake-ups). Same rules as thread_state.h.

#ifndef LOCKSCOPE_RUNTIME_THREAD_STATE_INTERNAL_H_
#define LOCKSCOPE_RUNTIME_THREAD_STATE_INTERNAL_H_

#include <cstdint>

#include "internal/reentry_guard.h"
#include "lockscope/trace_format.h"
#include "thread_state.h"

namespace lockscope {
namespace rt {

// --- thread_state.cpp
// kAcquire with the current held set. In the default mode only when the dependency is new.
// `site_key` != 0: remember in the site cache that this dependency at this call site is written.
// Returns true when a record was written (false: a known dependency, or dropped).
bool WriteAcquire(const ReentryGuard& g, ThreadState* ts, uint32_t lock_id, uint32_t stack_id,
                  uint8_t mode, uint8_t flags, uint64_t site_key = 0);
// The index of `addr` in the held stack (innermost first), or -1.
int FindHeld(const ThreadState* ts, uintptr_t addr);
void RemoveHeldAt(ThreadState* ts, uint32_t i);

// --- thread_waits.cpp
// The slot shows a wait (fields first, then state = kBlocked, release); inside a user channel
// wait only the timeout flag of a condvar/sem/barrier wait is added (the slot keeps the channel).
void SetWait(ThreadState* ts, trace::WaitKind kind, uint32_t lock_id, uint64_t object,
             uint32_t stack_id, uint8_t mode, uint8_t wait_flags = 0, uint64_t since_ns = 0);
void ClearWait(ThreadState* ts);
// The stack id of the calling site for an operation that is not an acquisition (`tag` names
// it), from the site cache when this call site was seen before (`fp`: the caller's frame).
// `chain` (may be null) receives the frames of the call-site key.
uint32_t SiteStackId(const ReentryGuard& g, ThreadState* ts, uintptr_t fp, uint64_t tag,
                     SiteChain* chain = nullptr);

}  // namespace rt
}  // namespace lockscope

#endif  // LOCKSCOPE_RUNTIME_THREAD_STATE_INTERNAL_H_
