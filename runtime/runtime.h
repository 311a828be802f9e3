// runtime.h — process-wide runtime state: mode (active / pass-through), flags, init and exit.
//
// Lifecycle: the shared library's constructor calls InitRuntime(); unit tests call it directly
// with a temporary trace path. Until InitRuntime() succeeds, and forever after DisableRuntime(),
// RuntimeActive() is false and every interceptor passes straight through (fail soft, habit 6).
// Thread-safety: RuntimeActive() is a relaxed load and safe anywhere (also in signal handlers).

#ifndef LOCKSCOPE_RUNTIME_RUNTIME_H_
#define LOCKSCOPE_RUNTIME_RUNTIME_H_

#include <atomic>
#include <cstdint>

#include "flags.h"
#include "internal/reentry_guard.h"
#include "lockscope/trace_format.h"

namespace lockscope {
namespace rt {

struct ThreadState;

enum class Mode : uint32_t { kUninit = 0, kActive = 1, kPassThrough = 2 };
// Hidden (as everything in the runtime, -fvisibility=hidden): said on the declaration too, so the
// compiler reads them with one rip-relative load instead of going through the GOT.
extern std::atomic<uint32_t> g_mode __attribute__((visibility("hidden")));
extern Flags g_flags __attribute__((visibility("hidden")));

inline bool RuntimeActive() {
  return g_mode.load(std::memory_order_relaxed) == static_cast<uint32_t>(Mode::kActive);
}

// Switches every thread to pass-through. Sets kStatusDisabled in the header (and kStatusTruncated
// for kTraceFull). Returns true for the first caller only: that caller prints the one warning line
// and writes the kDisabled record if it can.
bool DisableRuntime(trace::DisableReason reason);

// Parses `options` (LOCKSCOPE_OPTIONS), opens the trace named by `trace_template` (null: the
// default `lockscope.%e.%p.lstrace`), maps the tables, writes the module list and the calling
// thread's kThreadStart. `self_fn` is any function inside the shared library (its frames are
// dropped from stacks); null in unit tests. Returns false and stays pass-through on failure.
bool InitRuntime(const ReentryGuard& g, const char* trace_template, const char* options,
                 const void* self_fn);

// Clean exit: the calling thread's kThreadExit, kStatusCleanExit, end_monotonic_ns.
void FinishRuntime(const ReentryGuard& g);

// Fork child: new trace file for this pid, fresh tables, only the calling thread survives.
void ReinitAfterFork(const ReentryGuard& g, ThreadState* ts);

// Unit tests: drop every global table so InitRuntime() can run again.
void TestOnlyShutdown();

uint64_t MonotonicNs();
uint64_t NextSeq();
uint32_t GetTid();

}  // namespace rt
}  // namespace lockscope

#endif  // LOCKSCOPE_RUNTIME_RUNTIME_H_
