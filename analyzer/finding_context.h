// finding_context.h — names and stacks for the findings of one trace.
//
// What: turns the ids of a Trace into the symbolized, human-named pieces of findings.h: LockRef
// (ELF/DWARF name of a global or static lock, else "<kind> 0x<addr> first locked at <fn>
// <file>:<line>"), ThreadRef ("T<n>", numbered in thread-start order with the main thread T0, so
// numbers are stable across runs of the same program, plus the pthread name if set; see
// ThreadNumberingOrder) and Stack.
// Identity: one context per trace; lock and thread references are cached, so every finding of the
// trace names a lock the same way.
// Ownership: borrows the Trace and the Symbolizer, which must outlive it. Not thread-safe.
// Failure semantics: dangling ids (damaged traces) give placeholder names, never errors.

#ifndef LOCKSCOPE_ANALYZER_FINDING_CONTEXT_H_
#define LOCKSCOPE_ANALYZER_FINDING_CONTEXT_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "findings.h"
#include "symbolizer.h"
#include "trace_model.h"

namespace lockscope {
namespace analysis {

class FindingContext {
 public:
  FindingContext(const Trace& trace, Symbolizer* symbolizer);

  const Trace& trace() const { return trace_; }
  Symbolizer& symbolizer() { return *symbolizer_; }

  Stack StackOf(uint32_t stack_id);
  LockRef MakeLockRef(uint32_t lock_id);
  // For an object that is not a known lock (a condvar, an unknown mutex address).
  LockRef MakeObjectRef(uint64_t address, const std::string& kind);
  ThreadRef MakeThreadRef(uint32_t tid);
  // "T1" or "T1 (worker)".
  std::string ThreadLabel(uint32_t tid) const;

  // The symbol when there is one, else "<kind> 0x<addr>": short enough for summaries and tables.
  static std::string ShortLockName(const LockRef& lock);
  // "Transfer bank.cc:42" for the first frame outside the standard library, or "" if none.
  static std::string Where(const Stack& stack);

 private:
  const Trace& trace_;
  Symbolizer* symbolizer_;
  std::map<uint32_t, int> thread_numbers_;  // tid -> n of "T<n>"
  std::map<uint32_t, LockRef> lock_cache_;
};

const char* LockKindName(LockKind kind);

// The tids of trace.threads in "T<n>" order: the main thread, then thread-start order, with the
// children of one parent in creation order (their parent_epoch), which does not race.
std::vector<uint32_t> ThreadNumberingOrder(const Trace& trace);

}  // namespace analysis
}  // namespace lockscope

#endif  // LOCKSCOPE_ANALYZER_FINDING_CONTEXT_H_
