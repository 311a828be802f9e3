// symbolizer.cpp — see symbolizer.h. libdw usage follows elfutils' own eu-addr2line
// (src/addr2line.c).

#include "symbolizer.h"

#include <cxxabi.h>
#include <dwarf.h>
#include <elfutils/libdw.h>
#include <elfutils/libdwfl.h>
#include <fmt/format.h>
#include <gelf.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <tuple>

#include "dwarf_member_path.h"

namespace lockscope {
namespace analysis {

struct Symbolizer::Session {
  Dwfl_Callbacks callbacks{};
  std::string debuginfo_path;  // Dwfl_Callbacks::debuginfo_path points at debuginfo_path_ptr
  char* debuginfo_path_ptr = nullptr;
  Dwfl* dwfl = nullptr;
  ~Session() {
    if (dwfl != nullptr) dwfl_end(dwfl);
  }
};

namespace {

std::string DieLinkageOrName(Dwarf_Die* die) {
  Dwarf_Attribute attr;
  for (int at : {DW_AT_linkage_name, DW_AT_MIPS_linkage_name}) {
    if (dwarf_attr_integrate(die, at, &attr) != nullptr) {
      if (const char* s = dwarf_formstring(&attr)) return Demangle(s);
    }
  }
  const char* name = dwarf_diename(die);  // follows DW_AT_abstract_origin for inlined scopes
  return name != nullptr ? name : "";
}

// A relative source path in DWARF (a unit compiled as `cc -g ../src/x.c`, whose line table then
// has the relative directory "../src") is relative to the unit's compilation directory, which
// libdw does not prepend: reports and SARIF locations must name a file a reader can open.
std::string SourcePath(const char* file, const char* comp_dir) {
  if (file[0] == '/' || comp_dir == nullptr || comp_dir[0] != '/') return file;
  return (std::filesystem::path(comp_dir) / file).lexically_normal().string();
}

const char* CompDir(Dwarf_Die* cu) {
  Dwarf_Attribute attr;
  return cu != nullptr ? dwarf_formstring(dwarf_attr(cu, DW_AT_comp_dir, &attr)) : nullptr;
}

// DW_AT_call_file/line/column of an inlined call: where its caller is executing.
void CallSite(Dwarf_Die* inlined, Dwarf_Files* files, const char* comp_dir, Frame* caller) {
  Dwarf_Attribute attr;
  Dwarf_Word value = 0;
  caller->file.clear();
  caller->line = 0;
  caller->column = 0;
  if (files != nullptr &&
      dwarf_formudata(dwarf_attr(inlined, DW_AT_call_file, &attr), &value) == 0) {
    if (const char* file = dwarf_filesrc(files, value, nullptr, nullptr)) {
      caller->file = SourcePath(file, comp_dir);
    }
  }
  if (dwarf_formudata(dwarf_attr(inlined, DW_AT_call_line, &attr), &value) == 0) {
    caller->line = static_cast<int>(value);
  }
  if (dwarf_formudata(dwarf_attr(inlined, DW_AT_call_column, &attr), &value) == 0) {
    caller->column = static_cast<int>(value);
  }
}

// The logical frames at `addr`, innermost first: one per inlined call, then the function that
// contains them (as eu-addr2line -i does). `base` carries the pc, module, the ELF symbol's name
// and the line table's file:line, which belong to the innermost frame; each outer frame is at the
// call site of the inlined call inside it. Returns {base} without DWARF scopes.
Stack ExpandInlined(Dwfl_Module* module, uint64_t addr, const Frame& base) {
  Dwarf_Addr bias = 0;
  Dwarf_Die* cu = dwfl_module_addrdie(module, addr, &bias);
  Dwarf_Die* scopes = nullptr;
  int n = cu == nullptr ? 0 : dwarf_getscopes(cu, addr - bias, &scopes);
  if (n <= 0) {
    free(scopes);
    return {base};
  }
  // dwarf_getscopes follows an inlined instance into its abstract definition; the physical
  // nesting (inlined instance -> caller -> ... -> subprogram) comes from dwarf_getscopes_die.
  Dwarf_Die innermost = scopes[0];
  free(scopes);
  scopes = nullptr;
  n = dwarf_getscopes_die(&innermost, &scopes);
  Dwarf_Files* files = nullptr;
  if (dwarf_getsrcfiles(cu, &files, nullptr) != 0) files = nullptr;
  Stack frames;
  Frame current = base;
  for (int i = 0; i < n; ++i) {
    int tag = dwarf_tag(&scopes[i]);
    if (tag != DW_TAG_inlined_subroutine && tag != DW_TAG_subprogram) continue;
    Frame f = current;
    // The out-of-line function keeps its ELF symbol name (with parameters) when there is one.
    std::string die_name = DieLinkageOrName(&scopes[i]);
    f.function = (tag == DW_TAG_subprogram && !base.function.empty()) ? base.function : die_name;
    frames.push_back(f);
    if (tag == DW_TAG_subprogram) break;
    CallSite(&scopes[i], files, CompDir(cu), &current);
  }
  free(scopes);
  if (frames.empty()) frames.push_back(base);
  return frames;
}

}  // namespace

std::string Demangle(const char* name) {
  if (name == nullptr) return "";
  if (std::strncmp(name, "_Z", 2) != 0) return name;
  int status = 0;
  char* out = abi::__cxa_demangle(name, nullptr, nullptr, &status);
  std::string result = (status == 0 && out != nullptr) ? out : name;
  free(out);
  return result;
}

Symbolizer::Symbolizer(const std::vector<ModuleInfo>& modules, const SymbolizerOptions& options)
    : options_(options), modules_(modules) {
  std::sort(modules_.begin(), modules_.end(), [](const ModuleInfo& a, const ModuleInfo& b) {
    return std::tie(a.start, a.path) < std::tie(b.start, b.path);
  });
  // The runtime may report a module again (dl_iterate_phdr after a dlopen): keep one copy.
  modules_.erase(std::unique(modules_.begin(), modules_.end(),
                             [](const ModuleInfo& a, const ModuleInfo& b) {
                               return a.start == b.start && a.path == b.path;
                             }),
                 modules_.end());
  if (!options_.enabled) return;
  session_ = std::make_unique<Session>();
  Session& s = *session_;
  s.debuginfo_path = "-:.debug:/usr/lib/debug";
  if (!options_.sysroot.empty()) s.debuginfo_path += ":" + options_.sysroot + "/usr/lib/debug";
  for (const std::string& p : options_.debug_paths) s.debuginfo_path += ":" + p;
  s.debuginfo_path_ptr = s.debuginfo_path.data();
  s.callbacks.find_elf = dwfl_build_id_find_elf;
  s.callbacks.find_debuginfo = dwfl_standard_find_debuginfo;
  s.callbacks.section_address = dwfl_offline_section_address;
  s.callbacks.debuginfo_path = &s.debuginfo_path_ptr;
  s.dwfl = dwfl_begin(&s.callbacks);
  if (s.dwfl == nullptr) {
    warnings_.push_back(
        fmt::format("cannot start libdw ({}): frames show addresses", dwfl_errmsg(-1)));
    session_.reset();
    return;
  }
  dwfl_report_begin(s.dwfl);
  for (const ModuleInfo& m : modules_) {
    // "linux-vdso.so.1" and the like have no file; their frames keep pc/module/offset.
    if (m.path.empty() || m.path[0] != '/') continue;
    std::string file = options_.sysroot + m.path;
    const char* base = std::strrchr(m.path.c_str(), '/') + 1;
    if (dwfl_report_elf(s.dwfl, base, file.c_str(), -1, m.load_bias, false) == nullptr) {
      Warn(m.path, fmt::format("addresses (cannot load {}: {})", file, dwfl_errmsg(-1)));
    }
  }
  dwfl_report_end(s.dwfl, nullptr, nullptr);
}

Symbolizer::~Symbolizer() = default;

void Symbolizer::Warn(const std::string& path, const std::string& what) {
  if (!warned_modules_.insert(path).second) return;
  warnings_.push_back(fmt::format("no debug info for {}: frames show {}", path, what));
}

const ModuleInfo* Symbolizer::FindModule(uint64_t address) const {
  // A process has tens of modules and results are cached per pc: a linear scan is enough.
  auto it = std::find_if(modules_.begin(), modules_.end(), [&](const ModuleInfo& m) {
    return address >= m.start && address < m.end;
  });
  return it == modules_.end() ? nullptr : &*it;
}

Dwfl_Module* Symbolizer::DwflModule(uint64_t address) {
  if (!session_) return nullptr;
  return dwfl_addrmodule(session_->dwfl, address);
}

void Symbolizer::NoteModuleQuality(Dwfl_Module* module, const std::string& path) {
  if (!checked_modules_.insert(path).second) return;
  Dwarf_Addr bias = 0;
  if (dwfl_module_getdwarf(module, &bias) != nullptr) return;
  if (dwfl_module_getsymtab(module) > 0) {
    Warn(path, "function names only (no file:line)");
  } else {
    Warn(path, "addresses");
  }
}

Frame Symbolizer::Symbolize(uint64_t pc, bool is_return_address) {
  return SymbolizeInlined(pc, is_return_address).front();
}

const Stack& Symbolizer::SymbolizeInlined(uint64_t pc, bool is_return_address) {
  auto key = std::make_pair(pc, is_return_address);
  if (auto it = cache_.find(key); it != cache_.end()) return it->second;
  Frame f;
  f.pc = pc;
  if (const ModuleInfo* m = FindModule(pc)) {
    f.module = m->path;
    f.module_offset = pc - m->load_bias;
  }
  Dwfl_Module* module = DwflModule(pc);
  if (module == nullptr) return cache_.emplace(key, Stack{f}).first->second;
  if (f.module.empty()) {
    const char* name =
        dwfl_module_info(module, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr);
    if (name != nullptr) f.module = name;
  }
  NoteModuleQuality(module, f.module);
  // A return address points after the call; pc - 1 is inside the call instruction.
  uint64_t lookup = (is_return_address && pc > 0) ? pc - 1 : pc;
  GElf_Off offset = 0;
  GElf_Sym sym;
  const char* name = dwfl_module_addrinfo(module, lookup, &offset, &sym, nullptr, nullptr, nullptr);
  if (name != nullptr) f.function = Demangle(name);
  if (Dwfl_Line* line = dwfl_module_getsrc(module, lookup)) {
    int lineno = 0;
    int column = 0;
    const char* file = dwfl_lineinfo(line, nullptr, &lineno, &column, nullptr, nullptr);
    if (file != nullptr) f.file = SourcePath(file, dwfl_line_comp_dir(line));
    f.line = lineno;
    f.column = column;
  }
  return cache_.emplace(key, ExpandInlined(module, lookup, f)).first->second;
}

Stack Symbolizer::SymbolizeStack(const std::vector<uint64_t>& pcs) {
  Stack stack;
  stack.reserve(pcs.size());
  for (uint64_t pc : pcs) {
    const Stack& frames = SymbolizeInlined(pc, true);
    stack.insert(stack.end(), frames.begin(), frames.end());
  }
  return stack;
}

std::optional<std::string> Symbolizer::DataSymbol(uint64_t address) {
  if (auto it = data_cache_.find(address); it != data_cache_.end()) return it->second;
  std::optional<std::string> name = LookUpDataSymbol(address);
  data_cache_.emplace(address, name);
  return name;
}

std::optional<std::string> Symbolizer::LookUpDataSymbol(uint64_t address) {
  Dwfl_Module* module = DwflModule(address);
  if (module == nullptr) return std::nullopt;
  GElf_Off offset = 0;
  GElf_Sym sym;
  const char* name =
      dwfl_module_addrinfo(module, address, &offset, &sym, nullptr, nullptr, nullptr);
  if (name == nullptr || GELF_ST_TYPE(sym.st_info) != STT_OBJECT) return std::nullopt;
  if (sym.st_size > 0 && offset >= sym.st_size) return std::nullopt;  // past its end
  std::string result = Demangle(name);
  // A lock inside a global struct or array: name the member from DWARF ("g_bank.mu_").
  if (auto path = DwarfMemberPath(module, address - offset, offset)) return result + *path;
  if (offset != 0) result += fmt::format("+{:#x}", offset);
  return result;
}

}  // namespace analysis
}  // namespace lockscope
