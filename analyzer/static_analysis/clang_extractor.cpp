#include "clang_extractor.h"

#include <clang-c/Index.h>
#include <dirent.h>
#include <dlfcn.h>
#include <unistd.h>
#include <climits>
#include <cstdlib>

#include <algorithm>
#include <cstring>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "clang_util.h"

namespace lockscope {
namespace static_analysis {
namespace {

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

// Intersection of the states of the paths that reach the end of a branch statement.
LockState Merge(const std::vector<LockState>& states, const LockState& fallback) {
  if (states.empty()) return fallback;
  LockState out = states.front();
  out.held.erase(std::remove_if(out.held.begin(), out.held.end(),
                                [&](const HeldLock& h) {
                                  return !std::all_of(states.begin(), states.end(),
                                                      [&](const LockState& s) {
                                                        return s.Holds(h.lock);
                                                      });
                                }),
                 out.held.end());
  for (auto& [usr, guard] : out.guards) {
    for (const LockState& s : states) {
      auto it = s.guards.find(usr);
      if (it == s.guards.end() || !it->second.owns) guard.owns = false;
    }
  }
  return out;
}

class FunctionWalker {
 public:
  FunctionWalker(ProgramFacts* program, FunctionFacts* facts, CXCursor function)
      : program_(program), facts_(facts), function_(function) {}

  void WalkBody(CXCursor body) {
    scopes_.emplace_back();
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
  void RecordAccess(CXCursor ref_expr, CXCursor decl, bool write);
  void CheckViewUse(CXCursor decl, CXCursor at);

  void Acquire(const LockTarget& t, bool shared, bool try_lock, bool via_guard, CXCursor at,
               bool group = false);
  void Release(const std::string& lock);
  bool HandleGuardDecl(CXCursor var, const std::string& type);
  bool HandleLockCall(CXCursor call, CXCursor callee);

  ProgramFacts* program_;
  FunctionFacts* facts_;
  CXCursor function_;  // the FunctionDecl/CXXMethod/LambdaExpr being walked
  LockState state_;
  std::vector<std::vector<std::string>> scopes_;  // guard USRs declared per scope
  std::map<std::string, View> views_;             // local var USR -> view
  bool inline_lambdas_ = false;  // walking a condition variable wait's arguments
};

void FunctionWalker::Acquire(const LockTarget& t, bool shared, bool try_lock, bool via_guard,
                             CXCursor at, bool group) {
  AcquireFact a;
  a.lock = t.id;
  a.lock_kind = t.kind;
  a.shared = shared;
  a.try_lock = try_lock;
  a.deadlock_free_group = group;
  a.on_this = t.on_this;
  a.loc = Location(at, facts_->name);
  a.held = state_.held;
  facts_->acquires.push_back(a);
  program_->lock_kinds.emplace(t.id, t.kind);
  state_.held.push_back(HeldLock{t.id, shared, via_guard, a.loc});
}

void FunctionWalker::Release(const std::string& lock) {
  for (auto it = state_.held.rbegin(); it != state_.held.rend(); ++it) {
    if (it->lock == lock) {
      state_.held.erase(std::next(it).base());
      return;
    }
  }
}

void FunctionWalker::Walk(CXCursor c, bool write_ctx) {
  switch (clang_getCursorKind(c)) {
    case CXCursor_CompoundStmt: return WalkCompound(c);
    case CXCursor_IfStmt: return WalkIf(c);
    case CXCursor_ForStmt:
    case CXCursor_WhileStmt:
    case CXCursor_DoStmt:
    case CXCursor_CXXForRangeStmt:
    case CXCursor_SwitchStmt: return WalkLoop(c);
    case CXCursor_VarDecl: return WalkVarDecl(c);
    case CXCursor_CallExpr: return WalkCall(c);
    case CXCursor_BinaryOperator: return WalkBinary(c, false);
    case CXCursor_CompoundAssignOperator: return WalkBinary(c, true);
    case CXCursor_UnaryOperator: return WalkUnary(c, write_ctx);
    case CXCursor_ReturnStmt: return WalkReturn(c);
    case CXCursor_LambdaExpr: return WalkLambda(c);
    case CXCursor_MemberRefExpr:
    case CXCursor_DeclRefExpr: {
      CXCursor decl = clang_getCursorReferenced(c);
      RecordAccess(c, decl, write_ctx);
      CheckViewUse(decl, c);
      // Writing `a.b` (or calling a mutating method through `a.f`) writes `a` too.
      return WalkChildren(c, write_ctx);
    }
    default: return WalkChildren(c, write_ctx);
  }
}

void FunctionWalker::WalkCompound(CXCursor c) {
  scopes_.emplace_back();
  for (CXCursor child : Children(c)) Walk(child, false);
  // Guards declared in this scope release their locks here, in reverse order of declaration.
  for (auto it = scopes_.back().rbegin(); it != scopes_.back().rend(); ++it) {
    auto g = state_.guards.find(*it);
    if (g == state_.guards.end()) continue;
    if (g->second.owns) {
      for (const std::string& lock : g->second.locks) Release(lock);
    }
    state_.guards.erase(g);
  }
  scopes_.pop_back();
}

void FunctionWalker::WalkIf(CXCursor c) {
  std::vector<CXCursor> kids = Children(c);
  if (kids.size() < 2) return WalkChildren(c, false);
  // Layout: [init] [condition var] cond then [else]. The bodies are statements; the condition is
  // an expression, so a statement just before the last child means there is an else branch.
  size_t n_bodies = (kids.size() >= 3 && IsStatement(kids[kids.size() - 2])) ? 2 : 1;
  for (size_t i = 0; i + n_bodies < kids.size(); ++i) Walk(kids[i], false);
  LockState before = state_;
  std::vector<LockState> fallthrough;
  for (size_t i = kids.size() - n_bodies; i < kids.size(); ++i) {
    state_ = before;
    Walk(kids[i], false);
    if (!Terminates(kids[i])) fallthrough.push_back(state_);
  }
  if (n_bodies == 1) fallthrough.push_back(before);  // the implicit empty else
  state_ = Merge(fallthrough, before);
}

void FunctionWalker::WalkLoop(CXCursor c) {
  // A loop body (or switch) is walked once on a copy; locking inside is assumed balanced.
  LockState before = state_;
  WalkChildren(c, false);
  state_ = before;
}

bool FunctionWalker::HandleGuardDecl(CXCursor var, const std::string& type) {
  GuardKind kind = ClassifyGuard(type);
  if (kind == GuardKind::kNone) return false;
  Guard g;
  g.shared = kind == GuardKind::kShared;
  bool deferred = false, adopted = false, try_lock = false;
  std::vector<LockTarget> targets;
  ForEachRef(var, [&](CXCursor ref) {
    CXCursor decl = clang_getCursorReferenced(ref);
    std::string name = Spelling(decl);
    if (name == "defer_lock") deferred = true;
    if (name == "adopt_lock") adopted = true;
    if (name == "try_to_lock") try_lock = true;
    LockTarget t = ResolveLockExpr(ref);
    if (!t.id.empty()) targets.push_back(t);
  });
  if (targets.empty()) return true;  // a guard over something we cannot name: ignore
  for (const LockTarget& t : targets) g.locks.push_back(t.id);
  g.owns = !deferred;
  if (!deferred && !adopted) {
    bool group = targets.size() > 1;  // scoped_lock(a, b) uses std::lock: no order among them
    LockState at_start = state_;
    for (const LockTarget& t : targets) {
      if (group) state_.held = at_start.held;  // each member ordered only after the outer locks
      Acquire(t, g.shared, try_lock, true, var, group);
    }
    if (group) {
      state_.held = at_start.held;
      for (const LockTarget& t : targets) {
        state_.held.push_back(HeldLock{t.id, g.shared, true, Location(var, facts_->name)});
      }
    }
  } else if (adopted) {
    for (const LockTarget& t : targets) {
      if (!state_.Holds(t.id)) {
        state_.held.push_back(HeldLock{t.id, g.shared, true, Location(var, facts_->name)});
      }
    }
  }
  std::string usr = Usr(var);
  state_.guards[usr] = g;
  if (!scopes_.empty()) scopes_.back().push_back(usr);
  return true;
}

void FunctionWalker::WalkVarDecl(CXCursor c) {
  CXType type = clang_getCursorType(c);
  std::string type_name = CanonicalTypeName(type);
  if (HandleGuardDecl(c, type_name)) return;
  size_t accesses_before = facts_->accesses.size();
  WalkChildren(c, false);
  // A view into guarded data: pointer/reference/iterator initialized from a field or global read
  // while a lock is held. Its later uses are checked against that lock.
  if (state_.held.empty() || !IsViewType(type)) return;
  // `Foo* p = ptr_field_;` copies a pointer value: what it points to is not the guarded field.
  // A reference bound to the field itself (`auto& r = field_;`) does alias it.
  if (type.kind != CXType_LValueReference && type.kind != CXType_RValueReference) {
    std::vector<CXCursor> kids = Children(c);
    CXCursor init = kids.empty() ? clang_getNullCursor() : kids.back();
    while (!clang_Cursor_isNull(init) && clang_getCursorKind(init) == CXCursor_UnexposedExpr &&
           Children(init).size() == 1) {
      init = Children(init)[0];
    }
    CXCursorKind ik = clang_Cursor_isNull(init) ? CXCursor_InvalidCode : clang_getCursorKind(init);
    if (ik == CXCursor_MemberRefExpr || ik == CXCursor_DeclRefExpr) return;
  }
  for (size_t i = accesses_before; i < facts_->accesses.size(); ++i) {
    const AccessFact& a = facts_->accesses[i];
    View v;
    v.name = Spelling(c);
    v.lock = state_.held.back().lock;
    v.variable = a.variable;
    v.taken = Location(c, facts_->name);
    views_[Usr(c)] = v;
    return;
  }
}

void FunctionWalker::CheckViewUse(CXCursor decl, CXCursor at) {
  auto it = views_.find(Usr(decl));
  if (it == views_.end() || it->second.reported || state_.Holds(it->second.lock)) return;
  View& v = it->second;
  v.reported = true;
  EscapeFact e;
  e.lock = v.lock;
  e.variable = v.variable;
  e.via = v.name;
  e.how = "used after unlock";
  e.taken_loc = v.taken;
  e.use_loc = Location(at, facts_->name);
  facts_->escapes.push_back(e);
}

bool FunctionWalker::HandleLockCall(CXCursor call, CXCursor callee) {
  std::string method = Spelling(callee);
  CXCursorKind kind = clang_getCursorKind(callee);
  if (kind == CXCursor_FunctionDecl) {
    PthreadOp op = ClassifyPthreadCall(method);
    if (op.kind == PthreadOp::kNone) return false;
    std::vector<CXCursor> args = CallArguments(call);
    if (args.empty()) return true;
    LockTarget t = ResolveLockExpr(args[0]);
    if (t.id.empty()) return true;
    if (op.kind == PthreadOp::kUnlock) {
      Release(t.id);
    } else {
      Acquire(t, op.shared, op.try_lock, false, call);
    }
    return true;
  }
  if (kind != CXCursor_CXXMethod) return false;
  std::string cls = QualifiedName(clang_getCursorSemanticParent(callee));
  CXCursor object = CallObject(call);
  if (clang_Cursor_isNull(object)) return false;
  if (ClassifyLockType(cls).empty()) {
    // unique_lock / shared_lock methods toggle the guard's ownership.
    if (ClassifyGuard(cls + "<") == GuardKind::kNone) return false;
    CXCursor guard_decl = clang_getCursorReferenced(FirstRef(object));
    auto g = state_.guards.find(Usr(guard_decl));
    if (g == state_.guards.end()) return true;
    if (method == "unlock" && g->second.owns) {
      for (const std::string& lock : g->second.locks) Release(lock);
      g->second.owns = false;
    } else if ((method == "lock" || method == "try_lock") && !g->second.owns) {
      for (const std::string& lock : g->second.locks) {
        Acquire(LockTarget{lock, program_->lock_kinds[lock]}, g->second.shared,
                method == "try_lock", true, call);
      }
      g->second.owns = true;
    }
    return true;
  }
  LockTarget t = ResolveLockExpr(object);
  if (t.id.empty()) return true;
  MutexOp op = ClassifyMutexMethod(method);
  if (op.kind == MutexOp::kUnlock) {
    Release(t.id);
  } else if (op.kind == MutexOp::kLock) {
    Acquire(t, op.shared, op.try_lock, false, call);
  }
  return true;
}

void FunctionWalker::RecordThreadEvent(CXCursor call, CXCursor callee) {
  std::string name = Spelling(callee);
  CXCursorKind kind = clang_getCursorKind(callee);
  std::string cls = kind == CXCursor_FunctionDecl
                        ? std::string()
                        : QualifiedName(clang_getCursorSemanticParent(callee));
  bool std_thread = cls == "std::thread" || cls == "std::jthread";
  int line = Location(call, facts_->name).line;
  if ((kind == CXCursor_Constructor && std_thread) ||
      (kind == CXCursor_FunctionDecl && name == "pthread_create")) {
    facts_->spawn_lines.push_back(line);
  } else if ((kind == CXCursor_CXXMethod && std_thread && name == "join") ||
             (kind == CXCursor_FunctionDecl && name == "pthread_join")) {
    facts_->join_lines.push_back(line);
  }
}

bool FunctionWalker::HandleStdLock(CXCursor call, CXCursor callee) {
  // std::lock(a, b, ...): takes every lock (or every deferred guard's lock) with a deadlock-free
  // algorithm: the locks are ordered after what is held, never among themselves.
  if (QualifiedName(callee) != "std::lock") return false;
  std::vector<LockTarget> targets;
  for (CXCursor arg : CallArguments(call)) {
    CXCursor ref = FirstRef(arg);
    if (clang_Cursor_isNull(ref)) continue;
    auto g = state_.guards.find(Usr(clang_getCursorReferenced(ref)));
    if (g != state_.guards.end()) {
      for (const std::string& lock : g->second.locks) {
        targets.push_back(LockTarget{lock, program_->lock_kinds[lock]});
      }
      g->second.owns = true;
      continue;
    }
    LockTarget t = ResolveLockExpr(arg);
    if (!t.id.empty()) targets.push_back(t);
  }
  std::vector<HeldLock> outer = state_.held;
  for (const LockTarget& t : targets) {
    state_.held = outer;
    Acquire(t, false, false, false, call, targets.size() > 1);
  }
  state_.held = outer;
  for (const LockTarget& t : targets) {
    state_.held.push_back(HeldLock{t.id, false, false, Location(call, facts_->name)});
  }
  return true;
}

void FunctionWalker::WalkCall(CXCursor c) {
  CXCursor callee = clang_getCursorReferenced(c);
  if (!clang_Cursor_isNull(callee)) {
    RecordThreadEvent(c, callee);
    if (HandleLockCall(c, callee) || HandleStdLock(c, callee)) return;
  }
  // A condition variable's wait predicate runs with the wait's mutex held: walk such lambdas in
  // place instead of as functions of their own.
  std::string method = clang_Cursor_isNull(callee) ? std::string() : Spelling(callee);
  bool cv_wait = clang_getCursorKind(callee) == CXCursor_CXXMethod &&
                 (method == "wait" || method == "wait_for" || method == "wait_until") &&
                 QualifiedName(clang_getCursorSemanticParent(callee))
                         .rfind("std::condition_variable", 0) == 0;
  bool saved_inline = inline_lambdas_;
  inline_lambdas_ = cv_wait;
  WalkCallChildren(c, callee);
  inline_lambdas_ = saved_inline;
  RecordCall(c, callee);
}

void FunctionWalker::WalkCallChildren(CXCursor c, CXCursor callee) {
  // Arguments and the object are evaluated before the call. A non-const method called on a
  // field or global mutates it.
  CXCursor object = CallObject(c);
  bool mutating = IsMutatingMethod(callee);
  std::vector<CXCursor> kids = Children(c);
  // The object is inside the callee expression (obj.f(): kids[0] is the MemberRefExpr `f` whose
  // child is `obj`), or, for an overloaded operator (map_[k]), the first child that refers to a
  // variable rather than to the operator function itself.
  size_t object_child = kids.size();
  if (!clang_Cursor_isNull(object)) {
    for (size_t i = 0; i < kids.size() && object_child == kids.size(); ++i) {
      if (i == 0 && clang_getCursorKind(kids[0]) == CXCursor_MemberRefExpr &&
          clang_getCursorKind(clang_getCursorReferenced(kids[0])) == CXCursor_CXXMethod) {
        object_child = 0;
        break;
      }
      CXCursor ref = FirstRef(kids[i]);
      if (clang_Cursor_isNull(ref)) continue;
      CXCursorKind rk = clang_getCursorKind(clang_getCursorReferenced(ref));
      if (rk == CXCursor_FieldDecl || rk == CXCursor_VarDecl) object_child = i;
    }
  }
  for (size_t i = 0; i < kids.size(); ++i) Walk(kids[i], i == object_child && mutating);
}

void FunctionWalker::RecordCall(CXCursor c, CXCursor callee) {
  if (clang_Cursor_isNull(callee)) return;
  CXCursor object = CallObject(c);
  CXCursorKind kind = clang_getCursorKind(callee);
  if (kind != CXCursor_FunctionDecl && kind != CXCursor_CXXMethod &&
      kind != CXCursor_FunctionTemplate) {
    return;
  }
  CallFact call;
  call.callee_usr = Usr(callee);
  call.callee_name = QualifiedName(callee);
  call.is_virtual = kind == CXCursor_CXXMethod && clang_CXXMethod_isVirtual(callee);
  call.on_this = kind != CXCursor_CXXMethod || clang_CXXMethod_isStatic(callee) ||
                 IsThisObject(object);
  call.loc = Location(c, facts_->name);
  call.held = state_.held;
  if (!call.callee_usr.empty()) facts_->calls.push_back(call);
}

void FunctionWalker::WalkBinary(CXCursor c, bool compound) {
  std::vector<CXCursor> kids = Children(c);
  if (kids.size() != 2) return WalkChildren(c, false);
  bool assign = compound || BinaryOperatorSpelling(c, kids[0]) == "=";
  // The right side is evaluated first for the purpose of "what is read under which lock".
  Walk(kids[1], false);
  Walk(kids[0], assign);
}

void FunctionWalker::WalkUnary(CXCursor c, bool write_ctx) {
  std::string op = UnaryOperatorSpelling(c);
  bool writes = op == "++" || op == "--";
  WalkChildren(c, write_ctx || writes);
}

void FunctionWalker::WalkReturn(CXCursor c) {
  size_t accesses_before = facts_->accesses.size();
  std::vector<CXCursor> kids = Children(c);
  WalkChildren(c, false);
  if (kids.empty()) return;
  // Returning a pointer/reference/view into data read under a guard: the guard is destroyed as the
  // function returns, so the caller uses it without the lock.
  CXType result = clang_getResultType(clang_getCursorType(function_));
  if (!IsViewType(result)) return;
  for (auto it = state_.held.rbegin(); it != state_.held.rend(); ++it) {
    if (!it->via_guard) continue;
    for (size_t i = accesses_before; i < facts_->accesses.size(); ++i) {
      EscapeFact e;
      e.lock = it->lock;
      e.variable = facts_->accesses[i].variable;
      e.via = "return value";
      e.how = "returned";
      e.taken_loc = facts_->accesses[i].loc;
      e.use_loc = Location(c, facts_->name);
      facts_->escapes.push_back(e);
      return;
    }
  }
}

void FunctionWalker::WalkLambda(CXCursor c) {
  if (inline_lambdas_) {  // a wait predicate: runs here, under the wait's mutex
    for (CXCursor child : Children(c)) {
      if (clang_getCursorKind(child) == CXCursor_CompoundStmt) Walk(child, false);
    }
    return;
  }
  SourceLoc loc = Location(c, facts_->name);
  std::string usr = facts_->usr + "@lambda:" + std::to_string(loc.line) + ":" +
                    std::to_string(loc.column);
  FunctionFacts& lambda = program_->functions[usr];
  if (!lambda.usr.empty()) return;  // already walked (a header seen from several files)
  lambda.usr = usr;
  lambda.tu = facts_->tu;
  lambda.name = facts_->name + "::<lambda at line " + std::to_string(loc.line) + ">";
  lambda.loc = loc;
  for (CXCursor child : Children(c)) {
    if (clang_getCursorKind(child) == CXCursor_CompoundStmt) {
      FunctionWalker(program_, &lambda, c).WalkBody(child);
    }
  }
}

void FunctionWalker::RecordAccess(CXCursor ref_expr, CXCursor decl, bool write) {
  if (!IsSharedVariable(decl)) return;
  AccessFact a;
  a.variable = QualifiedName(decl);
  a.write = write;
  a.loc = Location(ref_expr, facts_->name);
  a.held = state_.held;
  facts_->accesses.push_back(a);
}

bool IsFunctionDefinition(CXCursor c) {
  switch (clang_getCursorKind(c)) {
    case CXCursor_FunctionDecl:
    case CXCursor_CXXMethod:
    case CXCursor_Constructor:
    case CXCursor_Destructor:
    case CXCursor_ConversionFunction:
    case CXCursor_FunctionTemplate:
      return clang_isCursorDefinition(c) != 0;
    default:
      return false;
  }
}

struct TuVisit {
  ProgramFacts* program;
  std::string tu;  // main file of the translation unit
};

CXChildVisitResult VisitTopLevel(CXCursor c, CXCursor, CXClientData data) {
  auto* visit = static_cast<TuVisit*>(data);
  if (clang_Location_isInSystemHeader(clang_getCursorLocation(c))) return CXChildVisit_Continue;
  CXCursorKind k = clang_getCursorKind(c);
  const bool in_main_file = clang_Location_isFromMainFile(clang_getCursorLocation(c)) != 0;
  if (k == CXCursor_VarDecl && in_main_file && clang_isCursorDefinition(c)) {
    visit->program->global_definitions[QualifiedName(c)].insert(visit->tu);
  }
  if (IsFunctionDefinition(c)) {
    // Main-file definitions are per translation unit (see kTuSeparator); header ones are shared.
    std::string usr = Usr(c) + (in_main_file ? kTuSeparator + visit->tu : std::string());
    FunctionFacts& facts = visit->program->functions[usr];
    if (!facts.usr.empty()) return CXChildVisit_Continue;  // seen from another file
    facts.usr = usr;
    facts.tu = visit->tu;
    facts.name = QualifiedName(c);
    facts.loc = Location(c, facts.name);
    facts.is_ctor_or_dtor = k == CXCursor_Constructor || k == CXCursor_Destructor;
    CXCursor* overridden = nullptr;
    unsigned n = 0;
    clang_getOverriddenCursors(c, &overridden, &n);
    for (unsigned i = 0; i < n; ++i) facts.overrides.push_back(Usr(overridden[i]));
    if (overridden) clang_disposeOverriddenCursors(overridden);
    for (CXCursor child : Children(c)) {
      if (clang_getCursorKind(child) == CXCursor_CompoundStmt) {
        FunctionWalker(visit->program, &facts, c).WalkBody(child);
      }
    }
    return CXChildVisit_Continue;
  }
  switch (k) {
    case CXCursor_Namespace:
    case CXCursor_ClassDecl:
    case CXCursor_StructDecl:
    case CXCursor_ClassTemplate:
    case CXCursor_LinkageSpec:
    case CXCursor_UnionDecl:
      return CXChildVisit_Recurse;
    default:
      return CXChildVisit_Continue;
  }
}


}  // namespace

ClangExtractor::ClangExtractor(ProgramFacts* out)
    : out_(out), index_(clang_createIndex(/*excludeDeclarationsFromPCH=*/0,
                                          /*displayDiagnostics=*/0)) {}

ClangExtractor::~ClangExtractor() { clang_disposeIndex(static_cast<CXIndex>(index_)); }

bool ClangExtractor::ParseFile(const std::string& file, const std::vector<std::string>& args,
                               const std::string& directory) {
  // clang's -working-directory instead of chdir(): parses may run on several threads at once.
  std::vector<std::string> all_args = args;
  if (!directory.empty()) {
    all_args.insert(all_args.begin(), {"-working-directory", directory});
  }
  std::vector<const char*> argv;
  for (const std::string& a : all_args) argv.push_back(a.c_str());
  CXTranslationUnit tu = nullptr;
  CXErrorCode rc = clang_parseTranslationUnit2(
      static_cast<CXIndex>(index_), file.c_str(), argv.data(), static_cast<int>(argv.size()),
      nullptr, 0, CXTranslationUnit_KeepGoing, &tu);
  if (rc != CXError_Success || tu == nullptr) {
    out_->failed_files.push_back(file + ": libclang could not parse it (error " +
                                 std::to_string(static_cast<int>(rc)) + ")");
    return false;
  }
  unsigned n_diag = clang_getNumDiagnostics(tu);
  std::string first_error;
  unsigned errors = 0;
  for (unsigned i = 0; i < n_diag; ++i) {
    CXDiagnostic d = clang_getDiagnostic(tu, i);
    if (clang_getDiagnosticSeverity(d) >= CXDiagnostic_Error) {
      if (errors++ == 0) {
        first_error = ToString(clang_formatDiagnostic(d, CXDiagnostic_DisplaySourceLocation));
      }
    }
    clang_disposeDiagnostic(d);
  }
  if (errors > 0) {
    out_->failed_files.push_back(file + ": " + std::to_string(errors) +
                                 " error(s), analyzed what parsed; first: " + first_error);
  }
  TuVisit visit{out_, ToString(clang_getTranslationUnitSpelling(tu))};
  clang_visitChildren(clang_getTranslationUnitCursor(tu), VisitTopLevel, &visit);
  clang_disposeTranslationUnit(tu);
  out_->parsed_files.push_back(file);
  return errors == 0;
}

std::string FindClangResourceDir() {
  std::vector<std::string> candidates;
  Dl_info info;
  if (dladdr(reinterpret_cast<void*>(&clang_createIndex), &info) != 0 && info.dli_fname) {
    char real[4096];
    if (realpath(info.dli_fname, real) != nullptr) {
      std::string lib = real;
      candidates.push_back(lib.substr(0, lib.rfind('/')) + "/clang");
    }
  }
  candidates.push_back("/usr/lib/llvm-14/lib/clang");
  for (const std::string& base : candidates) {
    DIR* dir = opendir(base.c_str());
    if (dir == nullptr) continue;
    std::string found;
    while (dirent* e = readdir(dir)) {
      std::string name = e->d_name;
      if (name == "." || name == "..") continue;
      std::string path = base + "/" + name;
      if (access((path + "/include/stddef.h").c_str(), R_OK) == 0) found = path;
    }
    closedir(dir);
    if (!found.empty()) return found;
  }
  return "";
}

std::vector<std::string> SanitizeCompilerArgs(const std::vector<std::string>& args,
                                              const std::string& file) {
  // Flags gcc knows and clang rejects; each would make libclang fail the whole file.
  static const char* kGccOnlyPrefixes[] = {
      "-fmax-errors", "-fconcepts", "-fno-gnu-unique", "-fipa-", "-fno-ipa-",
      "-fconserve-stack", "-fno-tree-", "-ftree-", "-flto", "-fno-lto", "-fuse-linker-plugin",
      "-fno-semantic-interposition", "-Wno-psabi", "-fstack-clash-protection", "-fcf-protection",
      "-fdiagnostics-color", "-fno-canonical-system-headers", "-Werror",
  };
  std::vector<std::string> out;
  size_t start = (!args.empty() && !args[0].empty() && args[0][0] != '-') ? 1 : 0;
  std::string base = file.substr(file.rfind('/') + 1);
  for (size_t i = start; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "-c" || a == "-MD" || a == "-MMD" || a == "-MP") continue;
    if (a == "-o" || a == "-MF" || a == "-MT" || a == "-MQ") {
      ++i;
      continue;
    }
    if (a == file || (!a.empty() && a[0] != '-' && a.substr(a.rfind('/') + 1) == base)) continue;
    bool gcc_only = false;
    for (const char* p : kGccOnlyPrefixes) gcc_only |= a.rfind(p, 0) == 0;
    if (gcc_only) continue;
    out.push_back(a);
  }
  std::string resource = FindClangResourceDir();
  if (!resource.empty()) {
    out.push_back("-resource-dir");
    out.push_back(resource);
  }
  out.push_back("-w");  // the user's warnings are not our findings
  return out;
}

}  // namespace static_analysis
}  // namespace lockscope
