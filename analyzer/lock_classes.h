// lock_classes.h — lockdep-style lock classes: fold lock instances that were created (or first
// locked) at the same place into one class, so 1 000 objects with the same AB-BA pattern give one
// finding instead of 1 000 (`lockscope analyze/run --group=class`).
//
// Class key: (lock kind, LockDef::stack_id) — the init stack when *_init was called, else the
// stack of the first lock (the runtime deduplicates stacks, so equal stacks have equal ids). Locks
// without a stack, and locks the program named (annotations.h), stay classes of their own.
// The folded trace is a copy in which every lock id is replaced by its class's representative
// (the smallest lock id of the class) in acquires, held sets and thread slots; detectors run on it
// unchanged. Two instances of one class held at once look like a re-acquisition and order
// nothing (lockdep would ask for a nesting annotation; lockscope stays silent rather than guess).
// Finding naming: AnnotateClasses() renames the LockRefs of classes with more than one instance
// ("class of 1000 mutexes first locked at Transfer bank.cc:42") and says so in the summary.
// Thread-safety: pure functions. Complexity: O(records + held entries).

#ifndef LOCKSCOPE_ANALYZER_LOCK_CLASSES_H_
#define LOCKSCOPE_ANALYZER_LOCK_CLASSES_H_

#include <cstdint>
#include <map>

#include "findings.h"
#include "trace_model.h"

namespace lockscope {
namespace analysis {

struct LockClasses {
  std::map<uint32_t, uint32_t> representative;  // lock id -> its class's representative id
  std::map<uint32_t, uint64_t> instances;       // representative -> number of locks in the class
};

// The classes of `trace`'s locks.
LockClasses ComputeLockClasses(const Trace& trace);

// `trace` with every lock id replaced by its representative (locks of other classes removed).
Trace FoldLockClasses(const Trace& trace, const LockClasses& classes);

// Renames the lock references of multi-instance classes in the findings and suppressed
// candidates of `report` that belong to `pid`, and notes the folding in each summary.
void AnnotateClasses(const LockClasses& classes, int32_t pid, Report* report);

}  // namespace analysis
}  // namespace lockscope

#endif  // LOCKSCOPE_ANALYZER_LOCK_CLASSES_H_
