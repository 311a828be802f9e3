// sarif_report.cpp — see sarif_report.h. Field names follow the SARIF 2.1.0 specification
// (https://docs.oasis-open.org/sarif/sarif/v2.1.0/sarif-v2.1.0.html); e2e.test_sarif validates the
// output against the published JSON schema.

#include "sarif_report.h"

#include <nlohmann/json.hpp>
#include <string>

#include "frame_format.h"

namespace lockscope {
namespace viz {

using analysis::EdgeEvidence;
using analysis::Finding;
using analysis::FindingKind;
using analysis::Frame;
using analysis::Report;
using json = nlohmann::ordered_json;

namespace {

struct RuleText {
  FindingKind kind;
  const char* short_text;
  const char* help;
};

constexpr RuleText kRules[] = {
    {FindingKind::kLockOrderCycle, "Lock-order inversion (potential deadlock)",
     "Two or more threads acquire the same locks in different orders (e.g. A then B, and B then "
     "A). If they run at the same time each waits for the other forever. Pick one global order "
     "for these locks and acquire them in that order everywhere, or take them together with "
     "std::scoped_lock."},
    {FindingKind::kActualDeadlock, "Deadlock observed",
     "The program was observed blocked: every thread in the cycle waits for a lock another one "
     "holds. Fix the lock order shown in the code flow."},
    {FindingKind::kRwlockUpgrade, "Read-to-write lock upgrade (self-deadlock)",
     "A thread holding a reader-writer lock in shared mode requests it in exclusive mode. The "
     "writer waits for all readers to leave, including itself. Release the read lock first or "
     "defer the write until after it is released."},
    {FindingKind::kRecursiveReadHazard, "Recursive read lock under writer preference",
     "A thread takes a read lock it already holds. With a writer-preferring rwlock, a writer "
     "arriving in between blocks the second read, and the writer waits for the first: deadlock. "
     "Do not re-enter the read lock; pass the locked state down instead."},
    {FindingKind::kCommDeadlock, "Communication deadlock",
     "Every thread of the process is blocked in a wait that only another thread could end "
     "(condition variables, barriers, joins, locks): the notification that would wake them never "
     "comes. Wait in a loop on a predicate checked under the mutex, and make sure every waiter "
     "has a thread left that will notify it."},
    {FindingKind::kLostWakeup, "Lost wakeup",
     "A thread is blocked for good on a condition variable whose last signal or broadcast came "
     "from another thread before it began to wait, when no thread waited: the signal was lost. "
     "Always wait in a loop on a predicate protected by the mutex, and change the predicate under "
     "the mutex before signalling."},
    {FindingKind::kLeakedThread, "Leaked thread",
     "A thread the program started was neither joined nor detached: it was still blocked or "
     "running when the process exited (a worker the shutdown never woke or stopped), or it "
     "finished and nothing joined it (its stack stays allocated). Wake and join every thread "
     "before exiting, or create fire-and-forget threads detached."},
    {FindingKind::kApiMisuse, "Locking API misuse",
     "A lock API was used against its contract (unlock of a lock not held, destroy while locked, "
     "wait with a mutex not held, ...). The behaviour is undefined."},
    {FindingKind::kDataRace, "Data race",
     "Shared data is accessed without the lock that guards it elsewhere. Hold the lock for every "
     "access, or make the data atomic."},
    {FindingKind::kContention, "Lock contention",
     "Threads spent a long time waiting for this lock. Shorten the critical section or split the "
     "lock."},
};

int RuleIndex(FindingKind kind) {
  for (size_t i = 0; i < sizeof(kRules) / sizeof(kRules[0]); ++i) {
    if (kRules[i].kind == kind) return static_cast<int>(i);
  }
  return -1;
}

json Rules() {
  json rules = json::array();
  for (const RuleText& r : kRules) {
    rules.push_back({{"id", analysis::FindingKindName(r.kind)},
                     {"name", analysis::FindingKindName(r.kind)},
                     {"shortDescription", {{"text", r.short_text}}},
                     {"fullDescription", {{"text", r.help}}},
                     {"help", {{"text", r.help}}},
                     {"defaultConfiguration", {{"level", "error"}}}});
  }
  return rules;
}

// A physicalLocation for a frame with a source file; null otherwise.
json Location(const Frame* f, const std::string& message) {
  if (f == nullptr || f->file.empty()) return json();
  json artifact = {{"uri", FileUri(f->file)}};
  if (f->file[0] != '/') artifact["uriBaseId"] = "SRCROOT";
  json physical = {{"artifactLocation", artifact}};
  if (f->line > 0) {
    json region = {{"startLine", f->line}};
    if (f->column > 0) region["startColumn"] = f->column;
    physical["region"] = region;
  }
  json loc = {{"physicalLocation", physical}};
  if (!message.empty()) loc["message"] = {{"text", message}};
  return loc;
}

const Frame* FirstSourceFrame(const Finding& f) {
  for (const EdgeEvidence& e : f.edges) {
    const Frame* site = SiteFrame(e.acquire_stack);
    if (site != nullptr && !site->file.empty()) return site;
  }
  for (const auto& stack : f.extra_stacks) {
    const Frame* site = SiteFrame(stack);
    if (site != nullptr && !site->file.empty()) return site;
  }
  for (const auto& lock : f.locks) {
    const Frame* site = SiteFrame(lock.first_stack);
    if (site != nullptr && !site->file.empty()) return site;
  }
  for (const auto& thread : f.threads) {
    const Frame* site = SiteFrame(thread.create_stack);
    if (site != nullptr && !site->file.empty()) return site;
  }
  return nullptr;
}

// One threadFlow per edge: where `from` was taken, then where `to` was taken while holding it.
json CodeFlow(const Finding& f) {
  json flows = json::array();
  for (const EdgeEvidence& e : f.edges) {
    if (!EdgeInRange(f, e)) continue;
    const std::string& a = f.locks[e.from].name;
    const std::string& b = f.locks[e.to].name;
    std::string thread = ThreadName(f, e.tid);
    json steps = json::array();
    json held = Location(SiteFrame(e.held_stack), thread + " acquires " + a);
    if (!held.is_null()) steps.push_back({{"location", held}, {"nestingLevel", 0}});
    json acq = Location(SiteFrame(e.acquire_stack),
                        thread + " acquires " + b + " while holding " + a);
    if (!acq.is_null()) steps.push_back({{"location", acq}, {"nestingLevel", 1}});
    if (steps.empty()) continue;  // no source for this edge: a threadFlow needs >= 1 location
    flows.push_back({{"id", thread}, {"message", {{"text", thread + ": " + a + " then " + b}}},
                     {"locations", steps}});
  }
  if (flows.empty()) return json();
  return {{"message", {{"text", f.summary}}}, {"threadFlows", flows}};
}

std::string Level(const std::string& severity) {
  if (severity == "warning" || severity == "note") return severity;
  return "error";
}

json Result(const Finding& f) {
  std::string text = f.summary + (f.story.empty() ? "" : "\n" + f.story);
  json result = {{"ruleId", analysis::FindingKindName(f.kind)},
                 {"ruleIndex", RuleIndex(f.kind)},
                 {"level", Level(f.severity)},
                 {"message", {{"text", text}}}};
  json primary = Location(FirstSourceFrame(f), "");
  if (!primary.is_null()) result["locations"] = json::array({primary});
  if (!f.test.empty()) result["properties"]["test"] = f.test;  // the unit test it came from
  if (!f.confirmed_by_source.empty()) {  // `--static`: the source analysis found it too
    result["properties"]["confirmedBySource"] = f.confirmed_by_source;
  }
  json related = json::array();
  int id = 0;
  for (const EdgeEvidence& e : f.edges) {
    if (!EdgeInRange(f, e)) continue;
    json loc = Location(SiteFrame(e.acquire_stack), f.locks[e.to].name + " acquired while holding " +
                                                        f.locks[e.from].name);
    if (loc.is_null()) continue;
    loc["id"] = id++;
    related.push_back(loc);
  }
  for (size_t i = 0; i < f.extra_stacks.size(); ++i) {
    std::string title = i < f.extra_stack_titles.size() ? f.extra_stack_titles[i] : "";
    json loc = Location(SiteFrame(f.extra_stacks[i]), title);
    if (loc.is_null()) continue;
    loc["id"] = id++;
    related.push_back(loc);
  }
  for (const auto& t : f.threads) {
    json loc = Location(SiteFrame(t.create_stack), "thread " + t.name + " created here");
    if (loc.is_null()) continue;
    loc["id"] = id++;
    related.push_back(loc);
  }
  if (!related.empty()) result["relatedLocations"] = related;
  json flow = CodeFlow(f);
  if (!flow.is_null()) result["codeFlows"] = json::array({flow});
  return result;
}

json SuppressedResult(const analysis::SuppressedCandidate& s) {
  std::string locks;
  for (const auto& l : s.locks) locks += (locks.empty() ? "" : ", ") + l.name;
  json result = {{"ruleId", analysis::FindingKindName(s.kind)},
                 {"ruleIndex", RuleIndex(s.kind)},
                 {"kind", "informational"},
                 {"level", "none"},
                 {"message", {{"text", "not reported (" + s.reason_id + "): " + locks}}},
                 {"suppressions",
                  json::array({{{"kind", "external"}, {"justification", s.reason}}})}};
  for (const auto& l : s.locks) {
    json loc = Location(SiteFrame(l.first_stack), l.name);
    if (!loc.is_null()) {
      result["locations"] = json::array({loc});
      break;
    }
  }
  return result;
}

}  // namespace

std::string FileUri(const std::string& path) {
  static const char kHex[] = "0123456789ABCDEF";
  std::string out = !path.empty() && path[0] == '/' ? "file://" : "";
  for (unsigned char c : path) {
    bool plain = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                 c == '-' || c == '.' || c == '_' || c == '~' || c == '/';
    if (plain) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 0xf];
    }
  }
  return out;
}

std::string RenderSarif(const Report& report) {
  json results = json::array();
  for (const Finding& f : report.findings) results.push_back(Result(f));
  for (const auto& s : report.suppressed) results.push_back(SuppressedResult(s));
  for (const analysis::SuppressedFinding& s : report.suppressed_findings) {
    json result = Result(s.finding);
    result["suppressions"] = json::array(
        {{{"kind", "external"},
          {"justification", "suppression rule '" + s.rule + "' (" + s.rule_file + ":" +
                                std::to_string(s.rule_line) + ") matched " + s.matched}}});
    results.push_back(std::move(result));
  }
  json driver = {{"name", "lockscope"}, {"rules", Rules()}};
  if (!report.tool_version.empty()) driver["version"] = report.tool_version;
  json run = {{"tool", {{"driver", driver}}}, {"results", results}};
  json invocation = {{"executionSuccessful", true}};
  for (const auto& t : report.traces) {
    if (!t.cmdline.empty()) invocation["commandLine"] = t.cmdline;
  }
  run["invocations"] = json::array({invocation});
  json log = {{"$schema", "https://json.schemastore.org/sarif-2.1.0.json"},
              {"version", "2.1.0"},
              {"runs", json::array({run})}};
  return log.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
}

}  // namespace viz
}  // namespace lockscope
