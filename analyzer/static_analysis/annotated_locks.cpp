// annotated_locks.cpp — the parts of the function walk driven by Clang thread-safety attributes:
// name resolution of attribute arguments, REQUIRES at function entry, capability classes' own
// lock/unlock methods, ACQUIRE/RELEASE/TRY_ACQUIRE functions, SCOPED_CAPABILITY guards, and
// GUARDED_BY declarations. The attribute semantics follow Clang's ThreadSafetyAnalysis
// documentation (clang.llvm.org/docs/ThreadSafetyAnalysis.html).

#include <clang-c/Index.h>

#include <algorithm>
#include <string>
#include <vector>

#include "clang_util.h"
#include "function_walker.h"
#include "thread_annotations.h"

namespace lockscope {
namespace static_analysis {
namespace internal {
namespace {

bool IsClass(CXCursor c) {
  switch (clang_getCursorKind(c)) {
    case CXCursor_ClassDecl:
    case CXCursor_StructDecl:
    case CXCursor_ClassTemplate:
    case CXCursor_ClassTemplatePartialSpecialization:
      return true;
    default:
      return false;
  }
}

// A field or static member `name` of `cls` or of one of its bases.
CXCursor FindMember(CXCursor cls, const std::string& name, int depth = 0) {
  if (!IsClass(cls) || depth > 8) return clang_getNullCursor();
  std::vector<CXCursor> bases;
  for (CXCursor m : Children(cls)) {
    CXCursorKind k = clang_getCursorKind(m);
    if ((k == CXCursor_FieldDecl || k == CXCursor_VarDecl) && Spelling(m) == name) return m;
    if (k == CXCursor_CXXBaseSpecifier) {
      bases.push_back(clang_getTypeDeclaration(clang_getCanonicalType(clang_getCursorType(m))));
    }
  }
  for (CXCursor b : bases) {
    CXCursor found = FindMember(b, name, depth + 1);
    if (!clang_Cursor_isNull(found)) return found;
  }
  return clang_getNullCursor();
}

CXCursor ClassOf(CXType t) {
  if (t.kind == CXType_Pointer || t.kind == CXType_LValueReference ||
      t.kind == CXType_RValueReference) {
    t = clang_getPointeeType(t);
  }
  return clang_getTypeDeclaration(clang_getCanonicalType(t));
}

// The parameter of function `fn` named `name`: its index, or -1.
int ParamIndex(CXCursor fn, const std::string& name) {
  int i = 0;
  for (CXCursor c : Children(fn)) {
    if (clang_getCursorKind(c) != CXCursor_ParmDecl) continue;
    if (Spelling(c) == name) return i;
    ++i;
  }
  return -1;
}

CXCursor Param(CXCursor fn, int index) {
  int i = 0;
  for (CXCursor c : Children(fn)) {
    if (clang_getCursorKind(c) != CXCursor_ParmDecl) continue;
    if (i++ == index) return c;
  }
  return clang_getNullCursor();
}

bool EndsWith(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

}  // namespace

void TuContext::AddGlobalLock(CXCursor var) {
  LockTarget t = ResolveLockDecl(var);
  if (t.id.empty()) return;
  std::vector<LockTarget>& same_name = globals_[Spelling(var)];
  for (const LockTarget& known : same_name) {
    if (known.id == t.id) return;
  }
  same_name.push_back(t);
}

const std::vector<ThreadAttr>& TuContext::Attrs(CXCursor decl) {
  static const std::vector<ThreadAttr> kNone;
  if (clang_Cursor_isNull(decl) || clang_Location_isInSystemHeader(clang_getCursorLocation(decl))) {
    return kNone;
  }
  std::string usr = Usr(decl);
  if (usr.empty()) return kNone;
  auto it = attrs_.find(usr);
  if (it == attrs_.end()) it = attrs_.emplace(usr, ReadThreadAttrs(decl)).first;
  return it->second;
}

TuContext::CapArg TuContext::Resolve(CXCursor decl, const std::string& raw) const {
  CapArg out;
  std::string text = raw;
  if (!text.empty() && text[0] == '!') {
    out.negative = true;
    text.erase(0, 1);
  }
  while (!text.empty() && (text[0] == '&' || text[0] == '*')) text.erase(0, 1);
  if (text.rfind("this->", 0) == 0) text.erase(0, 6);
  if (text.empty() || text[0] == '"') return out;
  CXCursor cls = IsClass(clang_getCursorSemanticParent(decl)) ? clang_getCursorSemanticParent(decl)
                                                               : clang_getNullCursor();
  size_t access = text.find_first_of(".-");
  if (access != std::string::npos) {
    // `other->mu_`, `a.mu_`: a lock of another object; by class, like every member lock.
    std::string base = text.substr(0, access);
    std::string member = text.substr(text.find_last_of(".>") + 1);
    int p = ParamIndex(decl, base);
    CXCursor base_decl = p >= 0 ? Param(decl, p) : FindMember(cls, base);
    if (clang_Cursor_isNull(base_decl)) return out;
    out.target = ResolveLockDecl(FindMember(ClassOf(clang_getCursorType(base_decl)), member));
    out.target.on_this = false;
    return out;
  }
  if (text.find("::") == std::string::npos) {
    int p = ParamIndex(decl, text);
    if (p >= 0) {
      out.param = p;
      return out;
    }
    CXCursor field = FindMember(cls, text);
    if (!clang_Cursor_isNull(field)) {
      out.target = ResolveLockDecl(field);
      return out;
    }
  }
  size_t colon = text.rfind("::");
  auto it = globals_.find(colon == std::string::npos ? text : text.substr(colon + 2));
  if (it == globals_.end()) return out;
  // `g_mu` or `ns::g_mu`: the global whose qualified name ends so, if exactly one does.
  const LockTarget* match = nullptr;
  for (const LockTarget& t : it->second) {
    if (t.id != text && !EndsWith(t.id, "::" + text)) continue;
    if (match != nullptr) return out;  // ambiguous: no guess
    match = &t;
  }
  if (match != nullptr) out.target = *match;
  return out;
}

void FunctionWalker::EnterRequired() {
  if (clang_getCursorKind(function_) == CXCursor_LambdaExpr) return;
  for (const ThreadAttr& a : ctx_->Attrs(function_)) {
    if (a.kind == ThreadAttr::kNoAnalysis) facts_->no_thread_safety_analysis = true;
    if (a.kind != ThreadAttr::kRequires) continue;
    for (const std::string& arg : a.args) {
      TuContext::CapArg r = ctx_->Resolve(function_, arg);
      if (r.negative || r.target.id.empty()) continue;
      program_->lock_kinds.emplace(r.target.id, r.target.kind);
      state_.held.push_back(HeldLock{r.target.id, a.shared, false, facts_->loc, true});
    }
  }
}

std::vector<LockTarget> FunctionWalker::AttrTargets(CXCursor call, CXCursor callee,
                                                    const ThreadAttr& a) {
  std::vector<LockTarget> out;
  std::vector<CXCursor> args = CallArguments(call);
  const bool member_call = clang_getCursorKind(callee) == CXCursor_CXXMethod &&
                           !clang_CXXMethod_isStatic(callee);
  for (const std::string& text : a.args) {
    TuContext::CapArg r = ctx_->Resolve(callee, text);
    if (r.negative) continue;
    LockTarget t = r.target;
    if (r.param >= 0) {
      if (static_cast<size_t>(r.param) >= args.size()) continue;
      t = ResolveLock(args[r.param]);
    } else if (member_call && t.on_this && !t.id.empty()) {
      t.on_this = IsThisObject(CallObject(call));  // a member lock of the callee's object
    }
    if (!t.id.empty()) out.push_back(t);
  }
  return out;
}

bool FunctionWalker::HandleCapabilityMethod(CXCursor call, CXCursor callee, CXCursor object) {
  CXCursor cls = clang_getCursorSemanticParent(callee);
  const bool capability = !CapabilityKind(cls).empty();
  if (!capability && !IsScopedCapability(cls)) return false;
  const std::vector<ThreadAttr>& attrs = ctx_->Attrs(callee);
  if (clang_Cursor_isNull(object)) return true;  // inside the class itself: its implementation
  if (!capability) {
    // A SCOPED_CAPABILITY guard's own Release()/Acquire(), like unique_lock::unlock()/lock().
    auto g = state_.guards.find(Usr(clang_getCursorReferenced(FirstRef(object))));
    if (g == state_.guards.end()) return true;
    for (const ThreadAttr& a : attrs) {
      if (a.kind == ThreadAttr::kRelease) SetGuardOwned(&g->second, false, false, call);
      if (a.kind == ThreadAttr::kAcquire || a.kind == ThreadAttr::kTryAcquire) {
        SetGuardOwned(&g->second, true, a.kind == ThreadAttr::kTryAcquire, call);
      }
    }
    return true;
  }
  // A capability's Lock()/Unlock(): ACQUIRE() with no argument (or `this`) names the object itself.
  LockTarget t = ResolveLock(object);
  if (t.id.empty()) return true;
  for (const ThreadAttr& a : attrs) {
    if (!a.args.empty() && !(a.args.size() == 1 && a.args[0] == "this")) continue;
    if (a.kind == ThreadAttr::kAssert) {
      AssertHeld(t, a.shared, call);
    } else if (a.kind == ThreadAttr::kAcquire || a.kind == ThreadAttr::kTryAcquire) {
      Acquire(t, a.shared, a.kind == ThreadAttr::kTryAcquire, false, call);
    } else if (a.kind == ThreadAttr::kRelease) {
      Release(t.id);
    }
  }
  return true;
}

void FunctionWalker::ApplyCallAttrs(CXCursor call, CXCursor callee, CallFact* fact) {
  for (const ThreadAttr& a : ctx_->Attrs(callee)) {
    switch (a.kind) {
      case ThreadAttr::kRequires:
        for (const LockTarget& t : AttrTargets(call, callee, a)) {
          fact->callee_requires.push_back(
              HeldLock{t.id, a.shared, false, Location(callee, QualifiedName(callee)), false});
        }
        for (const std::string& text : a.args) {  // REQUIRES(!mu) is EXCLUDES(mu)
          TuContext::CapArg r = ctx_->Resolve(callee, text);
          if (r.negative && !r.target.id.empty()) fact->callee_excludes.push_back(r.target.id);
        }
        break;
      case ThreadAttr::kExcludes:
        for (const LockTarget& t : AttrTargets(call, callee, a)) {
          fact->callee_excludes.push_back(t.id);
        }
        break;
      default:
        break;
    }
  }
}

void FunctionWalker::ApplyCallEffects(CXCursor call, CXCursor callee) {
  // ACQUIRE(mu)/RELEASE(mu) on a function of the program: the lock changes at the call.
  for (const ThreadAttr& a : ctx_->Attrs(callee)) {
    if (a.kind == ThreadAttr::kAcquire || a.kind == ThreadAttr::kTryAcquire) {
      for (const LockTarget& t : AttrTargets(call, callee, a)) {
        if (!state_.Holds(t.id)) Acquire(t, a.shared, a.kind == ThreadAttr::kTryAcquire, false, call);
      }
    } else if (a.kind == ThreadAttr::kRelease) {
      for (const LockTarget& t : AttrTargets(call, callee, a)) Release(t.id);
    } else if (a.kind == ThreadAttr::kAssert) {
      for (const LockTarget& t : AttrTargets(call, callee, a)) AssertHeld(t, a.shared, call);
    }
  }
}

void FunctionWalker::AssertHeld(const LockTarget& t, bool shared, CXCursor call) {
  // ASSERT_CAPABILITY: from here on the lock is known held (checked at run time by the callee);
  // nothing is acquired, so no order edge ends here, but later acquisitions are ordered after it.
  if (state_.Holds(t.id) || t.id == kUnnamedLock) return;
  program_->lock_kinds.emplace(t.id, t.kind);
  state_.held.push_back(HeldLock{t.id, shared, false, Location(call, facts_->name)});
}

LockTarget FunctionWalker::ResolveLock(CXCursor expr) {
  LockTarget t = ResolveLockExpr(expr);
  if (!t.id.empty()) return t;
  // `GetMu()->Lock()`, `MutexLock l(GetMu())`: the getter's RETURN_CAPABILITY(mu_) names the lock.
  CXCursor ref = FirstRef(expr);
  if (clang_Cursor_isNull(ref)) return t;
  CXCursor fn = clang_getCursorReferenced(ref);
  CXCursorKind k = clang_getCursorKind(fn);
  if (k != CXCursor_FunctionDecl && k != CXCursor_CXXMethod) return t;
  for (const ThreadAttr& a : ctx_->Attrs(fn)) {
    if (a.kind != ThreadAttr::kReturnCapability || a.args.empty()) continue;
    TuContext::CapArg r = ctx_->Resolve(fn, a.args[0]);
    if (r.target.id.empty()) continue;
    if (clang_getCursorKind(ref) == CXCursor_MemberRefExpr && r.target.on_this) {
      std::vector<CXCursor> kids = Children(ref);  // a member lock of the getter's object
      r.target.on_this = IsThisObject(kids.empty() ? clang_getNullCursor() : kids[0]);
    }
    return r.target;
  }
  return t;
}

void RecordDeclaredOrder(TuContext* ctx, CXCursor decl, const std::string& tu,
                         ProgramFacts* program) {
  const std::vector<ThreadAttr>& attrs = ctx->Attrs(decl);
  if (attrs.empty()) return;
  LockTarget self = ResolveLockDecl(decl);
  if (self.id.empty()) return;
  for (const ThreadAttr& a : attrs) {
    if (a.kind != ThreadAttr::kAcquiredBefore && a.kind != ThreadAttr::kAcquiredAfter) continue;
    for (const std::string& text : a.args) {
      TuContext::CapArg r = ctx->Resolve(decl, text);
      if (r.target.id.empty() || r.target.id == self.id) continue;
      DeclaredOrder d;
      d.first = a.kind == ThreadAttr::kAcquiredBefore ? self.id : r.target.id;
      d.second = a.kind == ThreadAttr::kAcquiredBefore ? r.target.id : self.id;
      d.tu = tu;
      d.loc = Location(decl, QualifiedName(decl));
      program->lock_kinds.emplace(self.id, self.kind);
      program->lock_kinds.emplace(r.target.id, r.target.kind);
      bool known = std::any_of(program->declared_order.begin(), program->declared_order.end(),
                               [&](const DeclaredOrder& o) {
                                 return o.first == d.first && o.second == d.second &&
                                        o.loc.file == d.loc.file && o.loc.line == d.loc.line;
                               });
      if (!known) program->declared_order.push_back(d);
    }
  }
}

bool FunctionWalker::HandleScopedGuardDecl(CXCursor var) {
  CXCursor cls = ClassOf(clang_getCursorType(var));
  if (!IsScopedCapability(cls)) return false;
  CXCursor ctor_call = clang_getNullCursor();
  ForEachCall(var, [&](CXCursor call) {
    if (clang_Cursor_isNull(ctor_call) &&
        clang_getCursorKind(clang_getCursorReferenced(call)) == CXCursor_Constructor) {
      ctor_call = call;
    }
  });
  if (clang_Cursor_isNull(ctor_call)) return false;
  CXCursor ctor = clang_getCursorReferenced(ctor_call);
  std::vector<LockTarget> targets;
  bool shared = false, adopted = false, try_lock = false;
  for (const ThreadAttr& a : ctx_->Attrs(ctor)) {
    if (a.kind != ThreadAttr::kAcquire && a.kind != ThreadAttr::kTryAcquire &&
        a.kind != ThreadAttr::kRequires) {
      continue;
    }
    shared = a.shared;
    adopted |= a.kind == ThreadAttr::kRequires;  // a guard that adopts a held lock
    try_lock |= a.kind == ThreadAttr::kTryAcquire;
    for (const LockTarget& t : AttrTargets(ctor_call, ctor, a)) targets.push_back(t);
  }
  if (targets.empty()) return false;  // a guard over something we cannot name: walk it plainly
  BeginGuard(var, targets, shared, /*deferred=*/false, adopted, try_lock);
  return true;
}

const DeclaredGuard* FunctionWalker::DeclaredGuardOf(CXCursor decl) {
  for (const ThreadAttr& a : ctx_->Attrs(decl)) {
    if ((a.kind != ThreadAttr::kGuardedBy && a.kind != ThreadAttr::kPtGuardedBy) ||
        a.args.empty()) {
      continue;
    }
    TuContext::CapArg r = ctx_->Resolve(decl, a.args[0]);
    if (r.target.id.empty()) continue;
    program_->lock_kinds.emplace(r.target.id, r.target.kind);
    DeclaredGuard g{r.target.id, a.kind == ThreadAttr::kPtGuardedBy,
                    Location(decl, QualifiedName(decl))};
    return &program_->declared_guards.emplace(QualifiedName(decl), g).first->second;
  }
  return nullptr;
}

}  // namespace internal
}  // namespace static_analysis
}  // namespace lockscope
