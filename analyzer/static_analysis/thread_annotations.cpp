#include "thread_annotations.h"

#include <algorithm>
#include <map>
#include <optional>
#include <string>
#include <string_view>
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

// The body of the object-like macro `name` (`#define GUARDED_BY_MU GUARDED_BY(mu_)`) as tokens,
// read from the translation unit's own (non-system) files; {} if it is not found.
std::vector<std::string> MacroBody(CXTranslationUnit tu, const std::string& name) {
  struct Search {
    CXTranslationUnit tu;
    const std::string* name;
    std::vector<std::string> body;
  } search{tu, &name, {}};
  auto visit = [](CXFile file, CXSourceLocation*, unsigned, CXClientData data) {
    auto* s = static_cast<Search*>(data);
    if (!s->body.empty() ||
        clang_Location_isInSystemHeader(clang_getLocationForOffset(s->tu, file, 0))) {
      return;
    }
    size_t size = 0;
    const char* text = clang_getFileContents(s->tu, file, &size);
    if (text == nullptr) return;
    const std::string_view content(text, size);
    const std::string& name = *s->name;
    for (size_t at = content.find(name); at != std::string_view::npos;
         at = content.find(name, at + 1)) {
      size_t end = at + name.size();
      // `#define NAME` then blank (an object-like macro: `NAME(` would be function-like).
      if (end >= size || (content[end] != ' ' && content[end] != '\t')) continue;
      size_t line = content.rfind('\n', at);
      line = line == std::string_view::npos ? 0 : line + 1;
      std::string head(content.substr(line, at - line));
      head.erase(std::remove_if(head.begin(), head.end(), [](char c) { return c == ' ' || c == '\t'; }),
                 head.end());
      if (head != "#define") continue;
      size_t stop = end;
      while (stop < size && (content[stop] != '\n' || content[stop - 1] == '\\')) ++stop;
      s->body = TokenTexts(s->tu, clang_getRange(clang_getLocationForOffset(s->tu, file, end),
                                                 clang_getLocationForOffset(s->tu, file, stop)));
      s->body.erase(std::remove(s->body.begin(), s->body.end(), "\\"), s->body.end());
      return;
    }
  };
  clang_getInclusions(tu, visit, &search);
  return search.body;
}

// The arguments of attribute `spelled` (its spelling, e.g. "guarded_by") hidden behind the
// object-like macro `name`, following macros that expand to other object-like macros.
std::vector<std::string> ArgsBehindMacro(CXTranslationUnit tu, const std::string& name,
                                         const std::string& spelled, int depth = 0) {
  if (depth > 4) return {};
  std::vector<std::string> body = MacroBody(tu, name);
  auto at = std::find(body.begin(), body.end(), spelled);
  if (at != body.end()) return ParseArgs(std::vector<std::string>(at, body.end()));
  if (body.size() >= 2 && body[1] == "(") return ParseArgs(body);  // GUARDED_BY(mu_)
  if (body.size() == 1) return ArgsBehindMacro(tu, body[0], spelled, depth + 1);
  return {};
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
  std::vector<std::string> site = TokensAt(tu, file, offset, 1024);
  a.args = ParseArgs(site);
  // `int n_ GUARDED_BY_MU;` with `#define GUARDED_BY_MU GUARDED_BY(mu_)`: no parenthesis at the
  // site, the arguments are in the macro's body.
  if (a.args.empty() && !site.empty() && site[0] != name[0] && (site.size() < 2 || site[1] != "(")) {
    a.args = ArgsBehindMacro(tu, site[0], name[0]);
  }
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
