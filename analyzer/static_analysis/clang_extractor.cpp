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
#include "function_walker.h"

namespace lockscope {
namespace static_analysis {
namespace {

using internal::FunctionWalker;

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
  internal::TuContext ctx;
};

CXChildVisitResult VisitTopLevel(CXCursor c, CXCursor, CXClientData data) {
  auto* visit = static_cast<TuVisit*>(data);
  if (clang_Location_isInSystemHeader(clang_getCursorLocation(c))) return CXChildVisit_Continue;
  CXCursorKind k = clang_getCursorKind(c);
  const bool in_main_file = clang_Location_isFromMainFile(clang_getCursorLocation(c)) != 0;
  if (k == CXCursor_VarDecl && in_main_file && clang_isCursorDefinition(c)) {
    visit->program->global_definitions[QualifiedName(c)].insert(visit->tu);
  }
  if (k == CXCursor_VarDecl) visit->ctx.AddGlobalLock(c);  // names attribute arguments use
  if (k == CXCursor_VarDecl || k == CXCursor_FieldDecl) {
    internal::RecordDeclaredOrder(&visit->ctx, c, visit->tu, visit->program);
  }
  // A class defined in a main file belongs to that program: its fields are per translation unit
  // like its methods (two sample programs may both have a ThreadPool::mu_).
  if (k == CXCursor_FieldDecl && in_main_file) {
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
        FunctionWalker(visit->program, &facts, c, &visit->ctx).WalkBody(child);
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

bool ClangExtractor::ParseFile(
    const std::string& file, const std::vector<std::string>& args, const std::string& directory,
    const std::function<void(const std::string& path, std::string_view content)>& on_input) {
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
  TuVisit visit{out_, ToString(clang_getTranslationUnitSpelling(tu)), {}};
  clang_visitChildren(clang_getTranslationUnitCursor(tu), VisitTopLevel, &visit);
  if (on_input) {
    struct Inputs {
      CXTranslationUnit tu;
      const std::function<void(const std::string&, std::string_view)>* fn;
    } inputs{tu, &on_input};
    clang_getInclusions(
        tu,
        [](CXFile f, CXSourceLocation*, unsigned, CXClientData data) {
          auto* in = static_cast<Inputs*>(data);
          size_t size = 0;
          const char* text = clang_getFileContents(in->tu, f, &size);
          (*in->fn)(ToString(clang_getFileName(f)),
                    text == nullptr ? std::string_view() : std::string_view(text, size));
        },
        &inputs);
  }
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
