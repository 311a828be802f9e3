// Shape checks; tests/e2e/test_sarif.py validates real output against the SARIF 2.1.0 schema.
#include "sarif_report.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <set>
#include <string>

namespace lockscope {
namespace viz {
namespace {

using analysis::EdgeEvidence;
using analysis::Finding;
using analysis::FindingKind;
using analysis::Frame;
using analysis::Report;
using json = nlohmann::json;

Frame At(const std::string& fn, const std::string& file, int line) {
  Frame f;
  f.function = fn;
  f.file = file;
  f.line = line;
  return f;
}

Report CycleReport(const std::string& name, const std::string& file) {
  Report r;
  Finding f;
  f.kind = FindingKind::kLockOrderCycle;
  f.severity = "error";
  f.summary = "cycle " + name;
  f.locks.resize(2);
  f.locks[0].name = name;
  f.locks[1].name = "b";
  for (int i = 0; i < 2; ++i) {
    EdgeEvidence e;
    e.from = i;
    e.to = 1 - i;
    e.tid = 11 + i;
    e.acquire_stack = {At("pthread_mutex_lock", "", 0), At("Take", file, 10 + i)};
    e.held_stack = {At("Hold", file, 20 + i)};
    f.edges.push_back(e);
  }
  r.findings.push_back(f);
  return r;
}

TEST(SarifReportTest, RulePerKindResultsLocationsAndThreadFlows) {
  json doc = json::parse(RenderSarif(CycleReport("a", "/src/bank.cc")));
  EXPECT_EQ(doc["version"], "2.1.0");
  const json& run = doc["runs"][0];
  std::set<std::string> ids;
  for (const auto& rule : run["tool"]["driver"]["rules"]) {
    ids.insert(rule["id"].get<std::string>());
    EXPECT_FALSE(rule["help"]["text"].get<std::string>().empty());
  }
  EXPECT_EQ(ids.size(), 10u);
  EXPECT_EQ(ids.count("rwlock-upgrade"), 1u);
  const json& result = run["results"][0];
  EXPECT_EQ(result["ruleId"], "lock-order-cycle");
  EXPECT_EQ(run["tool"]["driver"]["rules"][result["ruleIndex"].get<int>()]["id"], "lock-order-cycle");
  EXPECT_EQ(result["level"], "error");
  const json& loc = result["locations"][0]["physicalLocation"];
  EXPECT_EQ(loc["artifactLocation"]["uri"], "file:///src/bank.cc");
  EXPECT_EQ(loc["region"]["startLine"], 10);  // skips the frame without a file
  const json& flows = result["codeFlows"][0]["threadFlows"];
  ASSERT_EQ(flows.size(), 2u);
  EXPECT_EQ(flows[1]["locations"][0]["location"]["physicalLocation"]["region"]["startLine"], 21);
  EXPECT_EQ(flows[1]["locations"][1]["location"]["message"]["text"],
            "thread 12 acquires a while holding b");
}

TEST(SarifReportTest, ConfirmedBySourceIsAResultProperty) {
  Report r = CycleReport("a", "/src/bank.cc");
  EXPECT_FALSE(json::parse(RenderSarif(r))["runs"][0]["results"][0].contains("properties"));
  r.findings[0].confirmed_by_source = "lock-order-cycle bank.cc:10";
  r.findings[0].test = "Bank.Transfer";
  json result = json::parse(RenderSarif(r))["runs"][0]["results"][0];
  EXPECT_EQ(result["properties"]["confirmedBySource"], "lock-order-cycle bank.cc:10");
  EXPECT_EQ(result["properties"]["test"], "Bank.Transfer");
}

TEST(SarifReportTest, SuppressedCandidatesAreInformationalWithJustification) {
  Report r;
  analysis::SuppressedCandidate s;
  s.reason_id = "gate-lock";
  s.reason = "both edges were taken under g_gate";
  r.suppressed.push_back(s);
  json result = json::parse(RenderSarif(r))["runs"][0]["results"][0];
  EXPECT_EQ(result["kind"], "informational");
  EXPECT_EQ(result["level"], "none");
  EXPECT_EQ(result["suppressions"][0]["justification"], "both edges were taken under g_gate");
}

TEST(SarifReportTest, HostileStringsStayValidJsonAndUris) {
  std::string hostile = "<script>\"&'\n\xff";
  json doc = json::parse(RenderSarif(CycleReport(hostile, "/src/" + hostile + ".cc")));
  const json& result = doc["runs"][0]["results"][0];
  EXPECT_EQ(result["message"]["text"], "cycle <script>\"&'\n\xEF\xBF\xBD");
  EXPECT_EQ(result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
            "file:///src/%3Cscript%3E%22%26%27%0A%FF.cc");
}

TEST(SarifReportTest, FileUri) {
  EXPECT_EQ(FileUri("/a b/c++.cc"), "file:///a%20b/c%2B%2B.cc");
  EXPECT_EQ(FileUri("rel/x.cc"), "rel/x.cc");
}

TEST(SarifReportTest, FindingsWithoutSourceHaveNoLocationsOrFlows) {
  Report r = CycleReport("a", "");
  json result = json::parse(RenderSarif(r))["runs"][0]["results"][0];
  EXPECT_FALSE(result.contains("locations"));
  EXPECT_FALSE(result.contains("codeFlows"));
}

}  // namespace
}  // namespace viz
}  // namespace lockscope
