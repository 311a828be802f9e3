#include "html_report.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "escape.h"

namespace lockscope {
namespace viz {
namespace {

using analysis::EdgeEvidence;
using analysis::Finding;
using analysis::FindingKind;
using analysis::Frame;
using analysis::LockRef;
using analysis::Report;

const char kHostile[] = "<script>alert('x')</script> & \"q\"\n\xff\xfe";

Frame At(const std::string& fn, const std::string& file, int line) {
  Frame f;
  f.function = fn;
  f.file = file;
  f.line = line;
  return f;
}

Report CycleReport(const std::string& lock_name, const std::string& thread_name) {
  Report r;
  r.tool_version = "test";
  r.traces.emplace_back();
  r.traces[0].exe = "/bin/bank";
  Finding f;
  f.kind = FindingKind::kLockOrderCycle;
  f.severity = "error";
  f.summary = "potential deadlock: lock-order cycle";
  f.story = "Transfer and Audit take the locks in opposite orders.";
  f.locks.resize(2);
  f.locks[0].lock_id = 1;
  f.locks[0].name = lock_name;
  f.locks[1].lock_id = 2;
  f.locks[1].name = "g_audit_mu";
  for (int i = 0; i < 2; ++i) {
    EdgeEvidence e;
    e.from = i;
    e.to = 1 - i;
    e.tid = 11 + i;
    e.acquire_stack = {At(i == 0 ? "Transfer" : "Audit", "/src/bank.cc", i == 0 ? 3 : 5)};
    e.held_stack = {At("Lock", "/src/bank.cc", 2)};
    f.edges.push_back(e);
  }
  f.threads.resize(2);
  f.threads[0].tid = 11;
  f.threads[0].name = thread_name;
  f.threads[1].tid = 12;
  f.threads[1].name = "T2";
  f.scenario = {{11, "lock(a)"}, {12, "lock(b)"}};
  r.findings.push_back(f);
  return r;
}

HtmlOptions WithSource(std::vector<std::string> lines) {
  HtmlOptions o;
  o.read_source = [lines](const std::string& path, std::vector<std::string>* out) {
    if (path != "/src/bank.cc") return false;
    *out = lines;
    return true;
  };
  o.context_lines = 1;
  return o;
}

TEST(HtmlReportTest, SelfContainedPageWithSummaryStoryAndGraph) {
  std::string html = RenderHtml(CycleReport("g_accounts_mu", "T1"), HtmlOptions());
  EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0u);
  EXPECT_NE(html.find("<table class=\"summary\">"), std::string::npos);
  EXPECT_NE(html.find("href=\"#finding-1\""), std::string::npos);
  EXPECT_NE(html.find("Transfer and Audit take the locks in opposite orders."), std::string::npos);
  EXPECT_NE(html.find("<div class=\"graph\"><svg"), std::string::npos) << html;
  EXPECT_EQ(html.find("<?xml"), std::string::npos);  // the SVG prolog is stripped when inlined
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_EQ(html.find("<link"), std::string::npos);
  EXPECT_EQ(html.find("only in the source"), std::string::npos);  // no --static results
  EXPECT_NE(html.find("SUMMARY: lockscope: 1 finding (1 lock-order-cycle), 0 suppressed"),
            std::string::npos);
}

TEST(HtmlReportTest, StaticMergeIsShown) {
  Report r = CycleReport("g_accounts_mu", "T1");
  r.findings[0].confirmed_by_source = "lock-order-cycle bank.cc:3 <static>";
  r.static_only = {"rwlock-upgrade: Deregister takes g_clients_mu exclusively <& shared>"};
  std::string html = RenderHtml(r, HtmlOptions());
  EXPECT_NE(html.find("Confirmed by source (lockscope static): lock-order-cycle bank.cc:3 "
                      "&lt;static&gt;"),
            std::string::npos);
  EXPECT_NE(html.find("<h2>Found only in the source</h2>"), std::string::npos);
  EXPECT_NE(html.find("<li>rwlock-upgrade: Deregister takes g_clients_mu exclusively &lt;&amp; "
                      "shared&gt;</li>"),
            std::string::npos);
}

TEST(HtmlReportTest, SourceLinesAroundEachFrameAreShownAndEscaped) {
  std::string html =
      RenderHtml(CycleReport("a", "T1"),
                 WithSource({"int x;", "void Lock() {", "  std::lock_guard<M> g(a); // a & b",
                             "}", "  b.lock();", "<script>"}));
  EXPECT_NE(html.find("<span class=\"hl\">    3    std::lock_guard&lt;M&gt; g(a); // a &amp; b"
                      "</span>"),
            std::string::npos)
      << html;
  EXPECT_NE(html.find("    4  }"), std::string::npos);
  EXPECT_NE(html.find("&lt;script&gt;"), std::string::npos);  // line 6, context of Audit:5
  EXPECT_EQ(html.find("<script>"), std::string::npos);
}

TEST(HtmlReportTest, UnreadableOrShortSourceIsSkipped) {
  Report r = CycleReport("a", "T1");
  r.findings[0].edges[0].acquire_stack[0].line = 999;
  std::string html = RenderHtml(r, WithSource({"only one line"}));
  EXPECT_EQ(html.find("    999"), std::string::npos);
  EXPECT_NE(html.find("/src/bank.cc:999"), std::string::npos);
}

TEST(HtmlReportTest, HostileNamesAreEscapedEverywhere) {
  Report r = CycleReport(kHostile, kHostile);
  r.findings[0].summary = kHostile;
  r.findings[0].story = kHostile;
  r.traces[0].exe = kHostile;
  r.traces[0].warnings = {kHostile};
  analysis::SuppressedCandidate s;
  s.reason_id = "gate-lock";
  s.reason = kHostile;
  s.locks = r.findings[0].locks;
  r.suppressed.push_back(s);
  std::string html = RenderHtml(r, HtmlOptions());
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_EQ(html.find("alert('x')"), std::string::npos);
  EXPECT_NE(html.find("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;"),
            std::string::npos);
  EXPECT_EQ(SanitizeUtf8(html), html);  // no invalid UTF-8 left
}

TEST(HtmlReportTest, ThreadDumpsWithStatesStacksAndHeldLocks) {
  Report r = CycleReport("g_mu", "T1");
  analysis::ThreadAtEnd running;
  running.thread.tid = 43;
  running.thread.name = "T1";
  running.state = "running";
  analysis::Frame spin;
  spin.function = "Spin";
  running.stack = {spin};
  analysis::LockRef mu;
  mu.name = "g_mu";
  running.held = {mu};
  analysis::ThreadAtEnd blocked;
  blocked.thread.tid = 44;
  blocked.thread.name = "T2";
  blocked.state = "blocked";
  blocked.since = "+0.5 s";
  blocked.waiting = "acquiring g_mu, held by thread T1";
  analysis::ThreadDump d;
  d.number = 2;
  d.at = "+1.000 s";
  d.reason = "signal";
  d.threads = {running, blocked};
  r.traces[0].thread_dumps = {d};
  std::string html = RenderHtml(r, HtmlOptions());
  EXPECT_NE(html.find("<h2>Thread dump 2 at +1.000 s (reason: signal; pid "), std::string::npos)
      << html;
  EXPECT_NE(html.find("<h3>T1 (tid 43) running</h3>\n<ol class=\"stack\" start=\"0\">\n<li>Spin"),
            std::string::npos)
      << html;
  EXPECT_NE(html.find("<p>holds <code>g_mu</code></p>"), std::string::npos);
  EXPECT_NE(html.find("T2 (tid 44) blocked since +0.5 s: acquiring g_mu, held by thread T1"),
            std::string::npos);
}

TEST(HtmlReportTest, EscapeXml) {
  EXPECT_EQ(EscapeXml("<a href=\"x\">&'"), "&lt;a href=&quot;x&quot;&gt;&amp;&#39;");
  EXPECT_EQ(EscapeXml("a\x01" "b\xff"), "a\xEF\xBF\xBD" "b\xEF\xBF\xBD");
  EXPECT_EQ(EscapeXml("caf\xC3\xA9\n"), "caf\xC3\xA9\n");
  EXPECT_EQ(SanitizeUtf8("\xC0\xAF"), "\xEF\xBF\xBD\xEF\xBF\xBD");  // overlong '/'
}

}  // namespace
}  // namespace viz
}  // namespace lockscope
