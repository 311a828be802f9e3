// program_check.h — what `lockscope run` checks before it starts anything, so that each mistake
// is one clear line instead of a silent run without tracing.
//
// Each function returns false with `*error` set to one line (without the "lockscope: error: "
// prefix) when the check fails. No function here throws or exits.

#ifndef LOCKSCOPE_ANALYZER_CLI_PROGRAM_CHECK_H_
#define LOCKSCOPE_ANALYZER_CLI_PROGRAM_CHECK_H_

#include <set>
#include <string>
#include <vector>

namespace lockscope {
namespace cli {

// Resolves `prog` like execvp: as given when it holds a '/', else through $PATH. Then checks that
// it is an executable regular file and not a statically linked ELF (LD_PRELOAD cannot intercept
// those). Scripts (#!) pass: their interpreter is dynamically linked.
bool CheckProgram(const std::string& prog, std::string* resolved, std::string* error);

// Sanitizer runtimes `program` links dynamically (DT_NEEDED libasan.so.N, libtsan.so.N, …).
// They insist on coming first in the link map ("ASan runtime does not come first in initial
// library list"), so `lockscope run` preloads them ahead of liblockscope.so; they then forward
// the pthread calls they intercept to the next definition, lockscope's. Static sanitizer
// runtimes (clang's default) live in the executable, which comes first anyway.
std::vector<std::string> SanitizerRuntimesNeeded(const std::string& program);

// The runtime library: $LOCKSCOPE_RUNTIME if set, else <dir of this executable>/../lib, else the
// install prefix's lib/. Returns an absolute path.
bool FindRuntime(std::string* path, std::string* error);

// `dir` (created with its parents if missing, must be a writable directory), or a fresh
// mkdtemp("${TMPDIR:-/tmp}/lockscope.XXXXXX") when `dir` is empty. Returns an absolute path.
bool PrepareTraceDir(const std::string& dir, std::string* out, std::string* error);

// Names of the trace files (*.lstrace*) already in `dir`.
std::set<std::string> ListTraceFiles(const std::string& dir);

}  // namespace cli
}  // namespace lockscope

#endif  // LOCKSCOPE_ANALYZER_CLI_PROGRAM_CHECK_H_
