// thread_annotations.h — Clang thread-safety attributes (GUARDED_BY, REQUIRES, ACQUIRE, RELEASE,
// TRY_ACQUIRE, EXCLUDES, SCOPED_CAPABILITY, NO_THREAD_SAFETY_ANALYSIS, ACQUIRED_BEFORE/AFTER,
// ASSERT_CAPABILITY, RETURN_CAPABILITY, ...) read through
// libclang-14, which exposes them only as CXCursor_UnexposedAttr children of the declaration:
// no kind, no argument expressions. So:
//   - the attribute's kind is the first token of its *spelling* extent (`guarded_by`,
//     `requires_capability`, `exclusive_locks_required`, ...), wherever the macros put it;
//   - its arguments are the tokens at its *expansion* site: `GUARDED_BY(mu_)` in the source, or
//     `guarded_by(mu_)` written directly. A macro that hides its arguments (`#define LOCKED_MU
//     REQUIRES(mu_)`) has them read from its `#define` in the translation unit's own files
//     (libclang-14 does not expose the expansion); when that fails the attribute has no
//     arguments and is ignored (a miss, never a guess).
// Arguments stay text ("mu_", "&g_mu", "this->mu_", "!mu_", "a->mu_"); the extractor resolves
// them to lock identities in the declaration's context (a member of its class, a parameter, a
// global).
// Thread-safety: ReadThreadAttrs is a pure function of the cursor; the capability-class cache is
// per thread. Complexity: one tokenization of the declaration per attribute.

#ifndef LOCKSCOPE_ANALYZER_STATIC_ANALYSIS_THREAD_ANNOTATIONS_H_
#define LOCKSCOPE_ANALYZER_STATIC_ANALYSIS_THREAD_ANNOTATIONS_H_

#include <clang-c/Index.h>

#include <string>
#include <vector>

namespace lockscope {
namespace static_analysis {

struct ThreadAttr {
  enum Kind {
    kCapability,   // class: capability("mutex"), shared_capability, lockable
    kScoped,       // class: scoped_lockable (an RAII guard)
    kGuardedBy,    // field/global: guarded_by(mu)
    kPtGuardedBy,  // pointer field/global: pt_guarded_by(mu), what it points to is guarded
    kRequires,     // function: requires_capability / exclusive_locks_required (+ _shared)
    kAcquire,      // function: acquire_capability / exclusive_lock_function (+ _shared)
    kRelease,      // function: release_capability / release_generic / unlock_function
    kTryAcquire,   // function: try_acquire_capability / exclusive_trylock_function (+ _shared)
    kExcludes,     // function: locks_excluded
    kNoAnalysis,   // function: no_thread_safety_analysis
    kAcquiredBefore,  // lock: acquired_before(others), the declared lock order
    kAcquiredAfter,   // lock: acquired_after(others)
    kAssert,          // function: assert_capability (+ _shared): held after the call returns
    kReturnCapability,  // function: lock_returned(mu), a getter naming the lock it returns
  };
  Kind kind;
  bool shared = false;
  std::vector<std::string> args;  // argument texts; for kTryAcquire the success value is dropped
};

// The thread-safety attributes attached to `decl` (including those inherited from an earlier
// declaration, as libclang lists them). Unknown attributes are skipped.
std::vector<ThreadAttr> ReadThreadAttrs(CXCursor decl);

// True if `attrs` holds an attribute of `kind`.
bool HasAttr(const std::vector<ThreadAttr>& attrs, ThreadAttr::Kind kind);

// A class declared as a capability: "mutex", or "shared_mutex" when one of its methods acquires
// it shared; "" if it is not a capability. Cached per thread by USR.
std::string CapabilityKind(CXCursor class_decl);
// True if the class is a SCOPED_CAPABILITY (scoped_lockable). Cached per thread by USR.
bool IsScopedCapability(CXCursor class_decl);

}  // namespace static_analysis
}  // namespace lockscope

#endif  // LOCKSCOPE_ANALYZER_STATIC_ANALYSIS_THREAD_ANNOTATIONS_H_
