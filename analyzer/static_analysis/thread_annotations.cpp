#include "thread_annotations.h"

#include <algorithm>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "clang_util.h"

namespace lockscope {
namespace static_analysis {
namespace {

struct Spelling {
  ThreadAttr::Kind kind;
  bool shared;
};

// Clang's Attr.td spellings, the capability names and the older lock names.
const std::map<std::string, Spelling>& Spellings() {
  static const std::map<std::string, Spelling> kSpellings = {
      {"capability", {ThreadAttr::kCapability, false}},
      {"shared_capability", {ThreadAttr::kCapability, true}},
      {"lockable", {ThreadAttr::kCapability, false}},
      {"scoped_lockable", {ThreadAttr::kScoped, false}},
      {"guarded_by", {ThreadAttr::kGuardedBy, false}},
      {"pt_guarded_by", {ThreadAttr::kPtGuardedBy, false}},
      {"requires_capability", {ThreadAttr::kRequires, false}},
      {"exclusive_locks_required", {ThreadAttr::kRequires, false}},
      {"requires_shared_capability", {ThreadAttr::kRequires, true}},
      {"shared_locks_required", {ThreadAttr::kRequires, true}},
      {"acquire_capability", {ThreadAttr::kAcquire, false}},
      {"exclusive_lock_function", {ThreadAttr::kAcquire, false}},
      {"acquire_shared_capability", {ThreadAttr::kAcquire, true}},
      {"shared_lock_function", {ThreadAttr::kAcquire, true}},
      {"release_capability", {ThreadAttr::kRelease, false}},
      {"release_generic_capability", {ThreadAttr::kRelease, false}},
      {"release_shared_capability", {ThreadAttr::kRelease, true}},
      {"unlock_function", {ThreadAttr::kRelease, false}},
      {"try_acquire_capability", {ThreadAttr::kTryAcquire, false}},
      {"exclusive_trylock_function", {ThreadAttr::kTryAcquire, false}},
      {"try_acquire_shared_capability", {ThreadAttr::kTryAcquire, true}},
      {"shared_trylock_function", {ThreadAttr::kTryAcquire, true}},
      {"locks_excluded", {ThreadAttr::kExcludes, false}},
      {"no_thread_safety_analysis", {ThreadAttr::kNoAnalysis, false}},
      {"acquired_before", {ThreadAttr::kAcquiredBefore, false}},
      {"acquired_after", {ThreadAttr::kAcquiredAfter, false}},
      {"assert_capability", {ThreadAttr::kAssert, false}},
      {"assert_exclusive_lock", {ThreadAttr::kAssert, false}},
      {"assert_shared_capability", {ThreadAttr::kAssert, true}},
      {"assert_shared_lock", {ThreadAttr::kAssert, true}},
      {"lock_returned", {ThreadAttr::kReturnCapability, false}},
  };
  return kSpellings;
}

// The tokens of `file` from `offset` on, at most `max_bytes` of source.
std::vector<std::string> TokensAt(CXTranslationUnit tu, CXFile file, unsigned offset,
                                  unsigned max_bytes) {
  size_t size = 0;
  if (file == nullptr || clang_getFileContents(tu, file, &size) == nullptr || offset >= size) {
    return {};
  }
  unsigned end = static_cast<unsigned>(std::min<size_t>(size, offset + max_bytes));
  return TokenTexts(tu, clang_getRange(clang_getLocationForOffset(tu, file, offset),
                                       clang_getLocationForOffset(tu, file, end)));
}

// `NAME ( a , b->c )` -> {"a", "b->c"}; no parenthesis after the name -> {}.
std::vector<std::string> ParseArgs(const std::vector<std::string>& t) {
  std::vector<std::string> args;
  if (t.size() < 2 || t[1] != "(") return args;
  int depth = 0;
  std::string cur;
  for (size_t i = 1; i < t.size(); ++i) {
    const std::string& tok = t[i];
    if (tok == "(") {
      if (depth++ == 0) continue;
    } else if (tok == ")") {
      if (--depth == 0) {
        if (!cur.empty()) args.push_back(cur);
        return args;
      }
    } else if (tok == "," && depth == 1) {
      args.push_back(cur);
      cur.clear();
      continue;
    }
    cur += tok;
  }
  return {};  // unbalanced: give up rather than guess
}

std::optional<ThreadAttr> ReadOne(CXCursor attr) {
  CXTranslationUnit tu = clang_Cursor_getTranslationUnit(attr);
  CXSourceRange extent = clang_getCursorExtent(attr);
  // The attribute's name: the token where it is spelled, maybe inside a macro definition. Every
  // location query of libclang-14 answers the expansion site for a macro location, but
  // clang_tokenize maps the range itself to its spelling: tokenize the one-token range there.
  CXSourceLocation start = clang_getRangeStart(extent);
  std::vector<std::string> name = TokenTexts(tu, clang_getRange(start, start));
  if (name.empty()) return std::nullopt;
  auto it = Spellings().find(name[0]);
  if (it == Spellings().end()) return std::nullopt;
  ThreadAttr a{it->second.kind, it->second.shared, {}};
  // Its arguments: where it is expanded, `GUARDED_BY(mu_)` or `guarded_by(mu_)`.
  CXFile file = nullptr;
  unsigned offset = 0;
  clang_getExpansionLocation(start, &file, nullptr, nullptr, &offset);
  a.args = ParseArgs(TokensAt(tu, file, offset, 1024));
  if (a.kind == ThreadAttr::kTryAcquire && !a.args.empty()) a.args.erase(a.args.begin());
  return a;
}

}  // namespace

std::vector<ThreadAttr> ReadThreadAttrs(CXCursor decl) {
  std::vector<ThreadAttr> out;
  for (CXCursor child : Children(decl)) {
    if (clang_getCursorKind(child) != CXCursor_UnexposedAttr) continue;
    if (std::optional<ThreadAttr> a = ReadOne(child)) out.push_back(*a);
  }
  return out;
}

bool HasAttr(const std::vector<ThreadAttr>& attrs, ThreadAttr::Kind kind) {
  for (const ThreadAttr& a : attrs) {
    if (a.kind == kind) return true;
  }
  return false;
}

namespace {

struct ClassInfo {
  std::string capability;  // "", "mutex", "shared_mutex"
  bool scoped = false;
};

const ClassInfo& Info(CXCursor class_decl) {
  // Libclang is used from several parse threads at once: one cache per thread.
  thread_local std::unordered_map<std::string, ClassInfo> cache;
  static const ClassInfo kNone;
  CXCursorKind k = clang_getCursorKind(class_decl);
  if (k != CXCursor_ClassDecl && k != CXCursor_StructDecl && k != CXCursor_ClassTemplate) {
    return kNone;
  }
  std::string usr = Usr(class_decl);
  auto it = cache.find(usr);
  if (it != cache.end()) return it->second;
  ClassInfo info;
  bool any_attr = false;
  for (const ThreadAttr& a : ReadThreadAttrs(class_decl)) {
    any_attr = true;
    if (a.kind == ThreadAttr::kCapability) info.capability = "mutex";
    if (a.kind == ThreadAttr::kScoped) info.scoped = true;
  }
  if (any_attr && !info.capability.empty()) {
    for (CXCursor m : Children(class_decl)) {
      if (clang_getCursorKind(m) != CXCursor_CXXMethod) continue;
      for (const ThreadAttr& a : ReadThreadAttrs(m)) {
        if (a.shared && (a.kind == ThreadAttr::kAcquire || a.kind == ThreadAttr::kTryAcquire)) {
          info.capability = "shared_mutex";
        }
      }
    }
  }
  return cache.emplace(usr, info).first->second;
}

}  // namespace

std::string CapabilityKind(CXCursor class_decl) { return Info(class_decl).capability; }
bool IsScopedCapability(CXCursor class_decl) { return Info(class_decl).scoped; }

}  // namespace static_analysis
}  // namespace lockscope
