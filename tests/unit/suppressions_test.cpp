// Unit tests for analyzer/suppressions: the rule grammar (kinds, aliases, fields, comments,
// errors with line numbers) and matching on hand-built findings, plus how the text, JSON and
// SARIF reports show what was suppressed.

#include "suppressions.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "json_report.h"
#include "sarif_report.h"
#include "text_report.h"

namespace lockscope {
namespace analysis {
namespace {

Frame MakeFrame(const std::string& function, const std::string& file, int line) {
  Frame f;
  f.pc = 0x401000 + static_cast<uint64_t>(line);
  f.module = "/opt/app/bin/server";
  f.function = function;
  f.file = file;
  f.line = line;
  return f;
}

// An AB-BA cycle between g_accounts_mu and g_audit_mu, taken in Backend::Flush and Audit::Log.
Finding CycleFinding() {
  Finding f;
  f.kind = FindingKind::kLockOrderCycle;
  f.summary = "potential deadlock: lock-order cycle between 2 locks";
  f.pid = 42;
  LockRef a, b;
  a.lock_id = 1;
  a.name = "g_accounts_mu";
  b.lock_id = 2;
  b.name = "g_audit_mu";
  f.locks = {a, b};
  f.cycle_locks = 2;
  EdgeEvidence e1, e2;
  e1.from = 0;
  e1.to = 1;
  e1.acquire_stack = {MakeFrame("Backend::Flush(int)", "/src/app/backend.cc", 31),
                      MakeFrame("main", "/src/app/main.cc", 9)};
  e2.from = 1;
  e2.to = 0;
  e2.acquire_stack = {MakeFrame("Audit::Log()", "/src/third_party/audit/log.cc", 77)};
  f.edges = {e1, e2};
  ThreadRef t;
  t.tid = 43;
  t.name = "T1 (flusher)";
  f.threads = {t};
  return f;
}

Finding LeakFinding() {
  Finding f;
  f.kind = FindingKind::kLeakedThread;
  f.summary = "thread T2 was never joined";
  f.extra_stacks = {{MakeFrame("StartWorker()", "/src/app/pool.cc", 12)}};
  return f;
}

Suppressions Parse(const std::string& text) {
  Suppressions s;
  std::string error;
  EXPECT_TRUE(ParseSuppressions(text, "supp.txt", &s, &error)) << error;
  return s;
}

std::string ParseError(const std::string& text) {
  Suppressions s;
  std::string error;
  EXPECT_FALSE(ParseSuppressions(text, "supp.txt", &s, &error));
  EXPECT_EQ(error.find('\n'), std::string::npos) << error;
  return error;
}

TEST(SuppressionsTest, ParsesKindsFieldsCommentsAndBlankLines) {
  Suppressions s = Parse(
      "# lockscope suppressions\n"
      "\n"
      "lock-order-inversion:fun:*Backend::*   # known, tracked in BUG-12\n"
      "  lock:g_audit_mu  \n"
      "file:*/third_party/*\r\n"
      "deadlock:Audit::Log*\n"
      "*:module:*libfoo.so\n"
      "leaked-thread:thread:T2*\n");
  ASSERT_EQ(s.rules.size(), 6u);
  EXPECT_FALSE(s.rules[0].any_kind);
  EXPECT_EQ(s.rules[0].kind, FindingKind::kLockOrderCycle);
  EXPECT_EQ(s.rules[0].field, SuppressionField::kFunction);
  EXPECT_EQ(s.rules[0].pattern, "*Backend::*");
  EXPECT_EQ(s.rules[0].text, "lock-order-inversion:fun:*Backend::*");
  EXPECT_EQ(s.rules[0].line, 3);
  EXPECT_TRUE(s.rules[1].any_kind);
  EXPECT_EQ(s.rules[1].field, SuppressionField::kLock);
  EXPECT_EQ(s.rules[1].pattern, "g_audit_mu");
  EXPECT_EQ(s.rules[1].line, 4);
  EXPECT_EQ(s.rules[2].field, SuppressionField::kFile);
  EXPECT_EQ(s.rules[2].pattern, "*/third_party/*");
  EXPECT_EQ(s.rules[3].field, SuppressionField::kAny);  // TSan style: kind:pattern
  EXPECT_EQ(s.rules[3].kind, FindingKind::kLockOrderCycle);
  EXPECT_TRUE(s.rules[4].any_kind);
  EXPECT_EQ(s.rules[4].field, SuppressionField::kModule);
  EXPECT_EQ(s.rules[5].kind, FindingKind::kLeakedThread);
  EXPECT_EQ(s.rules[5].field, SuppressionField::kThread);
}

TEST(SuppressionsTest, MalformedLinesNameTheLine) {
  EXPECT_EQ(ParseError("lock:a\nno colon here\n"),
            "supp.txt:2: 'no colon here' is not a rule: expected [KIND:]FIELD:GLOB or KIND:GLOB");
  std::string unknown = ParseError("\n\nlock-order-inversoin:fun:x\n");
  EXPECT_EQ(unknown.rfind("supp.txt:3: unknown kind or field 'lock-order-inversoin'", 0), 0u)
      << unknown;
  EXPECT_NE(unknown.find("lock-order-cycle"), std::string::npos);  // lists the known words
  EXPECT_EQ(ParseError("fun:   # nothing left\n"), "supp.txt:1: 'fun:' has an empty pattern");
  EXPECT_EQ(ParseError("deadlock:fun:\n"), "supp.txt:1: 'deadlock:fun:' has an empty pattern");
  EXPECT_EQ(ParseError(std::string("lock:a\0b\n", 9)), "supp.txt:1: NUL byte: not a text file");
  EXPECT_EQ(ParseError("\x1b]0;pwned\x07:x\n").rfind("supp.txt:1: unknown kind or field "
                                                   "'\\x1b]0;pwned\\x07'", 0),
            0u);
}

TEST(SuppressionsTest, ErrorLeavesNothingApplied) {
  Suppressions s;
  std::string error;
  EXPECT_FALSE(ParseSuppressions("lock:g_audit_mu\nbogus\n", "a", &s, &error));
  EXPECT_TRUE(s.rules.empty());
}

TEST(SuppressionsTest, LoadReportsUnreadableFiles) {
  Suppressions s;
  std::string error;
  EXPECT_FALSE(LoadSuppressions("/nonexistent/lockscope.supp", &s, &error));
  EXPECT_EQ(error, "/nonexistent/lockscope.supp: cannot read suppressions: No such file or directory");
  EXPECT_FALSE(LoadSuppressions("/", &s, &error));
  EXPECT_EQ(error, "/: cannot read suppressions: is a directory");
  std::string path = ::testing::TempDir() + "/suppressions_test.supp";
  std::ofstream(path) << "lock:g_audit_mu\n";
  EXPECT_TRUE(LoadSuppressions(path, &s, &error)) << error;
  ASSERT_EQ(s.rules.size(), 1u);
  EXPECT_EQ(s.rules[0].file, path);
  std::remove(path.c_str());
}

TEST(SuppressionsTest, MatchesByFunctionFileLockThreadAndKind) {
  Finding cycle = CycleFinding();
  Finding leak = LeakFinding();
  std::string matched;
  struct Case {
    const char* rule;
    bool cycle;
    bool leak;
    const char* matched;  // for the cycle, when it matches
  };
  const Case cases[] = {
      {"lock-order-inversion:fun:*Backend::*", true, false, "function Backend::Flush(int)"},
      {"fun:*Backend::*", true, false, "function Backend::Flush(int)"},
      {"fun:Backend::Flush", false, false, ""},  // whole-string match: parameters differ
      {"lock:g_audit_mu", true, false, "lock g_audit_mu"},
      {"lock:g_audit", false, false, ""},
      {"file:*/third_party/*", true, false, "file /src/third_party/audit/log.cc"},
      {"src:*/pool.cc", false, true, ""},
      {"module:*/bin/server", true, true, "module /opt/app/bin/server"},
      {"thread:*flusher*", true, false, "thread T1 (flusher)"},
      {"leaked-thread:fun:StartWorker*", false, true, ""},
      {"data-race:lock:*", false, false, ""},  // wrong kind
      {"deadlock:g_accounts_mu", true, false, "lock g_accounts_mu"},  // TSan style, any field
      {"*:fun:main", true, false, "function main"},
  };
  for (const Case& c : cases) {
    Suppressions s = Parse(c.rule);
    EXPECT_EQ(MatchSuppression(s, cycle, &matched) != nullptr, c.cycle) << c.rule;
    if (c.cycle) {
      EXPECT_EQ(matched, c.matched) << c.rule;
    }
    EXPECT_EQ(MatchSuppression(s, leak, &matched) != nullptr, c.leak) << c.rule;
  }
}

TEST(SuppressionsTest, FirstMatchingRuleWins) {
  Suppressions s = Parse("lock:nothing\nfun:main\nlock:g_audit_mu\n");
  std::string matched;
  const SuppressionRule* rule = MatchSuppression(s, CycleFinding(), &matched);
  ASSERT_NE(rule, nullptr);
  EXPECT_EQ(rule->line, 2);
}

Report TwoFindings() {
  Report r;
  TraceSummary t;
  t.path = "t.lstrace";
  t.pid = 42;
  r.traces.push_back(t);
  r.findings = {CycleFinding(), LeakFinding()};
  return r;
}

TEST(SuppressionsTest, ApplyMovesFindingsWithTheirRule) {
  Report r = TwoFindings();
  ApplySuppressions(Parse("\nlock:g_audit_mu\n"), &r);
  ASSERT_EQ(r.findings.size(), 1u);
  EXPECT_EQ(r.findings[0].kind, FindingKind::kLeakedThread);
  ASSERT_EQ(r.suppressed_findings.size(), 1u);
  const SuppressedFinding& s = r.suppressed_findings[0];
  EXPECT_EQ(s.finding.kind, FindingKind::kLockOrderCycle);
  EXPECT_EQ(s.rule, "lock:g_audit_mu");
  EXPECT_EQ(s.rule_file, "supp.txt");
  EXPECT_EQ(s.rule_line, 2);
  EXPECT_EQ(s.matched, "lock g_audit_mu");

  Report untouched = TwoFindings();
  ApplySuppressions(Suppressions{}, &untouched);
  EXPECT_EQ(untouched.findings.size(), 2u);
  EXPECT_TRUE(untouched.suppressed_findings.empty());
}

TEST(SuppressionsTest, ReportsCountAndListSuppressedFindings) {
  Report r = TwoFindings();
  ApplySuppressions(Parse("lock:g_audit_mu\n"), &r);
  viz::TextOptions quiet;
  std::string text = viz::RenderText(r, quiet);
  EXPECT_NE(text.find("(1 finding suppressed by rules; --verbose lists them)"), std::string::npos)
      << text;
  EXPECT_EQ(text.find("g_audit_mu"), std::string::npos) << text;  // the finding is gone
  viz::TextOptions verbose;
  verbose.verbose = true;
  text = viz::RenderText(r, verbose);
  EXPECT_NE(text.find("lockscope: 1 finding suppressed by rules:\n  lock-order-cycle: potential "
                      "deadlock: lock-order cycle between 2 locks (pid 42)\n    rule "
                      "'lock:g_audit_mu' (supp.txt:1) matched lock g_audit_mu\n"),
            std::string::npos)
      << text;

  nlohmann::json doc = nlohmann::json::parse(viz::RenderJson(r));
  EXPECT_EQ(doc["summary"]["findings"], 1);
  EXPECT_EQ(doc["summary"]["suppressed_by_rules"], 1);
  ASSERT_EQ(doc["suppressed_by_rules"].size(), 1u);
  EXPECT_EQ(doc["suppressed_by_rules"][0]["kind"], "lock-order-cycle");
  EXPECT_EQ(doc["suppressed_by_rules"][0]["rule"]["text"], "lock:g_audit_mu");
  EXPECT_EQ(doc["suppressed_by_rules"][0]["rule"]["line"], 1);
  EXPECT_EQ(doc["suppressed_by_rules"][0]["matched"], "lock g_audit_mu");

  nlohmann::json sarif = nlohmann::json::parse(viz::RenderSarif(r));
  int with_suppressions = 0;
  for (const auto& result : sarif["runs"][0]["results"]) {
    if (result.contains("suppressions")) ++with_suppressions;
  }
  EXPECT_EQ(with_suppressions, 1);
}

}  // namespace
}  // namespace analysis
}  // namespace lockscope
