// compile_db.h — the inputs of `lockscope static`: compile_commands.json (CMake's
// CMAKE_EXPORT_COMPILE_COMMANDS, bear, ...) or files given with their flags, turned into parse
// jobs; and RunStatic(), which parses every job (a file that fails does not stop the others) and
// analyzes the facts.
// Failure semantics: LoadCompileDatabase returns false with a one-line error naming the file when
// the database is missing or not valid JSON. Thread-safety: not thread-safe.

#ifndef LOCKSCOPE_ANALYZER_STATIC_ANALYSIS_COMPILE_DB_H_
#define LOCKSCOPE_ANALYZER_STATIC_ANALYSIS_COMPILE_DB_H_

#include <functional>
#include <string>
#include <vector>

#include "findings.h"
#include "static_facts.h"

namespace lockscope {
namespace static_analysis {

struct CompileJob {
  std::string file;       // absolute path
  std::string directory;  // working directory of the compile
  std::vector<std::string> args;  // as recorded (compiler first), not yet sanitized
};

// Reads BUILD_DIR/compile_commands.json. When `only` is not empty, keeps the entries whose file
// matches one of them (same absolute path, or ends with it).
bool LoadCompileDatabase(const std::string& build_dir, const std::vector<std::string>& only,
                         std::vector<CompileJob>* jobs, std::string* error);

// One job per file with the same flags (the `FILE... -- FLAGS` form). Paths made absolute.
std::vector<CompileJob> JobsFromFiles(const std::vector<std::string>& files,
                                      const std::vector<std::string>& flags);

// Splits a shell command line ("command" entries of compile_commands.json): quotes and
// backslash escapes, no expansion.
std::vector<std::string> SplitCommandLine(const std::string& command);

struct StaticRunStats {
  size_t parsed = 0;      // translation units parsed with libclang
  size_t from_cache = 0;  // translation units whose facts came from the cache
};

// Parses and analyzes. `facts` (optional) receives what was extracted. With `cache_dir`, the facts
// of each file are kept there and reused while the file, its headers, its flags and lockscope
// itself are unchanged (fact_cache.h): the findings are the same, the parse is skipped.
// Called after each job with (jobs done, jobs in all), from the parsing threads (serialize
// inside if needed); then once with (total, total) before the analysis.
using JobProgress = std::function<void(size_t done, size_t total)>;

analysis::Report RunStatic(const std::vector<CompileJob>& jobs, ProgramFacts* facts = nullptr,
                           const std::string& cache_dir = "", StaticRunStats* stats = nullptr,
                           const JobProgress& progress = nullptr);

}  // namespace static_analysis
}  // namespace lockscope

#endif  // LOCKSCOPE_ANALYZER_STATIC_ANALYSIS_COMPILE_DB_H_
