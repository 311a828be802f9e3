#include "facts_json.h"

#include <nlohmann/json.hpp>

namespace lockscope {
namespace static_analysis {

// Field lists, in declaration order (static_facts.h). Missing keys read as the defaults.
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(SourceLoc, file, line, column, function)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(HeldLock, lock, shared, via_guard, loc, from_caller)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(AcquireFact, lock, lock_kind, shared, try_lock,
                                                deadlock_free_group, on_this, loc, held)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(CallFact, callee_usr, callee_name, is_virtual,
                                                on_this, loc, held, callee_requires,
                                                callee_excludes)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(AccessFact, variable, write, loc, held, deref)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(EscapeFact, lock, variable, via, how, taken_loc,
                                                use_loc, stored_in)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(CondWaitFact, mutex, line, predicate)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(DeclaredGuard, lock, pointee, loc)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(DeclaredOrder, first, second, tu, loc)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(FunctionFacts, tu, usr, name, loc, is_ctor_or_dtor,
                                                no_thread_safety_analysis, overrides, acquires,
                                                calls, accesses, escapes, spawn_lines, join_lines,
                                                cond_waits, wake_lines)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(ProgramFacts, functions, lock_kinds,
                                                local_locks, declared_guards, declared_order, global_definitions,
                                                parsed_files, failed_files)

std::vector<std::uint8_t> FactsToBytes(const ProgramFacts& facts) {
  return nlohmann::json::to_msgpack(nlohmann::json(facts));
}

bool FactsFromBytes(const std::vector<std::uint8_t>& bytes, ProgramFacts* facts) {
  nlohmann::json j = nlohmann::json::from_msgpack(bytes, /*strict=*/true,
                                                  /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) return false;
  try {
    *facts = j.get<ProgramFacts>();
  } catch (const nlohmann::json::exception&) {
    return false;  // a type mismatch: an entry written by another version
  }
  return true;
}

}  // namespace static_analysis
}  // namespace lockscope
