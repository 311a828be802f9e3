// Unit tests for viz/json_report: the document parses back, carries schema_version 1 and the
// documented fields, and hostile strings from the traced program cannot break it.

#include "json_report.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

namespace lockscope {
namespace viz {
namespace {

using analysis::Finding;
using analysis::FindingKind;
using analysis::Report;
using nlohmann::json;

Report CycleReport() {
  Report r;
  r.tool_version = "0.1.0";
  analysis::TraceSummary t;
  t.path = "/tmp/t/abba.1234.lstrace";
  t.pid = 1234;
  t.exe = "/tmp/abba";
  t.threads = 3;
  t.locks = 2;
  t.records = 40;
  t.clean_exit = true;
  t.warnings = {"3 records dropped"};
  r.traces.push_back(t);

  Finding f;
  f.kind = FindingKind::kLockOrderCycle;
  f.severity = "error";
  f.summary = "potential deadlock";
  f.pid = 1234;
  f.trace_path = t.path;
  analysis::LockRef a, b;
  a.lock_id = 1;
  a.name = "g_accounts_mu";
  a.kind = "mutex";
  a.address = 0x55aa00;
  a.name_from_symbol = true;
  b = a;
  b.lock_id = 2;
  b.name = "g_audit_mu";
  b.address = 0x55aa40;
  f.locks = {a, b};
  analysis::Frame frame;
  frame.pc = 0x401234;
  frame.module = "/tmp/abba";
  frame.module_offset = 0x1234;
  frame.function = "Transfer()";
  frame.file = "abba.cpp";
  frame.line = 31;
  analysis::EdgeEvidence e1;
  e1.from = 0;
  e1.to = 1;
  e1.from_mode = "exclusive";
  e1.to_mode = "shared";
  e1.tid = 11;
  e1.count = 3;
  e1.acquire_stack = {frame};
  e1.held_stack = {frame};
  e1.also_held = {1};
  analysis::EdgeEvidence e2 = e1;
  e2.from = 1;
  e2.to = 0;
  e2.tid = 12;
  e2.try_acquire = true;
  f.edges = {e1, e2};
  f.threads = {{11, "T1", 10, {frame}}, {12, "T2", 10, {}}};
  f.scenario = {{11, "lock(g_accounts_mu)"}, {12, "rlock(g_audit_mu)"}};
  f.extra_stacks = {{frame}};
  f.extra_stack_titles = {"Misuse here"};
  r.findings.push_back(f);
  Finding misuse;
  misuse.kind = FindingKind::kApiMisuse;
  misuse.subkind = "unlock-not-held";
  r.findings.push_back(misuse);

  analysis::SuppressedCandidate s;
  s.kind = FindingKind::kLockOrderCycle;
  s.reason_id = "gate-lock";
  s.reason = "both edges are taken under g_gate";
  s.locks = {a};
  s.tids = {11, 12};
  r.suppressed.push_back(s);
  return r;
}

TEST(JsonReportTest, ParsesBackWithSchemaAndFields) {
  json doc = json::parse(RenderJson(CycleReport()));
  EXPECT_EQ(doc["tool"], "lockscope");
  EXPECT_EQ(doc["version"], "0.1.0");
  EXPECT_EQ(doc["schema_version"], 1);
  ASSERT_EQ(doc["traces"].size(), 1u);
  EXPECT_EQ(doc["traces"][0]["pid"], 1234);
  EXPECT_EQ(doc["traces"][0]["warnings"][0], "3 records dropped");
  ASSERT_EQ(doc["findings"].size(), 2u);
  const json& f = doc["findings"][0];
  EXPECT_EQ(f["kind"], "lock-order-cycle");
  EXPECT_EQ(f["severity"], "error");
  EXPECT_EQ(f["hung"], false);
  EXPECT_EQ(f["pid"], 1234);
  EXPECT_EQ(f["locks"][0]["name"], "g_accounts_mu");
  EXPECT_EQ(f["locks"][0]["address"], "0x55aa00");
  EXPECT_EQ(f["locks"][0]["name_from_symbol"], true);
  EXPECT_EQ(f["locks"][1]["id"], 2);
  const json& e = f["edges"][0];
  EXPECT_EQ(e["from"], 0);
  EXPECT_EQ(e["to"], 1);
  EXPECT_EQ(e["to_mode"], "shared");
  EXPECT_EQ(e["thread"], "T1");
  EXPECT_EQ(e["count"], 3);
  EXPECT_EQ(e["try"], false);
  EXPECT_EQ(f["edges"][1]["try"], true);
  EXPECT_EQ(e["also_held"], json::array({1}));
  const json& frame = e["acquire_stack"][0];
  EXPECT_EQ(frame["pc"], "0x401234");
  EXPECT_EQ(frame["offset"], "0x1234");
  EXPECT_EQ(frame["function"], "Transfer()");
  EXPECT_EQ(frame["file"], "abba.cpp");
  EXPECT_EQ(frame["line"], 31);
  EXPECT_EQ(frame["module"], "/tmp/abba");
  EXPECT_EQ(f["threads"][0]["parent_tid"], 10);
  EXPECT_EQ(f["scenario"][1]["action"], "rlock(g_audit_mu)");
  EXPECT_EQ(f["scenario"][1]["thread"], "T2");
  EXPECT_EQ(f["extra_stacks"][0]["title"], "Misuse here");
  EXPECT_EQ(doc["findings"][1]["kind"], "api-misuse");
  EXPECT_EQ(doc["findings"][1]["subkind"], "unlock-not-held");
  EXPECT_EQ(doc["suppressed"][0]["reason_id"], "gate-lock");
  EXPECT_EQ(doc["suppressed"][0]["tids"], json::array({11, 12}));
  EXPECT_EQ(doc["summary"]["findings"], 2);
  EXPECT_EQ(doc["summary"]["by_kind"]["lock-order-cycle"], 1);
  EXPECT_EQ(doc["summary"]["by_kind"]["api-misuse"], 1);
  EXPECT_EQ(doc["summary"]["suppressed"], 1);
}

TEST(JsonReportTest, EmptyReportIsValid) {
  json doc = json::parse(RenderJson(Report{}));
  EXPECT_EQ(doc["schema_version"], 1);
  EXPECT_TRUE(doc["findings"].is_array());
  EXPECT_TRUE(doc["findings"].empty());
  EXPECT_TRUE(doc["summary"]["by_kind"].is_object());
  EXPECT_EQ(doc["summary"]["findings"], 0);
}

TEST(JsonReportTest, HostileStringsCannotBreakTheDocument) {
  Report r = CycleReport();
  const std::string hostile = "a\"b\\c\nd\te</script><script>alert(1)</script>\x01";
  const std::string bad_utf8 = std::string("mu_\xff\xfe\xc3", 6) + "end";
  r.findings[0].locks[0].name = hostile;
  r.findings[0].locks[1].name = bad_utf8;
  r.findings[0].story = bad_utf8 + hostile;
  r.traces[0].cmdline = std::string("prog\0arg", 8);
  std::string text;
  ASSERT_NO_THROW(text = RenderJson(r));
  json doc;
  ASSERT_NO_THROW(doc = json::parse(text));
  EXPECT_EQ(doc["findings"][0]["locks"][0]["name"], hostile);
  std::string replaced = doc["findings"][0]["locks"][1]["name"];
  EXPECT_EQ(replaced.rfind("mu_", 0), 0u);
  EXPECT_NE(replaced.find("\xEF\xBF\xBD"), std::string::npos);  // U+FFFD
  EXPECT_EQ(doc["traces"][0]["cmdline"].get<std::string>().size(), 8u);
  // No raw newline inside any string: every line of the output is structural.
  EXPECT_EQ(text.find("d\te"), std::string::npos);
}

}  // namespace
}  // namespace viz
}  // namespace lockscope
