// json_report.cpp — see json_report.h for the schema. nlohmann::json escapes every string; dump()
// runs with error_handler_t::replace because lock and thread names come from the traced program
// and may hold any bytes.

#include "json_report.h"

#include <fmt/format.h>

#include <map>
#include <nlohmann/json.hpp>
#include <string>

namespace lockscope {
namespace viz {
namespace {

using analysis::EdgeEvidence;
using analysis::Finding;
using analysis::Frame;
using analysis::LockRef;
using analysis::Report;
using analysis::Stack;
using nlohmann::json;

std::string Hex(uint64_t v) { return fmt::format("0x{:x}", v); }

json FrameJson(const Frame& f) {
  return json{{"pc", Hex(f.pc)},
              {"function", f.function},
              {"file", f.file},
              {"line", f.line},
              {"column", f.column},
              {"module", f.module},
              {"offset", Hex(f.module_offset)}};
}

json StackJson(const Stack& stack) {
  json out = json::array();
  for (const Frame& f : stack) out.push_back(FrameJson(f));
  return out;
}

json LockJson(const LockRef& l) {
  return json{{"id", l.lock_id},
              {"pid", l.pid},
              {"name", l.name},
              {"kind", l.kind},
              {"address", Hex(l.address)},
              {"name_from_symbol", l.name_from_symbol},
              {"first_stack", StackJson(l.first_stack)}};
}

std::string ThreadName(const Finding& f, uint32_t tid) {
  for (const auto& t : f.threads) {
    if (t.tid == tid && !t.name.empty()) return t.name;
  }
  return fmt::format("thread {}", tid);
}

json EdgeJson(const Finding& f, const EdgeEvidence& e) {
  return json{{"from", e.from},
              {"to", e.to},
              {"from_mode", e.from_mode},
              {"to_mode", e.to_mode},
              {"tid", e.tid},
              {"thread", ThreadName(f, e.tid)},
              {"count", e.count},
              {"try", e.try_acquire},
              {"acquire_stack", StackJson(e.acquire_stack)},
              {"held_stack", StackJson(e.held_stack)},
              {"also_held", e.also_held}};
}

json FindingJson(const Finding& f) {
  json locks = json::array(), edges = json::array(), threads = json::array();
  json scenario = json::array(), extra = json::array();
  for (const auto& l : f.locks) locks.push_back(LockJson(l));
  for (const auto& e : f.edges) edges.push_back(EdgeJson(f, e));
  for (const auto& t : f.threads) {
    threads.push_back(json{{"tid", t.tid},
                           {"name", t.name},
                           {"parent_tid", t.parent_tid},
                           {"create_stack", StackJson(t.create_stack)}});
  }
  for (const auto& s : f.scenario) {
    scenario.push_back(
        json{{"tid", s.tid}, {"thread", ThreadName(f, s.tid)}, {"action", s.action}});
  }
  for (size_t i = 0; i < f.extra_stacks.size(); ++i) {
    std::string title = i < f.extra_stack_titles.size() ? f.extra_stack_titles[i] : "";
    extra.push_back(json{{"title", title}, {"stack", StackJson(f.extra_stacks[i])}});
  }
  return json{{"kind", analysis::FindingKindName(f.kind)},
              {"subkind", f.subkind},
              {"severity", f.severity},
              {"summary", f.summary},
              {"story", f.story},
              {"hung", f.hung},
              {"pid", f.pid},
              {"trace", f.trace_path},
              {"test", f.test},
              {"confirmed_by_source", f.confirmed_by_source},
              {"locks", locks},
              {"edges", edges},
              {"threads", threads},
              {"scenario", scenario},
              {"extra_stacks", extra}};
}

json ThreadStateJson(const analysis::ThreadAtEnd& a) {
  json held = json::array();
  for (size_t i = 0; i < a.held.size(); ++i) {
    held.push_back(json{{"lock", LockJson(a.held[i])},
                        {"acquired_at", i < a.held_stacks.size() ? StackJson(a.held_stacks[i])
                                                                 : json::array()}});
  }
  json item{{"tid", a.thread.tid}, {"name", a.thread.name}, {"state", a.state}, {"held", held}};
  if (a.state == "blocked") {
    item["waiting"] = a.waiting;
    item["since"] = a.since;
    item["wait_stack"] = StackJson(a.wait_stack);
  }
  return item;
}

json ThreadsAtEndJson(const analysis::TraceSummary& t) {
  json out = json::array();
  for (const analysis::ThreadAtEnd& a : t.threads_at_end) out.push_back(ThreadStateJson(a));
  return out;
}

// Every thread dump of the process: each thread as in threads_at_end, plus its own stack.
json ThreadDumpsJson(const analysis::TraceSummary& t) {
  json out = json::array();
  for (const analysis::ThreadDump& d : t.thread_dumps) {
    json threads = json::array();
    for (const analysis::ThreadAtEnd& a : d.threads) {
      json item = ThreadStateJson(a);
      item["stack"] = StackJson(a.stack);
      if (!a.note.empty()) item["note"] = a.note;
      threads.push_back(std::move(item));
    }
    out.push_back(json{{"number", d.number}, {"at", d.at}, {"reason", d.reason},
                       {"incomplete", d.incomplete}, {"threads", threads}});
  }
  return out;
}

json TracesJson(const Report& report) {
  json out = json::array();
  for (const auto& t : report.traces) {
    out.push_back(json{{"path", t.path},
                       {"pid", t.pid},
                       {"exe", t.exe},
                       {"cmdline", t.cmdline},
                       {"clean_exit", t.clean_exit},
                       {"threads", t.threads},
                       {"locks", t.locks},
                       {"records", t.records},
                       {"warnings", t.warnings},
                       {"threads_at_end", ThreadsAtEndJson(t)},
                       {"thread_dumps", ThreadDumpsJson(t)},
                       {"dump_signal", t.dump_signal},
                       {"dump_stood_down", t.dump_stood_down}});
  }
  return out;
}

json SuppressedJson(const Report& report) {
  json out = json::array();
  for (const auto& s : report.suppressed) {
    json locks = json::array();
    for (const auto& l : s.locks) locks.push_back(LockJson(l));
    out.push_back(json{{"kind", analysis::FindingKindName(s.kind)},
                       {"reason_id", s.reason_id},
                       {"reason", s.reason},
                       {"locks", locks},
                       {"tids", s.tids}});
  }
  return out;
}

json UserSuppressedJson(const Report& report) {
  json out = json::array();
  for (const analysis::SuppressedFinding& s : report.suppressed_findings) {
    json item = FindingJson(s.finding);
    item["rule"] = json{{"text", s.rule}, {"file", s.rule_file}, {"line", s.rule_line}};
    item["matched"] = s.matched;
    out.push_back(std::move(item));
  }
  return out;
}

}  // namespace

std::string RenderJson(const Report& report) {
  json findings = json::array();
  std::map<std::string, size_t> by_kind;
  for (const Finding& f : report.findings) {
    findings.push_back(FindingJson(f));
    ++by_kind[analysis::FindingKindName(f.kind)];
  }
  json doc = {{"tool", "lockscope"},
              {"version", report.tool_version},
              {"schema_version", kJsonSchemaVersion},
              {"traces", TracesJson(report)},
              {"findings", findings},
              {"suppressed", SuppressedJson(report)},
              {"suppressed_by_rules", UserSuppressedJson(report)},
              {"static_only", report.static_only},
              {"summary", json{{"findings", report.findings.size()},
                               {"by_kind", by_kind},
                               {"suppressed", report.suppressed.size()},
                               {"suppressed_by_rules", report.suppressed_findings.size()}}}};
  return doc.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
}

}  // namespace viz
}  // namespace lockscope
