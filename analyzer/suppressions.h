// suppressions.h — user suppression files (`--suppressions FILE`), TSan/Valgrind style.
//
// What: a suppression file is a list of rules, one per line; `#` anywhere starts a comment to the
// end of the line (so a GLOB cannot hold `#`), blank lines are ignored, leading and trailing
// blanks are trimmed. A rule is
//     [KIND:]FIELD:GLOB     e.g.  lock-order-inversion:fun:*Backend::*
//                                 lock:g_audit_mu
//                                 file:*/third_party/*
//     KIND:GLOB             (TSan style: GLOB is tried against every FIELD but thread)
// KIND is a finding kind as the JSON report spells it (lock-order-cycle, actual-deadlock,
// rwlock-upgrade, recursive-read-hazard, comm-deadlock, lost-wakeup, leaked-thread, api-misuse,
// data-race, contention), an alias (lock-order-inversion and deadlock = lock-order-cycle,
// race = data-race, thread-leak = leaked-thread), or `*`; no KIND means every kind.
// FIELD is one of
//     fun — a frame's demangled function name,
//     file (alias src) — a frame's source file path,
//     module (alias obj) — a frame's ELF object path,
//     lock — a lock's name as the report prints it (LockRef::name, "g_audit_mu"),
//     thread — a thread's name as the report prints it ("T1 (worker)").
// GLOB is an fnmatch(3) pattern matched against the whole string (`*` also matches `/`), so
// `fun:Flush` matches only a function named exactly "Flush"; write `fun:*Flush*` for a substring.
// A finding is suppressed when some rule's kind matches and its GLOB matches the field in any
// frame of any stack the finding shows (edges, locks' first use, thread creation, extra stacks),
// any of its locks or any of its threads. The first matching rule (file order) is recorded.
// Failure semantics: Parse/Load return false with a one-line error "FILE:LINE: problem" (or
// "FILE: cannot read: reason"); nothing is applied from a file with an error.
// Thread-safety: Suppressions is immutable after loading; Apply mutates only the Report given.
// Complexity: Apply is O(findings * rules * frames).

#ifndef LOCKSCOPE_ANALYZER_SUPPRESSIONS_H_
#define LOCKSCOPE_ANALYZER_SUPPRESSIONS_H_

#include <string>
#include <string_view>
#include <vector>

#include "findings.h"

namespace lockscope {
namespace analysis {

enum class SuppressionField { kAny, kFunction, kFile, kModule, kLock, kThread };

struct SuppressionRule {
  bool any_kind = true;
  FindingKind kind = FindingKind::kLockOrderCycle;  // when !any_kind
  SuppressionField field = SuppressionField::kAny;
  std::string pattern;  // fnmatch glob
  std::string text;     // the rule as written (trimmed)
  std::string file;     // where it was read from
  int line = 0;         // 1-based
};

struct Suppressions {
  std::vector<SuppressionRule> rules;
  std::vector<std::string> files;  // every file loaded, in order
};

// Parses `text` (named `name` in errors) and appends its rules to `out`.
bool ParseSuppressions(std::string_view text, const std::string& name, Suppressions* out,
                       std::string* error);
// Reads `path` and parses it.
bool LoadSuppressions(const std::string& path, Suppressions* out, std::string* error);

// The first rule that suppresses `finding`, or nullptr; `matched` gets "function Backend::Flush()"
// (the field and the string the glob matched).
const SuppressionRule* MatchSuppression(const Suppressions& suppressions, const Finding& finding,
                                        std::string* matched);

// Moves every suppressed finding of `report` into report->suppressed_findings with its rule.
void ApplySuppressions(const Suppressions& suppressions, Report* report);

}  // namespace analysis
}  // namespace lockscope

#endif  // LOCKSCOPE_ANALYZER_SUPPRESSIONS_H_
