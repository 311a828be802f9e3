#include "clang_util.h"

#include <algorithm>
#include <map>

#include "thread_annotations.h"

namespace lockscope {
namespace static_analysis {

std::vector<CXCursor> Children(CXCursor c) {
  std::vector<CXCursor> out;
  clang_visitChildren(
      c,
      [](CXCursor child, CXCursor, CXClientData data) {
        static_cast<std::vector<CXCursor>*>(data)->push_back(child);
        return CXChildVisit_Continue;
      },
      &out);
  return out;
}

std::string ToString(CXString s) {
  const char* c = clang_getCString(s);
  std::string out = c ? c : "";
  clang_disposeString(s);
  return out;
}

std::string Spelling(CXCursor c) { return ToString(clang_getCursorSpelling(c)); }
std::string Usr(CXCursor c) { return ToString(clang_getCursorUSR(c)); }

std::string QualifiedName(CXCursor c) {
  std::vector<std::string> parts;
  for (CXCursor cur = c; !clang_Cursor_isNull(cur);
       cur = clang_getCursorSemanticParent(cur)) {
    CXCursorKind k = clang_getCursorKind(cur);
    if (k == CXCursor_TranslationUnit || clang_isInvalid(k)) break;
    if (k == CXCursor_LinkageSpec) continue;
    std::string name = Spelling(cur);
    if (k == CXCursor_Namespace && name.empty()) name = "(anonymous namespace)";
    if (name.empty()) continue;
    parts.push_back(name);
  }
  std::string out;
  for (auto it = parts.rbegin(); it != parts.rend(); ++it) {
    if (!out.empty()) out += "::";
    out += *it;
  }
  return out;
}

SourceLoc Location(CXCursor c, const std::string& function) {
  SourceLoc loc;
  CXFile file = nullptr;
  unsigned line = 0, column = 0, offset = 0;
  clang_getExpansionLocation(clang_getCursorLocation(c), &file, &line, &column, &offset);
  if (file != nullptr) loc.file = ToString(clang_getFileName(file));
  loc.line = static_cast<int>(line);
  loc.column = static_cast<int>(column);
  loc.function = function;
  return loc;
}

namespace {

std::string StripQualifiers(std::string s) {
  for (const char* q : {"const ", "volatile "}) {
    while (s.rfind(q, 0) == 0) s.erase(0, std::string(q).size());
  }
  return s;
}

}  // namespace

std::string CanonicalTypeName(CXType t) {
  if (t.kind == CXType_LValueReference || t.kind == CXType_RValueReference) {
    t = clang_getPointeeType(t);
  }
  return StripQualifiers(ToString(clang_getTypeSpelling(clang_getCanonicalType(t))));
}

bool IsStatement(CXCursor c) { return clang_isStatement(clang_getCursorKind(c)) != 0; }

bool Terminates(CXCursor c) {
  switch (clang_getCursorKind(c)) {
    case CXCursor_ReturnStmt:
    case CXCursor_BreakStmt:
    case CXCursor_ContinueStmt:
    case CXCursor_GotoStmt:
    case CXCursor_CXXThrowExpr:
      return true;
    case CXCursor_CompoundStmt: {
      std::vector<CXCursor> kids = Children(c);
      return !kids.empty() && Terminates(kids.back());
    }
    default:
      return false;
  }
}

std::string ClassifyLockType(const std::string& type_name) {
  static const std::map<std::string, std::string> kTypes = {
      {"std::mutex", "mutex"},
      {"std::timed_mutex", "mutex"},
      {"std::recursive_mutex", "recursive_mutex"},
      {"std::recursive_timed_mutex", "recursive_mutex"},
      {"std::shared_mutex", "shared_mutex"},
      {"std::shared_timed_mutex", "shared_mutex"},
      {"pthread_mutex_t", "pthread_mutex"},
      {"pthread_rwlock_t", "pthread_rwlock"},
      {"pthread_spinlock_t", "spin"},
  };
  auto it = kTypes.find(StripQualifiers(type_name));
  return it == kTypes.end() ? std::string() : it->second;
}

LockTarget ResolveLockDecl(CXCursor decl) {
  CXCursorKind k = clang_getCursorKind(decl);
  if (k != CXCursor_VarDecl && k != CXCursor_FieldDecl) return {};
  CXType type = clang_getCursorType(decl);
  std::string suffix;
  if (type.kind == CXType_ConstantArray || type.kind == CXType_IncompleteArray) {
    type = clang_getArrayElementType(type);  // an array of locks (shards): one lock class
    suffix = "[]";
  }
  std::string kind = ClassifyLockType(CanonicalTypeName(type));
  if (kind.empty()) kind = ClassifyLockType(ToString(clang_getTypeSpelling(type)));
  if (kind.empty() && clang_Type_getNumTemplateArguments(clang_getCanonicalType(type)) > 0) {
    // std::vector<std::mutex>, std::array<std::mutex, N>, std::deque<...>: shards, one class.
    std::string container = CanonicalTypeName(type);
    for (const char* c : {"std::vector<", "std::array<", "std::deque<"}) {
      if (container.rfind(c, 0) != 0) continue;
      CXType element = clang_Type_getTemplateArgumentAsType(clang_getCanonicalType(type), 0);
      kind = ClassifyLockType(CanonicalTypeName(element));
      if (!kind.empty()) suffix = "[]";
    }
  }
  if (kind.empty() && clang_getCanonicalType(type).kind == CXType_Record) {
    // A class of the program's own declared CAPABILITY("mutex") (Clang thread-safety attributes).
    kind = CapabilityKind(clang_getTypeDeclaration(clang_getCanonicalType(type)));
  }
  if (kind.empty()) return {};
  CXCursorKind parent = clang_getCursorKind(clang_getCursorSemanticParent(decl));
  if (k == CXCursor_VarDecl && clang_getCursorType(decl).kind == CXType_LValueReference &&
      (parent == CXCursor_FunctionDecl || parent == CXCursor_CXXMethod ||
       parent == CXCursor_Constructor || parent == CXCursor_Destructor ||
       parent == CXCursor_FunctionTemplate || parent == CXCursor_LambdaExpr)) {
    // `for (std::mutex& m : shards)`: some lock, but "F::m" is no declaration a developer knows.
    return LockTarget{kUnnamedLock, kind};
  }
  LockTarget t{QualifiedName(decl) + suffix, kind};
  t.local = k == CXCursor_VarDecl && clang_Cursor_getStorageClass(decl) == CX_SC_None &&
            (parent == CXCursor_FunctionDecl || parent == CXCursor_CXXMethod ||
             parent == CXCursor_Constructor || parent == CXCursor_Destructor ||
             parent == CXCursor_FunctionTemplate || parent == CXCursor_LambdaExpr);
  return t;
}

bool IsThisObject(CXCursor object) {
  while (!clang_Cursor_isNull(object) && clang_getCursorKind(object) == CXCursor_UnexposedExpr) {
    std::vector<CXCursor> kids = Children(object);
    if (kids.size() != 1) break;
    object = kids[0];
  }
  return clang_Cursor_isNull(object) || clang_getCursorKind(object) == CXCursor_CXXThisExpr;
}

LockTarget ResolveLockExpr(CXCursor expr) {
  CXCursor ref = FirstRef(expr);
  if (clang_Cursor_isNull(ref)) return {};
  LockTarget t = ResolveLockDecl(clang_getCursorReferenced(ref));
  if (clang_getCursorKind(ref) == CXCursor_MemberRefExpr) {
    std::vector<CXCursor> kids = Children(ref);
    t.on_this = IsThisObject(kids.empty() ? clang_getNullCursor() : kids[0]);
  }
  return t;
}

GuardKind ClassifyGuard(const std::string& type_name) {
  std::string t = StripQualifiers(type_name);
  for (const char* p : {"std::lock_guard<", "std::unique_lock<", "std::scoped_lock<"}) {
    if (t.rfind(p, 0) == 0) return GuardKind::kExclusive;
  }
  if (t.rfind("std::shared_lock<", 0) == 0) return GuardKind::kShared;
  return GuardKind::kNone;
}

PthreadOp ClassifyPthreadCall(const std::string& f) {
  static const std::map<std::string, PthreadOp> kOps = {
      {"pthread_mutex_lock", {PthreadOp::kLock, false, false}},
      {"pthread_mutex_timedlock", {PthreadOp::kLock, false, true}},
      {"pthread_mutex_clocklock", {PthreadOp::kLock, false, true}},
      {"pthread_mutex_trylock", {PthreadOp::kLock, false, true}},
      {"pthread_mutex_unlock", {PthreadOp::kUnlock, false, false}},
      {"pthread_rwlock_rdlock", {PthreadOp::kLock, true, false}},
      {"pthread_rwlock_timedrdlock", {PthreadOp::kLock, true, true}},
      {"pthread_rwlock_clockrdlock", {PthreadOp::kLock, true, true}},
      {"pthread_rwlock_tryrdlock", {PthreadOp::kLock, true, true}},
      {"pthread_rwlock_wrlock", {PthreadOp::kLock, false, false}},
      {"pthread_rwlock_timedwrlock", {PthreadOp::kLock, false, true}},
      {"pthread_rwlock_clockwrlock", {PthreadOp::kLock, false, true}},
      {"pthread_rwlock_trywrlock", {PthreadOp::kLock, false, true}},
      {"pthread_rwlock_unlock", {PthreadOp::kUnlock, false, false}},
      {"pthread_spin_lock", {PthreadOp::kLock, false, false}},
      {"pthread_spin_trylock", {PthreadOp::kLock, false, true}},
      {"pthread_spin_unlock", {PthreadOp::kUnlock, false, false}},
  };
  auto it = kOps.find(f);
  return it == kOps.end() ? PthreadOp{} : it->second;
}

MutexOp ClassifyMutexMethod(const std::string& m) {
  if (m == "lock") return {MutexOp::kLock, false, false};
  if (m == "try_lock" || m == "try_lock_for" || m == "try_lock_until") {
    return {MutexOp::kLock, false, true};
  }
  if (m == "lock_shared") return {MutexOp::kLock, true, false};
  if (m == "try_lock_shared" || m == "try_lock_shared_for" || m == "try_lock_shared_until") {
    return {MutexOp::kLock, true, true};
  }
  if (m == "unlock" || m == "unlock_shared") return {MutexOp::kUnlock, false, false};
  return {};
}

std::vector<CXCursor> CallArguments(CXCursor call) {
  std::vector<CXCursor> out;
  int n = clang_Cursor_getNumArguments(call);
  for (int i = 0; i < n; ++i) out.push_back(clang_Cursor_getArgument(call, static_cast<unsigned>(i)));
  return out;
}

CXCursor CallObject(CXCursor call) {
  std::vector<CXCursor> kids = Children(call);
  if (!kids.empty() && clang_getCursorKind(kids[0]) == CXCursor_MemberRefExpr &&
      clang_getCursorKind(clang_getCursorReferenced(kids[0])) == CXCursor_CXXMethod) {
    std::vector<CXCursor> inner = Children(kids[0]);
    if (!inner.empty()) return inner[0];
    return clang_getNullCursor();  // implicit this->method()
  }
  // An overloaded operator called as a member (map_[k], it->x): the object is the first argument.
  CXCursor callee = clang_getCursorReferenced(call);
  if (clang_getCursorKind(callee) == CXCursor_CXXMethod &&
      Spelling(callee).rfind("operator", 0) == 0 && clang_Cursor_getNumArguments(call) > 0) {
    return clang_Cursor_getArgument(call, 0);
  }
  return clang_getNullCursor();
}

std::string CondVarMethod(CXCursor call, CXCursor callee) {
  auto is_cv = [](const std::string& type) { return type.rfind("std::condition_variable", 0) == 0; };
  if (clang_getCursorKind(callee) == CXCursor_CXXMethod) {
    return is_cv(QualifiedName(clang_getCursorSemanticParent(callee))) ? Spelling(callee) : "";
  }
  if (!clang_Cursor_isNull(callee) && clang_getCursorKind(callee) != CXCursor_OverloadedDeclRef) {
    return "";
  }
  // Unresolved: CallExpr -> MemberRefExpr { object, OverloadedDeclRef "wait" }.
  std::vector<CXCursor> kids = Children(call);
  if (kids.empty() || clang_getCursorKind(kids[0]) != CXCursor_MemberRefExpr) return "";
  std::string name;
  bool cv_object = false;
  for (CXCursor k : Children(kids[0])) {
    if (clang_getCursorKind(k) == CXCursor_OverloadedDeclRef) {
      name = Spelling(k);
      continue;
    }
    CXType t = clang_getCursorType(k);
    if (t.kind == CXType_Pointer) t = clang_getPointeeType(t);  // cv->wait(...)
    cv_object = is_cv(CanonicalTypeName(t));
  }
  return cv_object ? name : "";
}

namespace {

struct RefSearch {
  std::function<bool(CXCursor)> fn;  // returns false to stop
  bool calls = false;                // look for CallExprs instead of references
};

CXChildVisitResult VisitRefs(CXCursor c, CXCursor, CXClientData data) {
  auto* search = static_cast<RefSearch*>(data);
  CXCursorKind k = clang_getCursorKind(c);
  if (search->calls ? k == CXCursor_CallExpr
                    : (k == CXCursor_DeclRefExpr || k == CXCursor_MemberRefExpr)) {
    if (!search->fn(c)) return CXChildVisit_Break;
  }
  if (k == CXCursor_LambdaExpr) return CXChildVisit_Continue;  // not evaluated here
  return CXChildVisit_Recurse;
}

}  // namespace

CXCursor FirstRef(CXCursor c) {
  CXCursor found = clang_getNullCursor();
  CXCursorKind k = clang_getCursorKind(c);
  if (k == CXCursor_DeclRefExpr || k == CXCursor_MemberRefExpr) return c;
  RefSearch search{[&](CXCursor ref) {
    found = ref;
    return false;
  }};
  clang_visitChildren(c, VisitRefs, &search);
  return found;
}

void ForEachRef(CXCursor c, const std::function<void(CXCursor)>& fn) {
  RefSearch search{[&](CXCursor ref) {
    fn(ref);
    return true;
  }};
  clang_visitChildren(c, VisitRefs, &search);
}

void ForEachCall(CXCursor c, const std::function<void(CXCursor)>& fn) {
  RefSearch search{[&](CXCursor call) {
                     fn(call);
                     return true;
                   },
                   true};
  clang_visitChildren(c, VisitRefs, &search);
}

bool IsViewType(CXType t) {
  t = clang_getCanonicalType(t);  // `reference`, `Ptr` typedefs
  if (t.kind == CXType_Pointer || t.kind == CXType_LValueReference ||
      t.kind == CXType_RValueReference) {
    return true;
  }
  std::string name = CanonicalTypeName(t);
  return name.find("iterator") != std::string::npos ||
         name.find("string_view") != std::string::npos || name.rfind("std::span<", 0) == 0;
}

bool IsSharedVariable(CXCursor decl) {
  CXCursorKind k = clang_getCursorKind(decl);
  if (k == CXCursor_VarDecl) {
    CXCursorKind parent = clang_getCursorKind(clang_getCursorSemanticParent(decl));
    bool global = parent == CXCursor_TranslationUnit || parent == CXCursor_Namespace ||
                  parent == CXCursor_ClassDecl || parent == CXCursor_StructDecl;
    if (!global && clang_Cursor_getStorageClass(decl) != CX_SC_Static) return false;
    if (clang_getCursorTLSKind(decl) != CXTLS_None) return false;
  } else if (k != CXCursor_FieldDecl) {
    return false;
  }
  std::string qualified = QualifiedName(decl);
  if (qualified.rfind("std::", 0) == 0 || qualified.rfind("__gnu_cxx::", 0) == 0) return false;
  CXType type = clang_getCursorType(decl);
  if (clang_isConstQualifiedType(type)) return false;
  std::string name = CanonicalTypeName(type);
  if (!ClassifyLockType(name).empty() || ClassifyGuard(name) != GuardKind::kNone) return false;
  if (!ResolveLockDecl(decl).id.empty()) return false;
  for (const char* skip : {"std::atomic", "std::condition_variable", "std::once_flag",
                           "pthread_cond_t", "std::thread"}) {
    if (name.rfind(skip, 0) == 0) return false;
  }
  // An object of a class of the program's own: its fields are tracked one by one where its
  // methods touch them, and the class may synchronize internally (a queue, a pipe wrapper).
  CXType canonical = clang_getCanonicalType(type);
  if (canonical.kind == CXType_Record && name.rfind("std::", 0) != 0 &&
      name.rfind("__gnu_cxx::", 0) != 0) {
    return false;
  }
  return true;
}

bool IsMutatingMethod(CXCursor method) {
  if (clang_getCursorKind(method) != CXCursor_CXXMethod || clang_CXXMethod_isConst(method) ||
      clang_CXXMethod_isStatic(method)) {
    return false;
  }
  std::string cls = QualifiedName(clang_getCursorSemanticParent(method));
  if (cls.rfind("std::", 0) != 0 && cls.rfind("__gnu_cxx::", 0) != 0) return true;
  static const char* kMutators[] = {
      "insert", "emplace", "emplace_back", "emplace_front", "emplace_hint", "push_back",
      "push_front", "pop_back", "pop_front", "push", "pop", "erase", "clear", "resize", "reserve",
      "assign", "swap", "try_emplace", "insert_or_assign", "merge", "extract", "append",
      "replace", "operator=", "operator+=", "operator-=", "shrink_to_fit", "reset", "release",
  };
  std::string name = Spelling(method);
  for (const char* m : kMutators) {
    if (name == m) return true;
  }
  // map[key] inserts; vector[i] on a non-const vector is usually an element write or read:
  // count it as a write only for the associative containers, where it always may insert.
  return name == "operator[]" && (cls.find("map") != std::string::npos);
}

namespace {

struct Tokens {
  CXTranslationUnit tu;
  CXToken* tokens = nullptr;
  unsigned n = 0;
  explicit Tokens(CXCursor c) : tu(clang_Cursor_getTranslationUnit(c)) {
    clang_tokenize(tu, clang_getCursorExtent(c), &tokens, &n);
  }
  ~Tokens() {
    if (tokens) clang_disposeTokens(tu, tokens, n);
  }
  std::string Text(unsigned i) const { return ToString(clang_getTokenSpelling(tu, tokens[i])); }
  unsigned Offset(unsigned i) const {
    unsigned offset = 0;
    clang_getSpellingLocation(clang_getTokenLocation(tu, tokens[i]), nullptr, nullptr, nullptr,
                              &offset);
    return offset;
  }
};

}  // namespace

std::vector<std::string> TokenTexts(CXTranslationUnit tu, CXSourceRange range) {
  std::vector<std::string> out;
  CXToken* tokens = nullptr;
  unsigned n = 0;
  clang_tokenize(tu, range, &tokens, &n);
  for (unsigned i = 0; i < n; ++i) out.push_back(ToString(clang_getTokenSpelling(tu, tokens[i])));
  if (tokens) clang_disposeTokens(tu, tokens, n);
  return out;
}

std::string BinaryOperatorSpelling(CXCursor op, CXCursor lhs) {
  unsigned lhs_end = 0;
  clang_getSpellingLocation(clang_getRangeEnd(clang_getCursorExtent(lhs)), nullptr, nullptr,
                            nullptr, &lhs_end);
  Tokens t(op);
  for (unsigned i = 0; i < t.n; ++i) {
    if (clang_getTokenKind(t.tokens[i]) == CXToken_Punctuation && t.Offset(i) >= lhs_end) {
      return t.Text(i);
    }
  }
  return "";
}

std::string UnaryOperatorSpelling(CXCursor op) {
  Tokens t(op);
  if (t.n == 0) return "";
  std::string first = t.Text(0);
  if (clang_getTokenKind(t.tokens[0]) == CXToken_Punctuation) return first;
  std::string last = t.Text(t.n - 1);
  return last;
}

}  // namespace static_analysis
}  // namespace lockscope
