// symbolizer.h — pcs and data addresses of a traced process -> functions, source lines, names.
//
// What: offline symbolization with elfutils libdw (Dwfl), as heaptrack does. Built from the
// process's module map (Trace::modules: path + load bias, as the runtime saw them). Each module is
// reported to Dwfl with dwfl_report_elf at its load bias; debug info is found next to the file,
// by build-id (dwfl_build_id_find_elf / dwfl_standard_find_debuginfo), in /usr/lib/debug and in
// `debug_paths`. Paths are prefixed with `sysroot` when given.
// Symbolize() maps a pc to module + offset, function (the innermost inlined scope when DWARF has
// it, else the ELF symbol; demangled) and file:line; SymbolizeInlined()/SymbolizeStack() also
// give the frames of the inlined calls around it (DW_AT_call_file/line), like eu-addr2line -i. For
// a return address the line is looked up at pc - 1, so it names the call, not the statement after
// it. DataSymbol() names the ELF object (STT_OBJECT) covering a data address: globals, static
// members, function-local statics. Failure semantics: never fails. A missing file or missing debug
// info degrades the frames to pc/module/offset (or function only) and adds one warning per module
// to warnings(). Ownership/thread-safety: owns its Dwfl session; not thread-safe (results are
// cached per pc). Complexity: the first look-up in a module loads its symbol table/DWARF; later
// look-ups are cached (O(log n) map look-ups).

#ifndef LOCKSCOPE_ANALYZER_SYMBOLIZER_H_
#define LOCKSCOPE_ANALYZER_SYMBOLIZER_H_

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "findings.h"
#include "trace_model.h"

struct Dwfl_Module;

namespace lockscope {
namespace analysis {

struct SymbolizerOptions {
  std::string sysroot;                   // prefix for module paths ("" = none)
  std::vector<std::string> debug_paths;  // extra directories searched for separate debug info
  bool enabled = true;                   // false: never open a file; frames keep pc/module/offset
};

class Symbolizer {
 public:
  Symbolizer(const std::vector<ModuleInfo>& modules, const SymbolizerOptions& options);
  ~Symbolizer();
  Symbolizer(const Symbolizer&) = delete;
  Symbolizer& operator=(const Symbolizer&) = delete;

  // The innermost logical frame at `pc` (the inlined function executing there, if any).
  Frame Symbolize(uint64_t pc, bool is_return_address);
  // Every logical frame at `pc`, innermost first: each inlined call, then the function that
  // contains it (all with the same pc/module/offset; each outer frame at its inlined call site).
  const Stack& SymbolizeInlined(uint64_t pc, bool is_return_address);
  // Every pc of a recorded stack is a return address (trace_format.h StackDef). Inlined calls are
  // expanded, so the result may have more frames than `pcs`.
  Stack SymbolizeStack(const std::vector<uint64_t>& pcs);
  // "g_mu", "Bank::mu_", "main::m", "g_pair+0x28"; nullopt for heap/stack addresses or no symbols.
  std::optional<std::string> DataSymbol(uint64_t address);

  // One line per module that could not be opened or has no debug info, in first-use order.
  const std::vector<std::string>& warnings() const { return warnings_; }

 private:
  const ModuleInfo* FindModule(uint64_t address) const;
  Dwfl_Module* DwflModule(uint64_t address);
  std::optional<std::string> LookUpDataSymbol(uint64_t address);
  void NoteModuleQuality(Dwfl_Module* module, const std::string& path);
  void Warn(const std::string& path, const std::string& what);

  struct Session;  // the Dwfl handle and the callbacks/paths it points at (symbolizer.cpp)

  SymbolizerOptions options_;
  std::vector<ModuleInfo> modules_;                   // sorted by start
  std::unique_ptr<Session> session_;                  // null when symbolization is disabled
  std::map<std::pair<uint64_t, bool>, Stack> cache_;  // never empty values
  std::map<uint64_t, std::optional<std::string>> data_cache_;
  std::set<std::string> checked_modules_;
  std::set<std::string> warned_modules_;
  std::vector<std::string> warnings_;
};

// "_ZN4Bank3mu_E" -> "Bank::mu_"; returns the input when it is not a mangled name.
std::string Demangle(const char* name);

}  // namespace analysis
}  // namespace lockscope

#endif  // LOCKSCOPE_ANALYZER_SYMBOLIZER_H_
