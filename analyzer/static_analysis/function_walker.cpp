#include "function_walker.h"

#include <clang-c/Index.h>

#include <algorithm>
#include <string>
#include <vector>

#include "clang_util.h"

namespace lockscope {
namespace static_analysis {
namespace internal {
namespace {

CXCursor Unwrap(CXCursor c) {
  while (clang_getCursorKind(c) == CXCursor_UnexposedExpr ||
         clang_getCursorKind(c) == CXCursor_ParenExpr) {
    std::vector<CXCursor> kids = Children(c);
    if (kids.size() != 1) break;
    c = kids[0];
  }
  return c;
}

// True if `init` reads a pointer/iterator/view value that was stored in the data (`p_`, `v_[i]`,
// `q_.front()`, `*pp`) rather than taking one into it (`&v_[i]`, `v_.data()`, `m_.find(k)`,
// `std::string_view(name_)`): the copy points wherever the stored value pointed, not into the
// guarded variable.
bool CopiesStoredValue(CXCursor init) {
  init = Unwrap(init);
  if (!IsViewType(clang_getCursorType(init))) return false;  // `name_` (a string) -> a view of it
  switch (clang_getCursorKind(init)) {
    case CXCursor_MemberRefExpr:
    case CXCursor_DeclRefExpr:
    case CXCursor_ArraySubscriptExpr:
      return true;
    case CXCursor_UnaryOperator:
      return UnaryOperatorSpelling(init) == "*";
    case CXCursor_CallExpr: {  // front(), at(), operator[]: an element, returned by reference
      CXCursor callee = clang_getCursorReferenced(init);
      if (clang_Cursor_isNull(callee)) return false;
      CXTypeKind k = clang_getCanonicalType(clang_getResultType(clang_getCursorType(callee))).kind;
      return k == CXType_LValueReference || k == CXType_RValueReference;
    }
    default:
      return false;
  }
}

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

// The variable a view expression points into: `&v_[i]`, `v_.data()`, `m_.find(k)`, `*it_`,
// `items_[0].name`, `name_`; a null cursor when it is the result of a free function
// (`Lookup(key_)`, `fopen(path_.c_str())`): what that points to is not known to be ours.
CXCursor ViewBase(CXCursor e, int depth = 0) {
  e = Unwrap(e);
  if (depth > 8) return clang_getNullCursor();
  switch (clang_getCursorKind(e)) {
    case CXCursor_DeclRefExpr:
      return e;
    case CXCursor_MemberRefExpr: {
      std::vector<CXCursor> kids = Children(e);
      CXCursor base = kids.empty() ? clang_getNullCursor() : ViewBase(kids[0], depth + 1);
      return clang_Cursor_isNull(base) ? e : base;  // `this->items_` is items_
    }
    case CXCursor_ArraySubscriptExpr:
    case CXCursor_UnaryOperator: {
      std::vector<CXCursor> kids = Children(e);
      return kids.empty() ? clang_getNullCursor() : ViewBase(kids[0], depth + 1);
    }
    case CXCursor_CallExpr: {
      CXCursor object = CallObject(e);
      if (!clang_Cursor_isNull(object)) return ViewBase(object, depth + 1);
      CXCursorKind callee = clang_getCursorKind(clang_getCursorReferenced(e));
      std::vector<CXCursor> args = CallArguments(e);
      // A view constructed from the data (std::string_view(name_)), or a conversion of it.
      if ((callee == CXCursor_Constructor || callee == CXCursor_ConversionFunction) &&
          !args.empty()) {
        return ViewBase(args[0], depth + 1);
      }
      if (callee == CXCursor_ConversionFunction) return ViewBase(FirstRef(e), depth + 1);
      return clang_getNullCursor();
    }
    default:
      return clang_getNullCursor();
  }
}

// True if the view computed by `e` points into `variable` (a qualified name).
bool PointsInto(CXCursor e, const std::string& variable) {
  CXCursor base = ViewBase(e);
  return !clang_Cursor_isNull(base) && QualifiedName(clang_getCursorReferenced(base)) == variable;
}

}  // namespace

void FunctionWalker::Acquire(const LockTarget& t, bool shared, bool try_lock, bool via_guard,
                             CXCursor at, bool group) {
  if (t.id == kUnnamedLock) {  // held (accesses are guarded), but no order edge can name it
    state_.held.push_back(HeldLock{t.id, shared, via_guard, Location(at, facts_->name)});
    return;
  }
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
  if (t.local) program_->local_locks.insert(t.id);
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
  // A dereference applies to the reference right below it, through implicit casts and parens.
  const bool deref = deref_;
  deref_ = false;
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
      RecordAccess(c, decl, write_ctx, deref);
      CheckViewUse(decl, c);
      // Writing `a.b` (or calling a mutating method through `a.f`) writes `a` too; `p->x`
      // dereferences `p`.
      std::vector<CXCursor> kids = Children(c);
      for (CXCursor kid : kids) {
        deref_ = clang_getCursorType(kid).kind == CXType_Pointer;
        Walk(kid, write_ctx);
      }
      return;
    }
    case CXCursor_ArraySubscriptExpr: {
      std::vector<CXCursor> kids = Children(c);
      for (size_t i = 0; i < kids.size(); ++i) {
        deref_ = i == 0;
        Walk(kids[i], i == 0 && write_ctx);
      }
      return;
    }
    case CXCursor_UnexposedExpr:
    case CXCursor_ParenExpr:
      deref_ = deref;
      return WalkChildren(c, write_ctx);
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
  // A loop body (or switch) is walked once on a copy; locking inside is assumed balanced, except
  // for locks the body takes and keeps: `for (auto& m : shards) m.lock();` holds them after it.
  LockState before = state_;
  CXCursorKind kind = clang_getCursorKind(c);
  if (kind == CXCursor_WhileStmt || kind == CXCursor_DoStmt) {
    WalkPredicateLoop(c);
  } else {
    WalkChildren(c, false);
  }
  std::vector<HeldLock> kept;
  for (const HeldLock& h : state_.held) {
    if (!before.Holds(h.lock)) kept.push_back(h);
  }
  state_ = before;
  state_.held.insert(state_.held.end(), kept.begin(), kept.end());
}

bool FunctionWalker::HandleGuardDecl(CXCursor var, const std::string& type) {
  GuardKind kind = ClassifyGuard(type);
  if (kind == GuardKind::kNone) return HandleScopedGuardDecl(var);
  bool deferred = false, adopted = false, try_lock = false;
  std::vector<LockTarget> targets;
  ForEachRef(var, [&](CXCursor ref) {
    CXCursor decl = clang_getCursorReferenced(ref);
    std::string name = Spelling(decl);
    if (name == "defer_lock") deferred = true;
    if (name == "adopt_lock") adopted = true;
    if (name == "try_to_lock") try_lock = true;
    LockTarget t = ResolveLock(ref);
    if (!t.id.empty()) targets.push_back(t);
  });
  // A guard over a lock we cannot name (`lock_guard g(*mu)`, `shards[i]` of a map): it holds
  // something, so what it covers is not "unguarded"; it just orders nothing.
  if (targets.empty()) targets.push_back(LockTarget{kUnnamedLock, "unknown"});
  BeginGuard(var, targets, kind == GuardKind::kShared, deferred, adopted, try_lock);
  return true;
}

void FunctionWalker::BeginGuard(CXCursor var, const std::vector<LockTarget>& targets, bool shared,
                                bool deferred, bool adopted, bool try_lock) {
  Guard g;
  g.shared = shared;
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
}

void FunctionWalker::SetGuardOwned(Guard* g, bool own, bool try_lock, CXCursor at) {
  if (own == g->owns) return;
  for (const std::string& lock : g->locks) {
    if (!own) {
      Release(lock);
    } else {
      auto kind = program_->lock_kinds.find(lock);
      Acquire(LockTarget{lock, kind == program_->lock_kinds.end() ? "unknown" : kind->second},
              g->shared, try_lock, true, at);
    }
  }
  g->owns = own;
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
    if (kids.empty() || CopiesStoredValue(kids.back())) return;
  }
  if (state_.held.back().lock == kUnnamedLock) return;
  std::vector<CXCursor> init = Children(c);
  for (size_t i = accesses_before; i < facts_->accesses.size(); ++i) {
    const AccessFact& a = facts_->accesses[i];
    if (init.empty() || !PointsInto(init.back(), a.variable)) continue;
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
    LockTarget t = ResolveLock(args[0]);
    if (t.id.empty()) t = LockTarget{kUnnamedLock, "unknown"};  // `pthread_mutex_lock(mu)`
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
  if (HandleCapabilityMethod(call, callee, object)) return true;
  if (clang_Cursor_isNull(object)) return false;
  if (ClassifyLockType(cls).empty()) {
    // unique_lock / shared_lock methods toggle the guard's ownership.
    if (ClassifyGuard(cls + "<") == GuardKind::kNone) return false;
    CXCursor guard_decl = clang_getCursorReferenced(FirstRef(object));
    auto g = state_.guards.find(Usr(guard_decl));
    if (g == state_.guards.end()) return true;
    if (method == "unlock") SetGuardOwned(&g->second, false, false, call);
    if (method == "lock" || method == "try_lock") {
      SetGuardOwned(&g->second, true, method == "try_lock", call);
    }
    return true;
  }
  LockTarget t = ResolveLock(object);
  if (t.id.empty()) t = LockTarget{kUnnamedLock, "unknown"};  // `mu->lock()`, `locks[i].lock()`
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
    LockTarget t = ResolveLock(arg);
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
  const std::string cv_method = CondVarMethod(c, callee);
  bool saved_inline = inline_lambdas_;
  inline_lambdas_ = cv_method == "wait" || cv_method == "wait_for" || cv_method == "wait_until";
  const size_t accesses_before = facts_->accesses.size();
  WalkCallChildren(c, callee);
  inline_lambdas_ = saved_inline;
  RecordCall(c, callee);
  RecordCondOp(c, callee, cv_method, accesses_before);
  if (clang_Cursor_isNull(callee)) return;
  ApplyCallEffects(c, callee);
  // `it_ = map_.find(k)`, `view_ = name_`: a class-type assignment is a call of operator=.
  std::vector<CXCursor> args = CallArguments(c);
  if (method == "operator=" && args.size() == 2) CheckStore(args[0], c, accesses_before);
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
  std::string name = clang_Cursor_isNull(callee) ? std::string() : Spelling(callee);
  const bool derefs = name == "operator->" || name == "operator*";  // smart pointers
  for (size_t i = 0; i < kids.size(); ++i) {
    deref_ = i == object_child && derefs;
    Walk(kids[i], i == object_child && mutating);
  }
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
  ApplyCallAttrs(c, callee, &call);
  if (!call.callee_usr.empty()) facts_->calls.push_back(call);
}

void FunctionWalker::WalkBinary(CXCursor c, bool compound) {
  std::vector<CXCursor> kids = Children(c);
  if (kids.size() != 2) return WalkChildren(c, false);
  bool assign = compound || BinaryOperatorSpelling(c, kids[0]) == "=";
  // The right side is evaluated first for the purpose of "what is read under which lock".
  const size_t accesses_before = facts_->accesses.size();
  Walk(kids[1], false);
  Walk(kids[0], assign);
  if (assign && !compound) CheckStore(kids[0], c, accesses_before);
}

void FunctionWalker::WalkUnary(CXCursor c, bool write_ctx) {
  std::string op = UnaryOperatorSpelling(c);
  bool writes = op == "++" || op == "--";
  deref_ = op == "*";
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
    if (!it->via_guard || it->lock == kUnnamedLock) continue;
    for (size_t i = accesses_before; i < facts_->accesses.size(); ++i) {
      if (!PointsInto(kids[0], facts_->accesses[i].variable)) continue;
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
      FunctionWalker(program_, &lambda, c, ctx_).WalkBody(child);
    }
  }
}

void FunctionWalker::RecordAccess(CXCursor ref_expr, CXCursor decl, bool write, bool deref) {
  CXCursorKind k = clang_getCursorKind(decl);
  if (k != CXCursor_FieldDecl && k != CXCursor_VarDecl) return;
  // A GUARDED_BY variable is tracked whatever its type (a class of the program's own too).
  if (DeclaredGuardOf(decl) == nullptr && !IsSharedVariable(decl)) return;
  AccessFact a;
  a.variable = QualifiedName(decl);
  a.write = write;
  a.deref = deref;
  a.loc = Location(ref_expr, facts_->name);
  a.held = state_.held;
  facts_->accesses.push_back(a);
}

void FunctionWalker::CheckStore(CXCursor lhs, CXCursor at, size_t accesses_before) {
  // A pointer/iterator/view into guarded data, computed under the lock, stored where it outlives
  // the critical section: a field or global (others read it later), or an out-parameter (the
  // caller reads it after this function released the lock).
  if (state_.held.empty() || !IsViewType(clang_getCursorType(lhs))) return;
  std::string stored_in, via;
  CXCursor target = Unwrap(lhs);
  CXCursorKind tk = clang_getCursorKind(target);
  if (tk == CXCursor_UnaryOperator && UnaryOperatorSpelling(target) == "*") {
    CXCursor ref = FirstRef(target);
    if (clang_Cursor_isNull(ref) ||
        clang_getCursorKind(clang_getCursorReferenced(ref)) != CXCursor_ParmDecl) {
      return;
    }
    via = "out-parameter `" + Spelling(ref) + "`";
  } else if (tk == CXCursor_MemberRefExpr || tk == CXCursor_DeclRefExpr) {
    CXCursor decl = clang_getCursorReferenced(target);
    CXType type = clang_getCursorType(decl);
    if (clang_getCursorKind(decl) == CXCursor_ParmDecl && type.kind == CXType_LValueReference) {
      via = "out-parameter `" + Spelling(decl) + "`";
    } else if (IsSharedVariable(decl)) {
      stored_in = QualifiedName(decl);
      via = stored_in;
    } else {
      return;  // a local: its uses are checked as a view's (WalkVarDecl)
    }
  } else {
    return;
  }
  // The stored value must point into guarded data, not copy a pointer that was in it.
  std::vector<CXCursor> kids = Children(at);
  if (kids.empty() || CopiesStoredValue(kids.back())) return;
  const HeldLock& lock = state_.held.back();
  if (lock.lock == kUnnamedLock) return;
  if (lock.from_caller && stored_in.empty()) return;  // the caller holds it on return too
  for (size_t i = accesses_before; i < facts_->accesses.size(); ++i) {
    const AccessFact& a = facts_->accesses[i];
    if (a.variable == stored_in || a.held.empty() || !PointsInto(kids.back(), a.variable)) continue;
    EscapeFact e;
    e.lock = lock.lock;
    e.variable = a.variable;
    e.via = via;
    e.how = "stored";
    e.stored_in = stored_in;
    e.taken_loc = Location(at, facts_->name);
    facts_->escapes.push_back(e);
    return;
  }
}

}  // namespace internal
}  // namespace static_analysis
}  // namespace lockscope
