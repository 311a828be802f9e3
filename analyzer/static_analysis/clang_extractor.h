// clang_extractor.h — reads C/C++ sources with libclang-14's C API and records, per function, the
// lock facts of static_facts.h: acquisitions with the locks held at that point, calls made while
// holding locks, field/global accesses with the locks held, and views (pointers, references,
// iterators) into guarded data that outlive their critical section.
//
// How it walks a body: statements in order, with a model of the held-lock set. RAII guards
// (lock_guard, unique_lock, shared_lock, scoped_lock) hold their locks until the end of their
// scope, unique_lock::unlock()/lock() toggles them; explicit lock()/unlock()/lock_shared() and the
// pthread_* calls change the set directly. Branches are walked on copies of the set and merged by
// intersection, leaving out branches that end in return/break/continue/throw, so a lock is only
// "held" after a branch when every path holds it: the walk under-approximates what is held, which
// keeps false lock-order edges out at the price of missing some.
// Lambdas are walked as functions of their own with nothing held (they often run on other threads).
// Clang thread-safety attributes (thread_annotations.h) are honoured: CAPABILITY classes are lock
// types, ACQUIRE/RELEASE/TRY_ACQUIRE functions and SCOPED_CAPABILITY guards lock what they name, a
// REQUIRES function is walked holding its locks, GUARDED_BY declarations are recorded. A lock we
// cannot name (`lock_guard g(*mu)`) is held as kUnnamedLock: what it covers is not "unguarded".
//
// Failure semantics: a file that fails to parse (missing file, fatal errors) is listed in
// ProgramFacts::failed_files with the first error, and the others are still read.
// Thread-safety: not thread-safe (libclang index per extractor). Complexity: linear in AST size.

#ifndef LOCKSCOPE_ANALYZER_STATIC_ANALYSIS_CLANG_EXTRACTOR_H_
#define LOCKSCOPE_ANALYZER_STATIC_ANALYSIS_CLANG_EXTRACTOR_H_

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "static_facts.h"

namespace lockscope {
namespace static_analysis {

class ClangExtractor {
 public:
  explicit ClangExtractor(ProgramFacts* out);
  ~ClangExtractor();
  ClangExtractor(const ClangExtractor&) = delete;
  ClangExtractor& operator=(const ClangExtractor&) = delete;

  // Parses `file` with compiler arguments `args` (no compiler name, no input file, no -o/-c),
  // run from `directory` (relative paths in args are resolved there). Returns false if the file
  // could not be parsed; the reason is appended to failed_files.
  // `on_input` (optional) is called with every file the parse read (the source and each header)
  // and the content it read, before the translation unit is dropped: what a cache entry depends on.
  bool ParseFile(const std::string& file, const std::vector<std::string>& args,
                 const std::string& directory,
                 const std::function<void(const std::string& path, std::string_view content)>&
                     on_input = nullptr);

 private:
  ProgramFacts* out_;
  void* index_;  // CXIndex
};

// The clang resource directory matching the libclang we link (for <stddef.h> and friends), found
// next to the loaded libclang; "" if none was found.
std::string FindClangResourceDir();

// Turns a compile_commands.json argument vector into libclang arguments: drops the compiler, the
// input file, -c, -o X, dependency-file flags and flags clang does not know (gcc-only warnings and
// options), and adds the resource dir.
std::vector<std::string> SanitizeCompilerArgs(const std::vector<std::string>& args,
                                              const std::string& file);

}  // namespace static_analysis
}  // namespace lockscope

#endif  // LOCKSCOPE_ANALYZER_STATIC_ANALYSIS_CLANG_EXTRACTOR_H_
