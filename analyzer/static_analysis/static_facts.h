// static_facts.h — what the static pass learns from source, per function, before any reasoning
// across functions. Produced by ClangExtractor (libclang), consumed by StaticAnalyzer. Plain data:
// tests build these by hand to exercise the interprocedural rules without parsing anything.
//
// Lock identity is the qualified declaration of the lock object, the way developers name it and
// the way the dynamic analyzer names globals: "g_mu", "app::Backend::mu_", "Counter()::mu" for a
// function-local static. Two objects of one class share the identity of their member (lockdep's
// lock *class*), which is what lock order is about.

#ifndef LOCKSCOPE_ANALYZER_STATIC_ANALYSIS_STATIC_FACTS_H_
#define LOCKSCOPE_ANALYZER_STATIC_ANALYSIS_STATIC_FACTS_H_

#include <map>
#include <set>
#include <string>
#include <vector>

namespace lockscope {
namespace static_analysis {

struct SourceLoc {
  std::string file;
  int line = 0;
  int column = 0;
  std::string function;  // qualified name of the enclosing function
};

// A lock held at some program point, and where it was taken.
struct HeldLock {
  std::string lock;
  bool shared = false;
  bool via_guard = false;  // an RAII guard owns it: released when the guard's scope ends
  SourceLoc loc;
  bool from_caller = false;  // held on entry: the function REQUIRES it (thread-safety attribute)
};

// `lock` is acquired (blocking unless try_lock) while `held` are held.
struct AcquireFact {
  std::string lock;
  std::string lock_kind;  // "mutex", "shared_mutex", "recursive_mutex", "pthread_mutex", ...
  bool shared = false;
  bool try_lock = false;
  bool deadlock_free_group = false;  // std::scoped_lock / std::lock of several: no order among them
  bool on_this = true;  // a global/static/local lock, or a member of `this` (not of another object)
  SourceLoc loc;
  std::vector<HeldLock> held;
};

// A call to a function defined (maybe) elsewhere, made while `held` are held.
struct CallFact {
  std::string callee_usr;
  std::string callee_name;
  bool is_virtual = false;
  bool on_this = true;  // a free function, or a method called on `this` (not on another object)
  SourceLoc loc;
  std::vector<HeldLock> held;
  // The callee's thread-safety contract, read from its declaration (it may be defined elsewhere):
  // REQUIRES / REQUIRES_SHARED locks (loc = the callee's declaration) and EXCLUDES locks.
  std::vector<HeldLock> callee_requires{};
  std::vector<std::string> callee_excludes{};
};

// A read or write of a field or global variable.
struct AccessFact {
  std::string variable;  // qualified: "Cache::hits_", "g_counter"
  bool write = false;
  SourceLoc loc;
  std::vector<HeldLock> held;
  bool deref = false;  // what it points to is accessed (*p, p->x, p[i]): what PT_GUARDED_BY guards
};

// A pointer/reference/iterator/view into data read under `lock` that outlives the critical section.
struct EscapeFact {
  std::string lock;
  std::string variable;   // the guarded field or global the view points into
  std::string via;        // the local holding the view ("it"), "return value", or where it is
                          // stored ("Cache::last_", "out-parameter `out`")
  std::string how;        // "used after unlock" | "returned" | "stored"
  SourceLoc taken_loc;    // where the view was taken (lock held); for "stored", the store
  SourceLoc use_loc;      // where it is used / returned without the lock ("stored": unknown yet)
  std::string stored_in{};  // "stored" in a field or global: its qualified name ("" = out-parameter)
};

// A condition-variable wait: the mutex it releases while waiting, and the shared variables its
// predicate reads (the condition of the loop around it, or the wait's predicate lambda; empty for
// a bare wait).
struct CondWaitFact {
  std::string mutex;
  int line = 0;
  std::vector<std::string> predicate;
};

// A field or global declared GUARDED_BY(lock) or PT_GUARDED_BY(lock).
struct DeclaredGuard {
  std::string lock;
  bool pointee = false;  // PT_GUARDED_BY: only what the pointer points to is guarded
  SourceLoc loc;         // the declaration
};

// A declared lock order: `first` ACQUIRED_BEFORE `second` (or `second` ACQUIRED_AFTER `first`).
struct DeclaredOrder {
  std::string first, second;
  std::string tu;  // translation unit it was read in (names are resolved per unit)
  SourceLoc loc;   // the declaration carrying the attribute
};

// A compile database often holds several programs (tools, tests, samples) that each define their
// own `main`, `Transfer` or `g_mu`. Definitions in a translation unit's main file are therefore
// keyed per translation unit: "<usr>" + kTuSeparator + "<main file>", and global names defined in
// several main files are resolved per translation unit the same way (StaticAnalyzer does it).
// Definitions in headers (inline functions, templates) keep the plain USR: one definition for all.
inline constexpr const char* kTuSeparator = "|tu:";

// A lock held through a guard whose lock expression names no declaration (`lock_guard g(*mu)`):
// it makes what it covers guarded, and appears in no lock-order edge.
inline constexpr const char* kUnnamedLock = "(unnamed lock)";

struct FunctionFacts {
  std::string tu;   // main file of the translation unit it was read from
  std::string usr;  // key in ProgramFacts::functions (see kTuSeparator)
  std::string name;  // qualified
  SourceLoc loc;
  bool is_ctor_or_dtor = false;
  bool no_thread_safety_analysis = false;  // NO_THREAD_SAFETY_ANALYSIS: races are not reported
  std::vector<std::string> overrides;  // USRs of the base methods this one overrides
  std::vector<AcquireFact> acquires;
  std::vector<CallFact> calls;
  std::vector<AccessFact> accesses;
  std::vector<EscapeFact> escapes;
  // Thread creation (std::thread construction, pthread_create) and joins in this function, by
  // line: code before the first creation or after a join that follows the last creation runs
  // while no thread of this function's making is running (create/join happens-before).
  std::vector<int> spawn_lines;
  std::vector<int> join_lines;
  // Condition-variable waits, and notifications (signal/broadcast/notify_*) by line: a wait for a
  // state the threads announce as they park orders what follows it (thread_order.h).
  std::vector<CondWaitFact> cond_waits;
  std::vector<int> wake_lines;
};

// Everything extracted from a set of translation units. Functions are keyed by USR, so a function
// declared in a header and seen from several files is merged (the first definition wins).
struct ProgramFacts {
  std::map<std::string, FunctionFacts> functions;
  std::map<std::string, std::string> lock_kinds;  // lock -> kind
  std::set<std::string> local_locks;  // locks that are a function's automatic variables
  std::map<std::string, DeclaredGuard> declared_guards;  // variable -> its GUARDED_BY lock
  std::vector<DeclaredOrder> declared_order;  // ACQUIRED_BEFORE / ACQUIRED_AFTER
  // Qualified name of a namespace-scope variable (or static member) -> the translation units whose
  // main file defines it. More than one: separate programs that reuse a name.
  std::map<std::string, std::set<std::string>> global_definitions;
  std::vector<std::string> parsed_files;
  std::vector<std::string> failed_files;  // "file: reason", one per file that could not be parsed
};

}  // namespace static_analysis
}  // namespace lockscope

#endif  // LOCKSCOPE_ANALYZER_STATIC_ANALYSIS_STATIC_FACTS_H_
