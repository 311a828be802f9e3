// runtime_options.h — the runtime's option table (runtime/include/lockscope/flags.inc) as the CLI
// sees it, and the LOCKSCOPE_OPTIONS string `lockscope run` writes from it (STYLE habit 5: one
// X-macro table; `lockscope run --stack-depth 16` becomes stack_depth=16, never by hand).
//
// Header-only and pure (no I/O, no globals beyond the constant table) so unit tests can check it
// without linking the CLI. Thread-safe.

#ifndef LOCKSCOPE_ANALYZER_CLI_RUNTIME_OPTIONS_H_
#define LOCKSCOPE_ANALYZER_CLI_RUNTIME_OPTIONS_H_

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

namespace lockscope {
namespace cli {

// One row of flags.inc.
struct RuntimeFlag {
  const char* type;  // "bool" | "int" | "string"
  const char* name;  // key in LOCKSCOPE_OPTIONS
  const char* default_value;
  const char* help;
};

inline constexpr RuntimeFlag kRuntimeFlags[] = {
#define LOCKSCOPE_FLAG(type, name, def, help) {#type, #name, #def, help},
#include "lockscope/flags.inc"
#undef LOCKSCOPE_FLAG
};
inline constexpr size_t kRuntimeFlagCount = sizeof(kRuntimeFlags) / sizeof(kRuntimeFlags[0]);

// The command-line spelling of a flag: stack_depth -> stack-depth.
inline std::string RuntimeOptionName(const char* flag) {
  std::string name = flag;
  for (char& c : name) c = c == '_' ? '-' : c;
  return name;
}

// `existing` (a LOCKSCOPE_OPTIONS value "a=1:b=2", may be null) with `updates` applied: a key
// given on the command line replaces every entry with the same key; other entries keep their
// order; empty entries are dropped; updates come last, in their order.
inline std::string MergeRuntimeOptions(
    const char* existing, const std::vector<std::pair<std::string, std::string>>& updates) {
  std::vector<std::string> entries;
  std::string rest = existing != nullptr ? existing : "";
  size_t start = 0;
  while (start < rest.size()) {
    size_t colon = rest.find(':', start);
    if (colon == std::string::npos) colon = rest.size();
    std::string entry = rest.substr(start, colon - start);
    std::string key = entry.substr(0, entry.find('='));
    bool replaced = false;
    for (const auto& u : updates) replaced = replaced || u.first == key;
    if (!entry.empty() && !replaced) entries.push_back(entry);
    start = colon + 1;
  }
  for (const auto& u : updates) entries.push_back(u.first + "=" + u.second);
  std::string out;
  for (const std::string& e : entries) out += (out.empty() ? "" : ":") + e;
  return out;
}

}  // namespace cli
}  // namespace lockscope

#endif  // LOCKSCOPE_ANALYZER_CLI_RUNTIME_OPTIONS_H_
