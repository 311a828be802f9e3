// suppressions.cpp — see suppressions.h.

#include "suppressions.h"

#include <fmt/format.h>
#include <fnmatch.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>

#include "text_input.h"

namespace lockscope {
namespace analysis {
namespace {

constexpr FindingKind kAllKinds[] = {
    FindingKind::kLockOrderCycle, FindingKind::kActualDeadlock,
    FindingKind::kRwlockUpgrade,  FindingKind::kRecursiveReadHazard,
    FindingKind::kCommDeadlock,   FindingKind::kLostWakeup,
    FindingKind::kLeakedThread,   FindingKind::kApiMisuse,
    FindingKind::kDataRace,       FindingKind::kContention,
};

struct KindAlias {
  const char* name;
  FindingKind kind;
};
// The words people know from TSan ("deadlock", "race", "thread") and from our own text report's
// header ("lock-order-inversion").
constexpr KindAlias kKindAliases[] = {
    {"lock-order-inversion", FindingKind::kLockOrderCycle},
    {"deadlock", FindingKind::kLockOrderCycle},
    {"race", FindingKind::kDataRace},
    {"thread-leak", FindingKind::kLeakedThread},
};

struct FieldName {
  const char* name;
  SuppressionField field;
};
constexpr FieldName kFields[] = {
    {"fun", SuppressionField::kFunction}, {"file", SuppressionField::kFile},
    {"src", SuppressionField::kFile},     {"module", SuppressionField::kModule},
    {"obj", SuppressionField::kModule},   {"lock", SuppressionField::kLock},
    {"thread", SuppressionField::kThread},
};

std::optional<FindingKind> KindByName(std::string_view name) {
  for (FindingKind k : kAllKinds) {
    if (name == FindingKindName(k)) return k;
  }
  for (const KindAlias& a : kKindAliases) {
    if (name == a.name) return a.kind;
  }
  return std::nullopt;
}

std::optional<SuppressionField> FieldByName(std::string_view name) {
  for (const FieldName& f : kFields) {
    if (name == f.name) return f.field;
  }
  return std::nullopt;
}

std::string KnownWords() {
  std::string out = "kinds:";
  for (FindingKind k : kAllKinds) out += std::string(" ") + FindingKindName(k);
  for (const KindAlias& a : kKindAliases) out += std::string(" ") + a.name;
  out += " *; fields:";
  for (const FieldName& f : kFields) out += std::string(" ") + f.name;
  return out;
}

// Parses one non-empty, comment-free rule. Returns "" or the problem.
std::string ParseRule(std::string_view text, SuppressionRule* rule) {
  size_t colon = text.find(':');
  if (colon == std::string_view::npos) {
    return fmt::format("'{}' is not a rule: expected [KIND:]FIELD:GLOB or KIND:GLOB",
                       ShownInError(text));
  }
  std::string_view first = TrimBlanks(text.substr(0, colon));
  std::string_view rest = text.substr(colon + 1);
  if (auto field = FieldByName(first)) {  // FIELD:GLOB, any kind
    rule->field = *field;
  } else {
    if (first != "*") {
      auto kind = KindByName(first);
      if (!kind) return fmt::format("unknown kind or field '{}' ({})", ShownInError(first), KnownWords());
      rule->any_kind = false;
      rule->kind = *kind;
    }
    size_t colon2 = rest.find(':');
    if (colon2 != std::string_view::npos) {
      if (auto field = FieldByName(TrimBlanks(rest.substr(0, colon2)))) {
        rule->field = *field;
        rest = rest.substr(colon2 + 1);
      }
    }
  }
  rule->pattern = std::string(TrimBlanks(rest));
  if (rule->pattern.empty()) return fmt::format("'{}' has an empty pattern", ShownInError(text));
  return "";
}

bool Glob(const std::string& pattern, const std::string& s) {
  return !s.empty() && fnmatch(pattern.c_str(), s.c_str(), 0) == 0;
}

// Tries `rule` against every frame of `stack`.
bool MatchStack(const SuppressionRule& rule, const Stack& stack, std::string* matched) {
  bool any = rule.field == SuppressionField::kAny;
  for (const Frame& f : stack) {
    if ((any || rule.field == SuppressionField::kFunction) && Glob(rule.pattern, f.function)) {
      *matched = "function " + f.function;
      return true;
    }
    if ((any || rule.field == SuppressionField::kFile) && Glob(rule.pattern, f.file)) {
      *matched = "file " + f.file;
      return true;
    }
    if ((any || rule.field == SuppressionField::kModule) && Glob(rule.pattern, f.module)) {
      *matched = "module " + f.module;
      return true;
    }
  }
  return false;
}

bool MatchRule(const SuppressionRule& rule, const Finding& finding, std::string* matched) {
  if (!rule.any_kind && rule.kind != finding.kind) return false;
  bool any = rule.field == SuppressionField::kAny;
  if (any || rule.field == SuppressionField::kLock) {
    for (const LockRef& l : finding.locks) {
      if (Glob(rule.pattern, l.name)) {
        *matched = "lock " + l.name;
        return true;
      }
    }
  }
  if (rule.field == SuppressionField::kThread) {
    for (const ThreadRef& t : finding.threads) {
      if (Glob(rule.pattern, t.name)) {
        *matched = "thread " + t.name;
        return true;
      }
    }
    return false;
  }
  if (rule.field == SuppressionField::kLock) return false;
  for (const EdgeEvidence& e : finding.edges) {
    if (MatchStack(rule, e.acquire_stack, matched) || MatchStack(rule, e.held_stack, matched)) {
      return true;
    }
  }
  for (const Stack& s : finding.extra_stacks) {
    if (MatchStack(rule, s, matched)) return true;
  }
  for (const LockRef& l : finding.locks) {
    if (MatchStack(rule, l.first_stack, matched)) return true;
  }
  for (const ThreadRef& t : finding.threads) {
    if (MatchStack(rule, t.create_stack, matched)) return true;
  }
  return false;
}

}  // namespace

bool ParseSuppressions(std::string_view text, const std::string& name, Suppressions* out,
                       std::string* error) {
  std::vector<SuppressionRule> rules;
  int line_no = 0;
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t nl = text.find('\n', pos);
    if (nl == std::string_view::npos) nl = text.size();
    std::string_view line = text.substr(pos, nl - pos);
    pos = nl + 1;
    ++line_no;
    if (line.find('\0') != std::string_view::npos) {
      *error = fmt::format("{}:{}: NUL byte: not a text file", name, line_no);
      return false;
    }
    size_t hash = line.find('#');  // a comment runs to the end of the line
    if (hash != std::string_view::npos) line = line.substr(0, hash);
    line = TrimBlanks(line);
    if (line.empty()) continue;
    SuppressionRule rule;
    std::string problem = ParseRule(line, &rule);
    if (!problem.empty()) {
      *error = fmt::format("{}:{}: {}", name, line_no, problem);
      return false;
    }
    rule.text = std::string(line);
    rule.file = name;
    rule.line = line_no;
    rules.push_back(std::move(rule));
  }
  out->rules.insert(out->rules.end(), rules.begin(), rules.end());
  out->files.push_back(name);
  return true;
}

bool LoadSuppressions(const std::string& path, Suppressions* out, std::string* error) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    *error = fmt::format("{}: cannot read suppressions: is a directory", path);
    return false;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    *error = fmt::format("{}: cannot read suppressions: {}", path, std::strerror(errno));
    return false;
  }
  std::ostringstream buffer;
  buffer << in.rdbuf();
  if (in.bad()) {
    *error = fmt::format("{}: cannot read suppressions: {}", path, std::strerror(errno));
    return false;
  }
  return ParseSuppressions(buffer.str(), path, out, error);
}

const SuppressionRule* MatchSuppression(const Suppressions& suppressions, const Finding& finding,
                                        std::string* matched) {
  for (const SuppressionRule& rule : suppressions.rules) {
    if (MatchRule(rule, finding, matched)) return &rule;
  }
  return nullptr;
}

void ApplySuppressions(const Suppressions& suppressions, Report* report) {
  if (suppressions.rules.empty()) return;
  std::vector<Finding> kept;
  for (Finding& f : report->findings) {
    std::string matched;
    const SuppressionRule* rule = MatchSuppression(suppressions, f, &matched);
    if (rule == nullptr) {
      kept.push_back(std::move(f));
      continue;
    }
    SuppressedFinding s;
    s.finding = std::move(f);
    s.rule = rule->text;
    s.rule_file = rule->file;
    s.rule_line = rule->line;
    s.matched = std::move(matched);
    report->suppressed_findings.push_back(std::move(s));
  }
  report->findings = std::move(kept);
}

}  // namespace analysis
}  // namespace lockscope
