// dwarf_member_path.h — name the member of a global object that an address points into.
//
// What: given a module, the address of a data symbol (an ELF STT_OBJECT) and an offset into it,
// finds the variable's DWARF DIE (a DW_TAG_variable whose location is DW_OP_addr of that address,
// at CU or namespace level) and walks its type down to the offset: ".mu_" for a struct member,
// "[3]" for an array element, "[3].mu_" for both, stopping at a lock type (std::mutex,
// pthread_mutex_t, ...) so that `Bank g_bank;` with `std::mutex mu_` at offset 0 names
// "g_bank.mu_", not "g_bank". Base classes are walked without adding a name.
// Failure semantics: returns nullopt when there is no DWARF, no matching variable, or the offset
// falls in padding; the caller then falls back to "symbol+0xoff".
// Thread-safety: none (libdw handles are not thread-safe). Complexity: O(DIEs at CU/namespace
// level of the module) per call; callers cache per symbol.

#ifndef LOCKSCOPE_ANALYZER_DWARF_MEMBER_PATH_H_
#define LOCKSCOPE_ANALYZER_DWARF_MEMBER_PATH_H_

#include <cstdint>
#include <optional>
#include <string>

struct Dwfl_Module;

namespace lockscope {
namespace analysis {

// `symbol_address` is the runtime address of the symbol (bias applied), `offset` is relative to it.
// Returns the member path ("" when the whole object at offset 0 is itself a lock).
std::optional<std::string> DwarfMemberPath(Dwfl_Module* module, uint64_t symbol_address,
                                           uint64_t offset);

}  // namespace analysis
}  // namespace lockscope

#endif  // LOCKSCOPE_ANALYZER_DWARF_MEMBER_PATH_H_
