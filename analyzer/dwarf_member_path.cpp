// dwarf_member_path.cpp — see dwarf_member_path.h.

#include "dwarf_member_path.h"

#include <dwarf.h>
#include <elfutils/libdw.h>
#include <elfutils/libdwfl.h>
#include <fmt/format.h>

#include <cstring>

namespace lockscope {
namespace analysis {
namespace {

constexpr int kMaxTypeDepth = 16;  // nesting bound: a damaged DWARF type cycle must not loop

bool IsLockTypeName(const char* name) {
  if (name == nullptr) return false;
  for (const char* lock :
       {"mutex", "recursive_mutex", "timed_mutex", "recursive_timed_mutex", "shared_mutex",
        "shared_timed_mutex", "pthread_mutex_t", "pthread_rwlock_t", "pthread_spinlock_t", "sem_t",
        "__gthread_mutex_t", "__gthread_recursive_mutex_t"}) {
    if (std::strcmp(name, lock) == 0) return true;
  }
  return false;
}

bool TypeOf(Dwarf_Die* die, Dwarf_Die* type) {
  Dwarf_Attribute attr;
  return dwarf_attr_integrate(die, DW_AT_type, &attr) != nullptr &&
         dwarf_formref_die(&attr, type) != nullptr;
}

// Does `die` (a DW_TAG_variable) live at `address`?
bool LocatedAt(Dwarf_Die* die, Dwarf_Addr address) {
  Dwarf_Attribute attr;
  if (dwarf_attr(die, DW_AT_location, &attr) == nullptr) return false;
  Dwarf_Op* expr = nullptr;
  size_t len = 0;
  if (dwarf_getlocation(&attr, &expr, &len) != 0 || len != 1) return false;
  return expr[0].atom == DW_OP_addr && expr[0].number == address;
}

// Depth-first over CU and namespace children for the variable at `address`.
bool FindVariable(Dwarf_Die* parent, Dwarf_Addr address, Dwarf_Die* out, int depth) {
  Dwarf_Die child;
  if (depth > kMaxTypeDepth || dwarf_child(parent, &child) != 0) return false;
  do {
    int tag = dwarf_tag(&child);
    if (tag == DW_TAG_variable && LocatedAt(&child, address)) {
      *out = child;
      return true;
    }
    if (tag == DW_TAG_namespace && FindVariable(&child, address, out, depth + 1)) return true;
  } while (dwarf_siblingof(&child, &child) == 0);
  return false;
}

// The member of struct/class `type` that contains `offset`; sets *member_offset. Inheritance
// entries count as members without a name.
bool MemberAt(Dwarf_Die* type, uint64_t offset, Dwarf_Die* member, uint64_t* member_offset) {
  Dwarf_Die child;
  if (dwarf_child(type, &child) != 0) return false;
  do {
    int tag = dwarf_tag(&child);
    if (tag != DW_TAG_member && tag != DW_TAG_inheritance) continue;
    Dwarf_Attribute attr;
    Dwarf_Word start = 0;
    if (dwarf_attr(&child, DW_AT_data_member_location, &attr) == nullptr ||
        dwarf_formudata(&attr, &start) != 0) {
      continue;  // static members and location expressions: not an offset into the object
    }
    Dwarf_Die member_type;
    Dwarf_Word size = 0;
    if (!TypeOf(&child, &member_type) || dwarf_aggregate_size(&member_type, &size) != 0) continue;
    if (offset >= start && offset < start + size) {
      *member = child;
      *member_offset = start;
      return true;
    }
  } while (dwarf_siblingof(&child, &child) == 0);
  return false;
}

// Walks `type` down to `offset`, appending ".member" / "[i]" to *path.
bool WalkType(Dwarf_Die type, uint64_t offset, std::string* path) {
  for (int depth = 0; depth < kMaxTypeDepth; ++depth) {
    if (IsLockTypeName(dwarf_diename(&type))) return offset == 0;
    int tag = dwarf_tag(&type);
    if (tag == DW_TAG_typedef || tag == DW_TAG_const_type || tag == DW_TAG_volatile_type) {
      if (!TypeOf(&type, &type)) return false;
      continue;
    }
    if (tag == DW_TAG_array_type) {
      Dwarf_Die element;
      Dwarf_Word size = 0;
      if (!TypeOf(&type, &element) || dwarf_aggregate_size(&element, &size) != 0 || size == 0) {
        return false;
      }
      *path += fmt::format("[{}]", offset / size);
      offset %= size;
      type = element;
      continue;
    }
    if (tag != DW_TAG_structure_type && tag != DW_TAG_class_type) return offset == 0;
    Dwarf_Die member;
    uint64_t start = 0;
    if (!MemberAt(&type, offset, &member, &start)) return false;
    if (dwarf_tag(&member) == DW_TAG_member) {
      const char* name = dwarf_diename(&member);
      *path += std::string(".") + (name != nullptr ? name : "?");
    }
    offset -= start;
    if (!TypeOf(&member, &type)) return false;
  }
  return false;
}

}  // namespace

std::optional<std::string> DwarfMemberPath(Dwfl_Module* module, uint64_t symbol_address,
                                           uint64_t offset) {
  Dwarf_Die* cu = nullptr;
  Dwarf_Addr bias = 0;
  while ((cu = dwfl_module_nextcu(module, cu, &bias)) != nullptr) {
    Dwarf_Die variable;
    if (!FindVariable(cu, symbol_address - bias, &variable, 0)) continue;
    Dwarf_Die type;
    std::string path;
    if (!TypeOf(&variable, &type) || !WalkType(type, offset, &path)) return std::nullopt;
    return path;
  }
  return std::nullopt;
}

}  // namespace analysis
}  // namespace lockscope
