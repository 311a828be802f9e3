// clang_util.h — small helpers over libclang-14's C API for the static pass: children as a vector,
// names, locations, and the classification of lock types, guard types and lock calls.
// Everything here is a pure function of the cursor/type it is given. Not for use outside
// static_analysis/.

#ifndef LOCKSCOPE_ANALYZER_STATIC_ANALYSIS_CLANG_UTIL_H_
#define LOCKSCOPE_ANALYZER_STATIC_ANALYSIS_CLANG_UTIL_H_

#include <clang-c/Index.h>

#include <functional>
#include <string>
#include <vector>

#include "static_facts.h"

namespace lockscope {
namespace static_analysis {

std::vector<CXCursor> Children(CXCursor c);
std::string ToString(CXString s);  // takes ownership of `s`
std::string Spelling(CXCursor c);
std::string Usr(CXCursor c);
// "ns::Class::member", "ns::func", "func::local" — semantic parents up to the translation unit.
std::string QualifiedName(CXCursor c);
SourceLoc Location(CXCursor c, const std::string& function);
// The canonical spelling without top-level const/volatile/reference, e.g. "std::mutex".
std::string CanonicalTypeName(CXType t);

bool IsStatement(CXCursor c);
// True if control cannot fall off the end of `c` (return/break/continue/throw, or a block ending so).
bool Terminates(CXCursor c);

// A lock object's identity and kind.
struct LockTarget {
  std::string id;    // qualified declaration name; "" = not a lock
  std::string kind;  // "mutex", "recursive_mutex", "shared_mutex", "pthread_mutex", ...
  bool on_this = true;  // not a member reached through another object (`other.mu_`)
  bool local = false;   // a function's own (automatic) variable: shared only if its address is
                        // handed on, so no evidence of what guards shared data
};
// True if `object` (a member access's object expression, or null for implicit this) is `this`.
bool IsThisObject(CXCursor object);
// Kind of a lock type name ("std::mutex" -> "mutex"); "" if it is not a lock type.
std::string ClassifyLockType(const std::string& type_name);
LockTarget ResolveLockDecl(CXCursor decl);   // a VarDecl/FieldDecl of lock type
LockTarget ResolveLockExpr(CXCursor expr);   // `mu_`, `&g_mu`, `this->mu_`, `obj.mu_`

enum class GuardKind { kNone, kExclusive, kShared };
// "std::lock_guard<std::mutex>" -> kExclusive, "std::shared_lock<...>" -> kShared.
GuardKind ClassifyGuard(const std::string& type_name);

struct PthreadOp {
  enum Kind { kNone, kLock, kUnlock } kind = kNone;
  bool shared = false;
  bool try_lock = false;
};
PthreadOp ClassifyPthreadCall(const std::string& function);

struct MutexOp {
  enum Kind { kNone, kLock, kUnlock } kind = kNone;
  bool shared = false;
  bool try_lock = false;
};
MutexOp ClassifyMutexMethod(const std::string& method);

// The arguments of a call expression (the callee expression excluded).
std::vector<CXCursor> CallArguments(CXCursor call);
// The object expression of a member call (`obj` in obj.f()), or a null cursor.
CXCursor CallObject(CXCursor call);
// The method name when `call` calls a std::condition_variable(_any) method ("wait", "notify_one",
// ...), else "". Also inside templates, where a wait given a lambda is a dependent call that
// libclang leaves unresolved (`callee` null): then the name and the object's type are read from
// the call's member expression.
std::string CondVarMethod(CXCursor call, CXCursor callee);
// The first DeclRefExpr/MemberRefExpr in `c`'s subtree (depth-first), or a null cursor.
CXCursor FirstRef(CXCursor c);
// Calls `fn` for every DeclRefExpr/MemberRefExpr in `c`'s subtree.
void ForEachRef(CXCursor c, const std::function<void(CXCursor)>& fn);
// Calls `fn` for every CallExpr in `c`'s subtree (lambda bodies excluded).
void ForEachCall(CXCursor c, const std::function<void(CXCursor)>& fn);

// Pointer, reference, iterator or view type (std::string_view, std::span, *_view).
bool IsViewType(CXType t);
// A field or a variable with static storage that is not a lock, not atomic and not const.
bool IsSharedVariable(CXCursor decl);

// A method call that changes its object: a non-const, non-static method; for std:: types only the
// known mutators (insert, erase, push_back, operator[] of maps, ...), since their non-const
// overloads of find/begin/at are chosen for any non-const object and read only.
bool IsMutatingMethod(CXCursor method);

// The spellings of the tokens of `range` (clang_tokenize: a macro range maps to its spelling).
std::vector<std::string> TokenTexts(CXTranslationUnit tu, CXSourceRange range);

std::string BinaryOperatorSpelling(CXCursor op, CXCursor lhs);
std::string UnaryOperatorSpelling(CXCursor op);

}  // namespace static_analysis
}  // namespace lockscope

#endif  // LOCKSCOPE_ANALYZER_STATIC_ANALYSIS_CLANG_UTIL_H_
