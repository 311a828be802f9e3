// html_report.cpp — see html_report.h.

#include "html_report.h"

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>

#include "dot_graph.h"
#include "escape.h"
#include "frame_format.h"

namespace lockscope {
namespace viz {

using analysis::EdgeEvidence;
using analysis::Finding;
using analysis::Frame;
using analysis::Report;
using analysis::Stack;

namespace {

constexpr const char kCss[] = R"css(
body{font-family:-apple-system,"Segoe UI",Helvetica,Arial,sans-serif;margin:0;color:#1d2330;background:#f6f7f9;font-size:14px}
header{background:#1d2330;color:#fff;padding:14px 28px}
header h1{margin:0;font-size:20px}header p{margin:4px 0 0;color:#c5cad3;font-size:13px}
main{padding:8px 28px 28px;max-width:1500px}
h2{font-size:17px;margin:26px 0 8px}h3{font-size:14px;margin:16px 0 6px}
section.finding{background:#fff;border:1px solid #dde1e7;border-radius:6px;padding:6px 18px 14px;margin:18px 0}
table{border-collapse:collapse;background:#fff;margin:6px 0}
td,th{border:1px solid #dde1e7;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#eef1f5}
.kind{display:inline-block;white-space:nowrap;border-radius:3px;padding:1px 6px;color:#fff;font-size:12px;font-weight:600;background:#1f77b4}
.k-lock-order-cycle,.k-actual-deadlock,.k-comm-deadlock,.k-lost-wakeup{background:#d62728}
.k-leaked-thread{background:#8c564b}
.k-rwlock-upgrade{background:#e6550d}.k-recursive-read-hazard{background:#7b3294}
.k-contention{background:#b8860b}
.sev-error{color:#b00020;font-weight:600}.sev-warning{color:#a15c00}
.confirmed{color:#2a7a2a;font-weight:600}
.story{font-size:14.5px;line-height:1.45;max-width:1000px}
ol.stack{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:12.5px;margin:4px 0 8px;padding-left:36px}
ol.stack li{margin:2px 0}.loc{color:#5a6270}
pre.src{background:#f4f6fa;border-left:3px solid #c5cad3;margin:3px 0 6px;padding:4px 8px;font-size:12px;overflow-x:auto}
pre.src .hl{background:#ffe8a3;display:inline-block;width:100%}
.graph{overflow:auto;border:1px solid #dde1e7;border-radius:4px;background:#fff;padding:6px;margin:8px 0}
.graph svg{max-width:100%;height:auto}
.muted{color:#6b7280}footer{padding:10px 28px 30px;font-family:ui-monospace,monospace}
)css";

std::string E(const std::string& s) { return EscapeXml(s); }

// Graphviz SVG starts with an XML declaration and a DOCTYPE; inline SVG in HTML starts at <svg.
std::string InlineSvg(const Report& report, const DotOptions& options) {
  std::string svg, error;
  if (!RenderSvg(RenderDot(report, options), &svg, &error)) {
    return "<p class=\"muted\">(graph not rendered: " + E(error) + ")</p>";
  }
  size_t start = svg.find("<svg");
  return "<div class=\"graph\">" + (start == std::string::npos ? svg : svg.substr(start)) +
         "</div>\n";
}

class HtmlBuilder {
 public:
  HtmlBuilder(const Report& report, const HtmlOptions& options)
      : report_(report), options_(options) {}

  std::string Build() {
    out_ << "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
         << "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
         << "<title>lockscope report</title>\n<style>" << kCss << "</style>\n</head>\n<body>\n";
    Header();
    out_ << "<main>\n";
    SummaryTable();
    for (size_t i = 0; i < report_.findings.size(); ++i) FindingSection(i);
    WholeGraph();
    StaticOnly();
    ThreadDumps();
    Suppressed();
    Notes();
    out_ << "</main>\n<footer>" << E(SummaryLine()) << "</footer>\n</body>\n</html>\n";
    return out_.str();
  }

 private:
  void Header() {
    out_ << "<header><h1>lockscope report</h1><p>";
    for (const auto& t : report_.traces) {
      out_ << E(t.exe.empty() ? t.path : t.exe);
      if (t.pid != 0) out_ << " (pid " << t.pid << ")";
      if (!t.cmdline.empty()) out_ << " &mdash; <code>" << E(t.cmdline) << "</code>";
      out_ << "<br>";
    }
    out_ << "lockscope " << E(report_.tool_version) << "</p></header>\n";
  }

  void SummaryTable() {
    out_ << "<h2>Findings</h2>\n";
    if (report_.findings.empty()) {
      out_ << "<p>No findings.</p>\n";
      return;
    }
    out_ << "<table class=\"summary\"><tr><th>#</th><th>kind</th><th>severity</th>"
         << "<th>summary</th></tr>\n";
    for (size_t i = 0; i < report_.findings.size(); ++i) {
      const Finding& f = report_.findings[i];
      std::string kind = analysis::FindingKindName(f.kind);
      out_ << "<tr><td><a href=\"#finding-" << i + 1 << "\">" << i + 1 << "</a></td>"
           << "<td><span class=\"kind k-" << kind << "\">" << kind << "</span></td>"
           << "<td class=\"sev-" << E(f.severity) << "\">" << E(f.severity) << "</td><td>"
           << E(f.summary) << "</td></tr>\n";
    }
    out_ << "</table>\n";
  }

  void FindingSection(size_t index) {
    const Finding& f = report_.findings[index];
    std::string kind = analysis::FindingKindName(f.kind);
    out_ << "<section class=\"finding\" id=\"finding-" << index + 1 << "\">\n<h2>" << index + 1
         << ". <span class=\"kind k-" << kind << "\">" << kind
         << (f.subkind.empty() ? "" : " / " + E(f.subkind)) << "</span> " << E(f.summary)
         << "</h2>\n";
    if (!f.test.empty()) out_ << "<p class=\"test\">in test <code>" << E(f.test) << "</code></p>\n";
    if (!f.story.empty()) out_ << "<p class=\"story\">" << E(f.story) << "</p>\n";
    if (!f.confirmed_by_source.empty()) {
      out_ << "<p class=\"confirmed\">Confirmed by source (lockscope static): "
           << E(f.confirmed_by_source) << "</p>\n";
    }
    Report single;
    single.traces = report_.traces;
    single.findings.push_back(f);
    DotOptions dot;
    dot.legend = false;
    out_ << InlineSvg(single, dot);
    Locks(f);
    Threads(f);
    Scenario(f);
    Edges(f);
    for (size_t i = 0; i < f.extra_stacks.size(); ++i) {
      std::string title = i < f.extra_stack_titles.size() ? f.extra_stack_titles[i] : "stack";
      out_ << "<h3>" << E(title) << "</h3>\n";
      StackHtml(f.extra_stacks[i]);
    }
    out_ << "</section>\n";
  }

  void Locks(const Finding& f) {
    if (f.locks.empty()) return;
    out_ << "<h3>Locks</h3>\n<table><tr><th></th><th>name</th><th>kind</th><th>address</th>"
         << "<th>first locked at</th></tr>\n";
    for (size_t i = 0; i < f.locks.size(); ++i) {
      const auto& l = f.locks[i];
      char addr[32];
      std::snprintf(addr, sizeof(addr), "0x%llx", static_cast<unsigned long long>(l.address));
      out_ << "<tr><td>M" << i << "</td><td><code>" << E(l.name) << "</code></td><td>"
           << E(l.kind) << "</td><td>" << (l.address != 0 ? addr : "") << "</td><td>"
           << E(SiteText(l.first_stack)) << "</td></tr>\n";
    }
    out_ << "</table>\n";
  }

  void Threads(const Finding& f) {
    if (f.threads.empty()) return;
    out_ << "<h3>Threads</h3>\n<ul>\n";
    for (const auto& t : f.threads) {
      out_ << "<li><b>" << E(t.name) << "</b> (tid " << t.tid << ")";
      if (!t.create_stack.empty()) out_ << ", created at " << E(SiteText(t.create_stack));
      out_ << "</li>\n";
    }
    out_ << "</ul>\n";
  }

  // lockdep's "possible unsafe locking scenario": one column per thread, one row per step.
  void Scenario(const Finding& f) {
    if (f.scenario.empty()) return;
    std::vector<uint32_t> tids;
    for (const auto& s : f.scenario) {
      bool seen = false;
      for (uint32_t t : tids) seen = seen || t == s.tid;
      if (!seen) tids.push_back(s.tid);
    }
    out_ << "<h3>Possible unsafe locking scenario</h3>\n<table><tr>";
    for (uint32_t t : tids) out_ << "<th>" << E(ThreadName(f, t)) << "</th>";
    out_ << "</tr>\n";
    for (const auto& s : f.scenario) {
      out_ << "<tr>";
      for (uint32_t t : tids) out_ << "<td><code>" << (t == s.tid ? E(s.action) : "") << "</code></td>";
      out_ << "</tr>\n";
    }
    out_ << "</table>\n";
  }

  void Edges(const Finding& f) {
    for (size_t i = 0; i < f.edges.size(); ++i) {
      const EdgeEvidence& e = f.edges[i];
      if (!EdgeInRange(f, e)) continue;
      std::string a = "M" + std::to_string(e.from) + " (" + f.locks[e.from].name + ")";
      std::string b = "M" + std::to_string(e.to) + " (" + f.locks[e.to].name + ")";
      std::string modes = ModesText(e);
      std::string step = IsCycleKind(f.kind) ? std::to_string(i + 1) + "/" +
                                                   std::to_string(f.edges.size()) + ": "
                                             : "";
      out_ << "<h3>" << E(step + b + " acquired" + (modes.empty() ? "" : " (" + modes + ")") +
                          " while holding " + a + " in " + ThreadName(f, e.tid))
           << (e.count > 1 ? " &times;" + std::to_string(e.count) : "") << "</h3>\n";
      StackHtml(e.acquire_stack);
      if (!e.held_stack.empty()) {
        out_ << "<h3>" << E(a + " previously acquired here") << "</h3>\n";
        StackHtml(e.held_stack);
      }
    }
  }

  void StackHtml(const Stack& stack) {
    if (stack.empty()) {
      out_ << "<p class=\"muted\">(no stack recorded)</p>\n";
      return;
    }
    out_ << "<ol class=\"stack\" start=\"0\">\n";
    int with_source = 0;
    for (const Frame& f : stack) {
      out_ << "<li>" << E(f.function.empty() ? FrameText(f) : f.function);
      if (!f.file.empty()) out_ << " <span class=\"loc\">" << E(f.file) << ":" << f.line << "</span>";
      if (!f.file.empty() && f.line > 0 && with_source < options_.source_frames &&
          SourceSnippet(f)) {
        ++with_source;
      }
      out_ << "</li>\n";
    }
    out_ << "</ol>\n";
  }

  bool SourceSnippet(const Frame& f) {
    const std::vector<std::string>* lines = Source(f.file);
    if (lines == nullptr || static_cast<size_t>(f.line) > lines->size()) return false;
    int first = std::max(1, f.line - options_.context_lines);
    int last = std::min(static_cast<int>(lines->size()), f.line + options_.context_lines);
    out_ << "<pre class=\"src\">";
    for (int n = first; n <= last; ++n) {
      char num[16];
      std::snprintf(num, sizeof(num), "%5d  ", n);
      std::string text = num + (*lines)[n - 1];
      if (n == f.line) {
        out_ << "<span class=\"hl\">" << E(text) << "</span>\n";
      } else {
        out_ << E(text) << "\n";
      }
    }
    out_ << "</pre>";
    return true;
  }

  const std::vector<std::string>* Source(const std::string& path) {
    if (!options_.read_source) return nullptr;
    auto it = sources_.find(path);
    if (it == sources_.end()) {
      std::vector<std::string> lines;
      bool ok = options_.read_source(path, &lines);
      it = sources_.emplace(path, std::make_pair(ok, std::move(lines))).first;
    }
    return it->second.first ? &it->second.second : nullptr;
  }

  void WholeGraph() {
    bool worth = report_.findings.size() > 1 || !report_.suppressed.empty() ||
                 !report_.graph.edges.empty();
    if (!worth) return;
    out_ << "<h2>Lock graph</h2>\n";
    DotOptions dot;
    dot.full_graph = options_.full_graph;
    out_ << InlineSvg(report_, dot);
  }

  // `--static FINDINGS.json`: what the source analysis found and this run never exercised.
  void StaticOnly() {
    if (report_.static_only.empty()) return;
    out_ << "<h2>Found only in the source</h2>\n<p class=\"muted\">Static findings (lockscope "
         << "static) that this run did not exercise, often an error path the test never took."
         << "</p>\n<ul>\n";
    for (const std::string& s : report_.static_only) out_ << "<li>" << E(s) << "</li>\n";
    out_ << "</ul>\n";
  }

  // Every thread dump (dump signal, run --timeout): each thread's state, its stack (its own when
  // it ran, its wait's when blocked) and the locks it held.
  void ThreadDumps() {
    for (const auto& t : report_.traces) {
      for (const analysis::ThreadDump& d : t.thread_dumps) {
        out_ << "<h2>Thread dump " << d.number << " at " << E(d.at) << " (reason: " << E(d.reason)
             << "; pid " << t.pid << ")</h2>\n";
        for (const analysis::ThreadAtEnd& a : d.threads) {
          std::string state =
              a.state == "blocked"
                  ? "blocked" + (a.since.empty() ? "" : " since " + a.since) + ": " + a.waiting
                  : "running" + (a.note.empty() ? "" : ", " + a.note);
          out_ << "<h3>" << E(a.thread.name) << " (tid " << a.thread.tid << ") " << E(state)
               << "</h3>\n";
          if (a.state == "blocked" || !a.stack.empty()) {
            StackHtml(a.state == "blocked" ? a.wait_stack : a.stack);
          }
          for (const auto& l : a.held) out_ << "<p>holds <code>" << E(l.name) << "</code></p>\n";
        }
      }
    }
  }

  void Suppressed() {
    if (report_.suppressed.empty()) return;
    out_ << "<h2>Suppressed candidates</h2>\n<p class=\"muted\">Found but not reported, with the "
         << "evidence that rules them out.</p>\n<table><tr><th>kind</th><th>reason</th>"
         << "<th>locks</th><th>explanation</th></tr>\n";
    for (const auto& s : report_.suppressed) {
      std::string locks;
      for (const auto& l : s.locks) locks += (locks.empty() ? "" : ", ") + l.name;
      out_ << "<tr><td>" << analysis::FindingKindName(s.kind) << "</td><td>" << E(s.reason_id)
           << "</td><td><code>" << E(locks) << "</code></td><td>" << E(s.reason) << "</td></tr>\n";
    }
    out_ << "</table>\n";
  }

  void Notes() {
    bool any = false;
    for (const auto& t : report_.traces) {
      for (const auto& w : t.warnings) {
        if (!any) out_ << "<h2>Notes</h2>\n<ul>\n";
        any = true;
        out_ << "<li>" << E(t.path) << ": " << E(w) << "</li>\n";
      }
    }
    if (any) out_ << "</ul>\n";
  }

  std::string SummaryLine() const {
    std::map<std::string, int> by_kind;
    for (const Finding& f : report_.findings) ++by_kind[analysis::FindingKindName(f.kind)];
    std::string line = "SUMMARY: lockscope: " + std::to_string(report_.findings.size()) +
                       (report_.findings.size() == 1 ? " finding" : " findings");
    std::string kinds;
    for (const auto& [kind, n] : by_kind) {
      kinds += (kinds.empty() ? "" : ", ") + std::to_string(n) + " " + kind;
    }
    if (!kinds.empty()) line += " (" + kinds + ")";
    line += ", " + std::to_string(report_.suppressed.size()) + " suppressed";
    if (!report_.suppressed_findings.empty()) {
      line += ", " + std::to_string(report_.suppressed_findings.size()) + " suppressed by rules";
    }
    return line;
  }

  const Report& report_;
  const HtmlOptions& options_;
  std::ostringstream out_;
  std::map<std::string, std::pair<bool, std::vector<std::string>>> sources_;
};

}  // namespace

std::string RenderHtml(const Report& report, const HtmlOptions& options) {
  return HtmlBuilder(report, options).Build();
}

SourceReader FileSourceReader() {
  return [](const std::string& path, std::vector<std::string>* lines) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return false;
    std::string line;
    size_t total = 0;
    while (std::getline(in, line)) {
      total += line.size() + 1;
      if (total > (4u << 20)) return false;  // not a source file we want to inline
      if (!line.empty() && line.back() == '\r') line.pop_back();
      lines->push_back(line);
    }
    return true;
  };
}

}  // namespace viz
}  // namespace lockscope
