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
// Same for an explicit frame list (tests; innermost first).
uint32_t InternStack(const ReentryGuard& g, EventBuffer* buf, const uint64_t* frames,
                     uint32_t depth);

}  // namespace rt
}  // namespace lockscope

#endif  // LOCKSCOPE_RUNTIME_STACK_TABLE_H_
