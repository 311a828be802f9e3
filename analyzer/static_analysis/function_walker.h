// function_walker.h — the per-function walk of the static pass (internal to static_analysis/):
// statements in order with a model of the held-lock set, producing the FunctionFacts of
// static_facts.h. See clang_extractor.h for the rules of the walk (branches merged by
// intersection, loops walked once, lambdas as functions of their own). Clang thread-safety
// attributes (thread_annotations.h) add locks: a function that REQUIRES a lock starts holding it,
// ACQUIRE/RELEASE functions and SCOPED_CAPABILITY guards take and drop the locks they name.
// Thread-safety: one walker per thread; TuContext is per translation unit.

#ifndef LOCKSCOPE_ANALYZER_STATIC_ANALYSIS_FUNCTION_WALKER_H_
#define LOCKSCOPE_ANALYZER_STATIC_ANALYSIS_FUNCTION_WALKER_H_

#include <clang-c/Index.h>

#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "clang_util.h"
#include "static_facts.h"
#include "thread_annotations.h"

namespace lockscope {
namespace static_analysis {
namespace internal {

// A guard variable (lock_guard/unique_lock/shared_lock/scoped_lock) and what it owns.
struct Guard {
  std::vector<std::string> locks;
  bool shared = false;
  bool owns = true;
};

// A local pointer/reference/iterator into `variable`, taken while `lock` was held.
struct View {
  std::string name;
  std::string lock;
  std::string variable;
  SourceLoc taken;
  bool reported = false;
};

struct LockState {
  std::vector<HeldLock> held;
  std::map<std::string, Guard> guards;  // guard variable USR -> guard

  bool Holds(const std::string& lock) const {
    return std::any_of(held.begin(), held.end(), [&](const HeldLock& h) { return h.lock == lock; });
  }
};

// What a walk needs from its translation unit: the locks declared at namespace scope, to resolve
// attribute arguments by name, and each declaration's thread-safety attributes (cached).
class TuContext {
 public:
  // An attribute argument resolved in the context of the declaration that carries it.
  struct CapArg {
    LockTarget target;   // target.id empty: a parameter (see param) or not resolved
    int param = -1;      // ACQUIRE(m) on a function with a parameter m: the call's argument
    bool negative = false;  // REQUIRES(!mu): "must not hold", i.e. EXCLUDES
  };

  void AddGlobalLock(CXCursor var);
  // None for declarations in system headers (they carry no annotation we act on).
  const std::vector<ThreadAttr>& Attrs(CXCursor decl);
  CapArg Resolve(CXCursor decl, const std::string& text) const;

 private:
  std::map<std::string, std::vector<LockTarget>> globals_;  // unqualified name -> locks
  std::map<std::string, std::vector<ThreadAttr>> attrs_;    // USR -> attributes
};

// ACQUIRED_BEFORE / ACQUIRED_AFTER on the lock declaration `decl` (a field or global), recorded in
// program->declared_order once per lock pair.
void RecordDeclaredOrder(TuContext* ctx, CXCursor decl, const std::string& tu,
                         ProgramFacts* program);

class FunctionWalker {
 public:
  FunctionWalker(ProgramFacts* program, FunctionFacts* facts, CXCursor function, TuContext* ctx)
      : program_(program), facts_(facts), function_(function), ctx_(ctx) {}

  void WalkBody(CXCursor body) {
    scopes_.emplace_back();
    EnterRequired();
    Walk(body, false);
    scopes_.pop_back();
  }

 private:
  void Walk(CXCursor c, bool write_ctx);
  void WalkChildren(CXCursor c, bool write_ctx) {
    for (CXCursor child : Children(c)) Walk(child, write_ctx);
  }
  void WalkCompound(CXCursor c);
  void WalkIf(CXCursor c);
  void WalkLoop(CXCursor c);
  void WalkVarDecl(CXCursor c);
  void WalkCall(CXCursor c);
  void WalkCallChildren(CXCursor c, CXCursor callee);
  void RecordCall(CXCursor c, CXCursor callee);
  void RecordThreadEvent(CXCursor call, CXCursor callee);
  bool HandleStdLock(CXCursor call, CXCursor callee);
  void WalkBinary(CXCursor c, bool compound);
  void WalkUnary(CXCursor c, bool write_ctx);
  void WalkReturn(CXCursor c);
  void WalkLambda(CXCursor c);
  void RecordAccess(CXCursor ref_expr, CXCursor decl, bool write, bool deref);
  void CheckViewUse(CXCursor decl, CXCursor at);

  void Acquire(const LockTarget& t, bool shared, bool try_lock, bool via_guard, CXCursor at,
               bool group = false);
  void Release(const std::string& lock);
  bool HandleGuardDecl(CXCursor var, const std::string& type);
  // unique_lock::unlock()/lock(), a scoped capability's Release()/Acquire().
  void SetGuardOwned(Guard* g, bool own, bool try_lock, CXCursor at);
  void BeginGuard(CXCursor var, const std::vector<LockTarget>& targets, bool shared,
                  bool deferred, bool adopted, bool try_lock);
  bool HandleLockCall(CXCursor call, CXCursor callee);
  void CheckStore(CXCursor lhs, CXCursor at, size_t accesses_before);

  // Condition variables (cond_waits.cpp).
  std::vector<std::string> PredicateVariables(CXCursor cond);
  void WalkPredicateLoop(CXCursor loop);  // a while/do loop: its condition is a wait's predicate
  // `cv_method`: CondVarMethod(call, callee) ("" when not a std::condition_variable call).
  void RecordCondOp(CXCursor call, CXCursor callee, const std::string& cv_method,
                    size_t accesses_before);

  // Thread-safety attributes (annotated_locks.cpp).
  void EnterRequired();  // REQUIRES(mu) on this function: walked holding mu
  bool HandleCapabilityMethod(CXCursor call, CXCursor callee, CXCursor object);
  bool HandleScopedGuardDecl(CXCursor var);
  void ApplyCallAttrs(CXCursor call, CXCursor callee, CallFact* fact);
  void ApplyCallEffects(CXCursor call, CXCursor callee);
  std::vector<LockTarget> AttrTargets(CXCursor call, CXCursor callee, const ThreadAttr& a);
  const DeclaredGuard* DeclaredGuardOf(CXCursor decl);  // GUARDED_BY / PT_GUARDED_BY, noted
  // ResolveLockExpr, and a call of a RETURN_CAPABILITY getter names the lock it returns.
  LockTarget ResolveLock(CXCursor expr);
  void AssertHeld(const LockTarget& t, bool shared, CXCursor call);  // ASSERT_CAPABILITY

  ProgramFacts* program_;
  FunctionFacts* facts_;
  CXCursor function_;  // the FunctionDecl/CXXMethod/LambdaExpr being walked
  LockState state_;
  std::vector<std::vector<std::string>> scopes_;  // guard USRs declared per scope
  std::map<std::string, View> views_;             // local var USR -> view
  TuContext* ctx_;
  std::vector<std::vector<std::string>> loop_predicates_;  // enclosing while/do conditions' reads
  bool inline_lambdas_ = false;  // walking a condition variable wait's arguments
  bool deref_ = false;  // the next reference is dereferenced (*p, p->x, p[i]): PT_GUARDED_BY
};

}  // namespace internal
}  // namespace static_analysis
}  // namespace lockscope

#endif  // LOCKSCOPE_ANALYZER_STATIC_ANALYSIS_FUNCTION_WALKER_H_
