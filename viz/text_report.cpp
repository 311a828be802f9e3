// text_report.cpp — see text_report.h. Wording follows tsan_report.cpp (WARNING/SUMMARY, "acquired
// here while holding") and lockdep's print_circular_lock_scenario ("Possible unsafe locking
// scenario", lock(/rlock(, *** DEADLOCK ***), because people already know how to read those.

#include "text_report.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstddef>
#include <initializer_list>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace lockscope {
namespace viz {
namespace {

using analysis::EdgeEvidence;
using analysis::Finding;
using analysis::FindingKind;
using analysis::Frame;
using analysis::LockRef;
using analysis::Report;
using analysis::Stack;
using analysis::SuppressedCandidate;

constexpr const char* kRule = "==================";
constexpr size_t kMaxScenarioName = 24;  // longer names fall back to the M<i> label
constexpr size_t kMaxInlineName = 40;
constexpr size_t kStoryWidth = 100;  // longer names are spelled out only in the cycle line

// Colour is a property of one rendering; a small helper keeps the escapes in one place.
class Painter {
 public:
  explicit Painter(bool color) : color_(color) {}
  std::string Red(const std::string& s) const { return Wrap("\033[1m\033[31m", s); }
  std::string Bold(const std::string& s) const { return Wrap("\033[1m", s); }
  std::string Dim(const std::string& s) const { return Wrap("\033[2m", s); }

 private:
  std::string Wrap(const char* code, const std::string& s) const {
    return color_ ? std::string(code) + s + "\033[0m" : s;
  }
  bool color_;
};

std::string Hex(uint64_t v) { return fmt::format("0x{:x}", v); }

// Names, paths and symbols come from the traced program (pthread_setname_np, file names, ...).
// A control byte in them must not draw on the reader's terminal (ESC sequences) or forge report
// lines (a newline followed by "WARNING:"), so they print as \xNN.
void Clean(std::string* s, bool keep_newlines = false) {
  std::string out;
  for (unsigned char c : *s) {
    if ((c < 0x20 && !(keep_newlines && c == '\n')) || c == 0x7f) {
      out += fmt::format("\\x{:02x}", c);
    } else {
      out += static_cast<char>(c);
    }
  }
  *s = std::move(out);
}

void CleanStack(Stack* stack) {
  for (Frame& f : *stack) {
    Clean(&f.module);
    Clean(&f.function);
    Clean(&f.file);
  }
}

void CleanLock(LockRef* l) {
  Clean(&l->kind);
  Clean(&l->name);
  CleanStack(&l->first_stack);
}

void CleanFinding(Finding* f) {
  for (std::string* s : {&f->subkind, &f->severity, &f->summary, &f->trace_path, &f->test,
                         &f->confirmed_by_source}) {
    Clean(s);
  }
  Clean(&f->story, /*keep_newlines=*/true);
  for (LockRef& l : f->locks) CleanLock(&l);
  for (EdgeEvidence& e : f->edges) {
    Clean(&e.from_mode);
    Clean(&e.to_mode);
    CleanStack(&e.acquire_stack);
    CleanStack(&e.held_stack);
  }
  for (analysis::ThreadRef& t : f->threads) {
    Clean(&t.name);
    CleanStack(&t.create_stack);
  }
  for (analysis::ScenarioStep& step : f->scenario) Clean(&step.action);
  for (Stack& stack : f->extra_stacks) CleanStack(&stack);
  for (std::string& title : f->extra_stack_titles) Clean(&title);
}

Report CleanCopy(const Report& report) {
  Report r = report;
  for (analysis::TraceSummary& t : r.traces) {
    for (std::string* s : {&t.path, &t.exe, &t.cmdline}) Clean(s);
    for (std::string& w : t.warnings) Clean(&w);
  }
  for (Finding& f : r.findings) CleanFinding(&f);
  for (SuppressedCandidate& s : r.suppressed) {
    Clean(&s.reason_id);
    Clean(&s.reason);
    for (LockRef& l : s.locks) CleanLock(&l);
  }
  for (analysis::SuppressedFinding& s : r.suppressed_findings) {
    CleanFinding(&s.finding);
    for (std::string* t : {&s.rule, &s.rule_file, &s.matched}) Clean(t);
  }
  for (std::string& s : r.static_only) Clean(&s);
  return r;
}

std::string Basename(const std::string& path) {
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

// `#3 Transfer(Account&, Account&) samples/abba.cpp:31`, or `#3 libfoo.so+0x1234` unsymbolized.
std::string FormatFrame(size_t index, const Frame& f) {
  std::string out = fmt::format("#{} ", index);
  std::string where;
  if (!f.module.empty()) {
    where = fmt::format("{}+{}", Basename(f.module), Hex(f.module_offset));
  } else {
    where = Hex(f.pc);
  }
  if (f.function.empty() && f.file.empty()) return out + where;
  out += f.function.empty() ? std::string("<unknown>") : f.function;
  if (!f.file.empty()) {
    out += " " + f.file;
    if (f.line > 0) out += fmt::format(":{}", f.line);
  } else if (!f.module.empty()) {
    out += " (" + where + ")";  // (an imported trace's sites have no module: no address either)
  }
  return out;
}

// Appends `line` word-wrapped at kStoryWidth columns with a two-space indent. A word longer than
// the width (a demangled name) gets a line of its own rather than being cut.
void AppendWrapped(std::string* out, const std::string& line) {
  std::string current = "  ";
  size_t pos = 0;
  while (pos < line.size()) {
    size_t space = line.find(' ', pos);
    if (space == std::string::npos) space = line.size();
    std::string word = line.substr(pos, space - pos);
    pos = space + 1;
    if (word.empty()) continue;
    if (current.size() > 2 && current.size() + 1 + word.size() > kStoryWidth) {
      *out += current + "\n";
      current = "  ";
    }
    current += (current.size() > 2 ? " " : "") + word;
  }
  *out += current + "\n";
}

void AppendStack(std::string* out, const Stack& stack, const char* indent) {
  if (stack.empty()) {
    *out += fmt::format("{}<no stack recorded>\n", indent);
    return;
  }
  for (size_t i = 0; i < stack.size(); ++i) {
    *out += fmt::format("{}{}\n", indent, FormatFrame(i, stack[i]));
  }
}

// Renders one finding; holds the finding so label helpers stay one-argument.
class FindingPrinter {
 public:
  FindingPrinter(const Finding& f, const TextOptions& options)
      : f_(f), options_(options), paint_(options.color) {}

  std::string Render() const;

 private:
  bool ValidLock(int i) const { return i >= 0 && static_cast<size_t>(i) < f_.locks.size(); }
  std::string Id(int i) const { return ValidLock(i) ? fmt::format("M{}", i) : "M?"; }
  std::string FullLabel(int i) const;
  std::string Label(int i) const;
  std::string ThreadName(uint32_t tid) const;
  std::string ScenarioName(int i) const;
  std::string Title() const;
  void AppendCycleLine(std::string* out) const;
  void AppendEdge(std::string* out, const EdgeEvidence& e) const;
  void AppendLocks(std::string* out) const;
  void AppendThreads(std::string* out) const;
  void AppendExtraStacks(std::string* out) const;
  void AppendStory(std::string* out) const;
  std::vector<analysis::ScenarioStep> ScenarioSteps() const;
  void AppendScenario(std::string* out) const;

  const Finding& f_;
  const TextOptions& options_;
  Painter paint_;
};

std::string FindingPrinter::FullLabel(int i) const {
  if (!ValidLock(i)) return "M?";
  const LockRef& lock = f_.locks[i];
  std::string name = lock.name.empty() ? Hex(lock.address) : lock.name;
  return paint_.Bold(fmt::format("{} ({})", Id(i), name));
}

// Generated names ("mutex 0x7ffd.. first locked at Transfer bank.cc:42") are long; repeating them
// on every line buries the stacks, so after the cycle line (and the lock list) they are M<i> only.
std::string FindingPrinter::Label(int i) const {
  if (ValidLock(i) && f_.locks[i].name.size() > kMaxInlineName) return paint_.Bold(Id(i));
  return FullLabel(i);
}

std::string FindingPrinter::ThreadName(uint32_t tid) const {
  for (const auto& t : f_.threads) {
    if (t.tid == tid && !t.name.empty()) return t.name;
  }
  // The main thread's tid is the pid; the analyzer lists only the threads of the evidence.
  if (tid != 0 && static_cast<int64_t>(tid) == f_.pid)
    return fmt::format("main thread (tid {})", tid);
  return fmt::format("tid {}", tid);
}

// Short names keep the scenario table readable; long generated names use the M<i> label.
std::string FindingPrinter::ScenarioName(int i) const {
  if (!ValidLock(i)) return "M?";
  const std::string& name = f_.locks[i].name;
  return (name.empty() || name.size() > kMaxScenarioName) ? Id(i) : name;
}

std::string FindingPrinter::Title() const {
  switch (f_.kind) {
    case FindingKind::kLockOrderCycle:
      return f_.hung ? "lock-order-inversion (deadlock: the program hung here)"
                     : "lock-order-inversion (potential deadlock)";
    case FindingKind::kActualDeadlock:
      return "deadlock (threads blocked in a lock cycle)";
    default: {
      std::string title = analysis::FindingKindName(f_.kind);
      if (!f_.subkind.empty()) title += " (" + f_.subkind + ")";
      // Name the lock(s) in the one-line header, as lockdep does; a race's subject is a variable.
      if (f_.kind != FindingKind::kDataRace) {
        std::string names;
        for (const LockRef& l : f_.locks) {
          if (l.name.empty() || l.name.size() > kMaxInlineName) continue;
          names += (names.empty() ? "" : ", ") + paint_.Bold(l.name);
        }
        if (!names.empty()) title += " on " + names;
      }
      if (f_.hung) title += " (the program hung here)";
      return title;
    }
  }
}

void FindingPrinter::AppendCycleLine(std::string* out) const {
  if (f_.edges.empty()) return;
  std::string line = "  Cycle in lock order graph: " + FullLabel(f_.edges[0].from);
  // The closing lock is the first one again: its bare id, as in the TSan report.
  for (size_t i = 0; i < f_.edges.size(); ++i) {
    int to = f_.edges[i].to;
    line += " => " + (i + 1 == f_.edges.size() && to == f_.edges[0].from ? Id(to) : FullLabel(to));
  }
  *out += line + "\n\n";
}

void FindingPrinter::AppendEdge(std::string* out, const EdgeEvidence& e) const {
  std::string how = e.to_mode == "shared" ? "read-acquired" : "acquired";
  if (e.try_acquire) how += " (try-lock)";
  std::string holding = e.from_mode == "shared" ? "while read-holding" : "while holding";
  std::string count = e.count > 1 ? fmt::format(" (seen {} times)", e.count) : "";
  // tid 0: no thread (findings of the static pass).
  std::string thread = ThreadName(e.tid);
  thread = e.tid == 0                            ? ""
           : f_.pid == 0                         ? " on " + thread  // a static code path
           : thread.rfind("main thread", 0) == 0 ? " in the " + thread
                                                 : " in thread " + thread;
  *out += fmt::format("  {} {} here {} {}{}{}:\n", Label(e.to), how, holding, Label(e.from), thread,
                      count);
  AppendStack(out, e.acquire_stack, "    ");
  if (!e.also_held.empty()) {
    std::string also;
    for (int i : e.also_held) also += (also.empty() ? "" : ", ") + Label(i);
    *out += fmt::format("    (also holding {})\n", also);
  }
  *out += fmt::format("  {} previously acquired by the same thread here:\n", Label(e.from));
  AppendStack(out, e.held_stack, "    ");
  *out += "\n";
}

void FindingPrinter::AppendLocks(std::string* out) const {
  if (f_.locks.empty()) return;
  *out += "  Locks:\n";
  for (size_t i = 0; i < f_.locks.size(); ++i) {
    const LockRef& lock = f_.locks[i];
    std::string kind = lock.kind.empty() ? "lock" : lock.kind;
    bool stack = options_.verbose && !lock.first_stack.empty();
    // Address 0: a lock named from source by the static pass, which has no address.
    std::string at = lock.address == 0 ? "" : " at " + Hex(lock.address);
    *out += fmt::format("    {}: {}{}{}\n", FullLabel(static_cast<int>(i)), kind, at,
                        stack ? ", created or first locked at:" : "");
    if (stack) AppendStack(out, lock.first_stack, "      ");
  }
  *out += "\n";
}

void FindingPrinter::AppendThreads(std::string* out) const {
  // pid 0: a static finding, whose "threads" are code paths named in the scenario; no process.
  if (f_.threads.empty() || f_.pid == 0) return;
  *out += "  Threads:\n";
  for (const auto& t : f_.threads) {
    std::string name = t.name.empty() ? fmt::format("tid {}", t.tid) : t.name;
    if (t.create_stack.empty() && t.parent_tid == 0) {
      *out += fmt::format("    {} is the main thread (tid {})\n", name, t.tid);
      continue;
    }
    *out +=
        fmt::format("    {} (tid {}) created by {} at:\n", name, t.tid, ThreadName(t.parent_tid));
    AppendStack(out, t.create_stack, "      ");
  }
  *out += "\n";
}

void FindingPrinter::AppendExtraStacks(std::string* out) const {
  for (size_t i = 0; i < f_.extra_stacks.size(); ++i) {
    std::string title = i < f_.extra_stack_titles.size() && !f_.extra_stack_titles[i].empty()
                            ? f_.extra_stack_titles[i]
                            : "Stack";
    *out += fmt::format("  {}:\n", title);
    AppendStack(out, f_.extra_stacks[i], "    ");
    *out += "\n";
  }
}

// The story is prose: each of its lines is word-wrapped to kStoryWidth, indented by two.
void FindingPrinter::AppendStory(std::string* out) const {
  if (f_.story.empty()) return;
  size_t start = 0;
  while (start <= f_.story.size()) {
    size_t nl = f_.story.find('\n', start);
    if (nl == std::string::npos) nl = f_.story.size();
    AppendWrapped(out, f_.story.substr(start, nl - start));
    start = nl + 1;
  }
  *out += "\n";
}

// The analyzer's steps when it gave them; for a cycle without steps, lockdep's classic order:
// every thread takes the lock it holds, then every thread tries the next one.
std::vector<analysis::ScenarioStep> FindingPrinter::ScenarioSteps() const {
  if (!f_.scenario.empty()) return f_.scenario;
  std::vector<analysis::ScenarioStep> steps;
  bool cycle = f_.kind == FindingKind::kLockOrderCycle || f_.kind == FindingKind::kActualDeadlock;
  if (!cycle || f_.edges.size() < 2) return steps;
  for (const auto& e : f_.edges) {
    std::string verb = e.from_mode == "shared" ? "rlock" : "lock";
    steps.push_back({e.tid, fmt::format("{}({})", verb, ScenarioName(e.from))});
  }
  for (const auto& e : f_.edges) {
    std::string verb = e.to_mode == "shared" ? "rlock" : "lock";
    steps.push_back({e.tid, fmt::format("{}({})", verb, ScenarioName(e.to))});
  }
  return steps;
}

void FindingPrinter::AppendScenario(std::string* out) const {
  std::vector<analysis::ScenarioStep> steps = ScenarioSteps();
  if (steps.empty()) return;
  std::vector<uint32_t> columns;  // tids in order of first appearance
  for (const auto& s : steps) {
    if (std::find(columns.begin(), columns.end(), s.tid) == columns.end()) columns.push_back(s.tid);
  }
  size_t width = 4;
  for (const auto& s : steps) width = std::max(width, s.action.size() + 1);
  for (uint32_t tid : columns) width = std::max(width, ThreadName(tid).size());
  width += 6;
  std::string header, rule;
  for (uint32_t tid : columns) {
    header += fmt::format("{:<{}}", ThreadName(tid), width);
    rule += fmt::format("{:<{}}", "----", width);
  }
  auto trim = [](std::string s) { return s.erase(s.find_last_not_of(' ') + 1); };
  *out += "  Possible unsafe locking scenario:\n\n";
  *out += "        " + trim(header) + "\n        " + trim(rule) + "\n";
  // lockdep's layout: the first column's actions start left of its header, the others under it.
  for (const auto& s : steps) {
    size_t col = std::find(columns.begin(), columns.end(), s.tid) - columns.begin();
    bool needs_semicolon = !s.action.empty() && s.action.back() == ')';
    std::string action = s.action + (needs_semicolon ? ";" : "");
    size_t indent = col == 0 ? 3 : 8 + col * width;
    *out += fmt::format("{:<{}}{}\n", "", indent, action);
  }
  *out += "\n   *** DEADLOCK ***\n\n";
}

std::string FindingPrinter::Render() const {
  std::string out = std::string(kRule) + "\n";
  std::string where = f_.pid != 0 ? fmt::format(" (pid={})", f_.pid) : "";
  if (!f_.test.empty()) where += " in test " + paint_.Bold(f_.test);
  out += fmt::format("{} lockscope: {}{}\n", paint_.Red("WARNING:"), Title(), where);
  bool cycle = f_.kind == FindingKind::kLockOrderCycle || f_.kind == FindingKind::kActualDeadlock;
  if (!f_.confirmed_by_source.empty()) {
    out += "  Confirmed by source (lockscope static): " + f_.confirmed_by_source + "\n";
  }
  if (cycle && !f_.edges.empty()) {
    AppendCycleLine(&out);
  } else {
    if (!f_.summary.empty()) out += "  " + f_.summary + "\n";
    out += "\n";
    AppendStory(&out);
  }
  for (const auto& e : f_.edges) AppendEdge(&out, e);
  AppendLocks(&out);
  AppendExtraStacks(&out);
  AppendThreads(&out);
  AppendScenario(&out);
  if (cycle && !f_.edges.empty()) AppendStory(&out);
  // Trim the blank line before the closing rule.
  while (out.size() >= 2 && out[out.size() - 1] == '\n' && out[out.size() - 2] == '\n') {
    out.pop_back();
  }
  return out + kRule + "\n";
}

std::string Plural(size_t n, const char* one, const char* many) {
  return fmt::format("{} {}", n, n == 1 ? one : many);
}

void AppendNotes(std::string* out, const Report& report, bool verbose) {
  for (const auto& t : report.traces) {
    if (verbose) {
      *out +=
          fmt::format("lockscope: note: {}: pid {} ({}), {}, {}, {} records, {}\n", t.path, t.pid,
                      t.exe.empty() ? "?" : t.exe, Plural(t.threads, "thread", "threads"),
                      Plural(t.locks, "lock", "locks"), t.records,
                      t.clean_exit ? "clean exit" : "no clean exit (killed, hung or crashed)");
    }
    for (const auto& w : t.warnings) *out += fmt::format("lockscope: note: {}: {}\n", t.path, w);
  }
}

// One thread of a jstack-style listing: state, its stack (a dump's running thread) or wait stack,
// or why it has none; then every lock it holds with where it took it.
void AppendThreadState(std::string* out, const analysis::ThreadAtEnd& a) {
  std::string name = a.thread.name.empty() ? fmt::format("tid {}", a.thread.tid) : a.thread.name;
  if (a.state == "blocked") {
    *out += fmt::format("  {} (tid {}) blocked{}: {}\n", name, a.thread.tid,
                        a.since.empty() ? "" : " since " + a.since, a.waiting);
    AppendStack(out, a.wait_stack, "      ");
  } else {
    *out += fmt::format("  {} (tid {}) running{}\n", name, a.thread.tid,
                        a.note.empty() ? "" : ", " + a.note);
    if (!a.stack.empty()) AppendStack(out, a.stack, "      ");
  }
  for (size_t i = 0; i < a.held.size(); ++i) {
    const auto& l = a.held[i];
    *out += fmt::format("    holds {}, acquired at:\n", l.name.empty() ? Hex(l.address) : l.name);
    if (i < a.held_stacks.size()) AppendStack(out, a.held_stacks[i], "      ");
  }
}

// jstack-style: what every thread still alive was doing when the trace ended. Shown after a hang
// or a kill (the process did not exit cleanly), or with --verbose.
void AppendThreadsAtEnd(std::string* out, const Report& report, bool verbose) {
  for (const auto& t : report.traces) {
    if (t.threads_at_end.empty() || (t.clean_exit && !verbose)) continue;
    *out += fmt::format("Threads at end of run (pid {}{}):\n", t.pid,
                        t.clean_exit ? ", still alive at exit" : "");
    for (const analysis::ThreadAtEnd& a : t.threads_at_end) AppendThreadState(out, a);
    *out += "\n";
  }
}

// The thread dumps someone asked for (dump signal, run --timeout): always shown, the last
// kMaxTextDumps of each process (JSON has them all).
constexpr size_t kMaxTextDumps = 5;
void AppendThreadDumps(std::string* out, const Report& report) {
  for (const auto& t : report.traces) {
    if (t.dump_stood_down) {
      *out += fmt::format("lockscope: note: pid {} handles the dump signal itself: lockscope "
                          "stood down, no thread dumps\n", t.pid);
    }
    const size_t n = t.thread_dumps.size();
    const size_t first = n > kMaxTextDumps ? n - kMaxTextDumps : 0;
    if (first > 0) {
      *out += fmt::format("lockscope: note: pid {}: {} thread dumps, the last {} shown "
                          "(--format json has all)\n", t.pid, n, kMaxTextDumps);
    }
    for (size_t k = first; k < n; ++k) {
      const analysis::ThreadDump& d = t.thread_dumps[k];
      *out += fmt::format("Thread dump {} at {} (reason: {}; pid {}{}):\n", d.number,
                          d.at.empty() ? "?" : d.at, d.reason, t.pid,
                          d.incomplete ? "; incomplete: the process died while it was written" : "");
      for (const analysis::ThreadAtEnd& a : d.threads) AppendThreadState(out, a);
      *out += "\n";
    }
  }
}

void AppendSuppressed(std::string* out, const Report& report) {
  if (report.suppressed.empty()) return;
  *out += fmt::format("lockscope: {} not reported:\n",
                      Plural(report.suppressed.size(), "candidate was", "candidates were"));
  for (const SuppressedCandidate& s : report.suppressed) {
    std::string locks, tids;
    for (const auto& l : s.locks) {
      locks += (locks.empty() ? "" : ", ") + (l.name.empty() ? Hex(l.address) : l.name);
    }
    for (uint32_t tid : s.tids) tids += (tids.empty() ? "" : ", ") + std::to_string(tid);
    *out += fmt::format("  [{}] {}", s.reason_id, analysis::FindingKindName(s.kind));
    if (!locks.empty()) *out += " on " + locks;
    if (!tids.empty()) *out += " (threads " + tids + ")";
    *out += ": " + (s.reason.empty() ? std::string("no reason given") : s.reason) + "\n";
  }
}

// `analyze --static`: what the source shows that this run did not.
void AppendStaticOnly(std::string* out, const Report& report) {
  if (report.static_only.empty()) return;
  *out += fmt::format(
      "lockscope: {} found in the source only (lockscope static), not seen in this run (a path "
      "the run never took?):\n",
      Plural(report.static_only.size(), "finding", "findings"));
  for (const std::string& s : report.static_only) *out += "  " + s + "\n";
}

void AppendUserSuppressed(std::string* out, const Report& report) {
  if (report.suppressed_findings.empty()) return;
  *out += fmt::format("lockscope: {} suppressed by rules:\n",
                      Plural(report.suppressed_findings.size(), "finding", "findings"));
  for (const analysis::SuppressedFinding& s : report.suppressed_findings) {
    *out += fmt::format("  {}: {} (pid {})\n    rule '{}' ({}:{}) matched {}\n",
                        analysis::FindingKindName(s.finding.kind), s.finding.summary, s.finding.pid,
                        s.rule, s.rule_file, s.rule_line, s.matched);
  }
}

// One section per process when the report covers several (lockscope run -- ctest, a script):
// a header naming the process, then its findings; findings from no trace (static) come last.
void AppendFindings(std::string* out, const Report& report, const TextOptions& options) {
  if (report.traces.size() < 2) {
    for (const Finding& f : report.findings) *out += FindingPrinter(f, options).Render();
    return;
  }
  std::vector<bool> printed(report.findings.size(), false);
  for (const analysis::TraceSummary& t : report.traces) {
    std::vector<const Finding*> mine;
    for (size_t i = 0; i < report.findings.size(); ++i) {
      if (!printed[i] && report.findings[i].trace_path == t.path) {
        mine.push_back(&report.findings[i]);
        printed[i] = true;
      }
    }
    std::string cmd = t.cmdline.empty() ? t.exe : t.cmdline;
    *out += fmt::format("--- process {} ({}): {} ---\n", t.pid, cmd.empty() ? "?" : cmd,
                        mine.empty() ? std::string("no findings")
                                     : Plural(mine.size(), "finding", "findings"));
    for (const Finding* f : mine) *out += FindingPrinter(*f, options).Render();
  }
  for (size_t i = 0; i < report.findings.size(); ++i) {
    if (!printed[i]) *out += FindingPrinter(report.findings[i], options).Render();
  }
}

std::string SummaryLine(const Report& report, bool verbose) {
  // A static (source-only) report has no traces: no process count then.
  size_t processes = report.traces.size();
  std::string in = processes == 0 ? "" : " in " + Plural(processes, "process", "processes");
  std::string line = "SUMMARY: lockscope: ";
  if (report.findings.empty()) {
    line += "no findings" + in;
  } else {
    size_t cycles = 0;
    for (const auto& f : report.findings) {
      if (f.kind == FindingKind::kLockOrderCycle) ++cycles;
    }
    line +=
        fmt::format("{}, {}{}", Plural(cycles, "lock-order-inversion", "lock-order-inversions"),
                    Plural(report.findings.size() - cycles, "other finding", "other findings"), in);
  }
  if (!report.suppressed.empty()) {
    line += fmt::format(
        " ({}{})",
        Plural(report.suppressed.size(), "suppressed candidate", "suppressed candidates"),
        verbose ? " listed above" : "; --verbose lists them");
  }
  if (!report.static_only.empty()) {
    line += fmt::format(" ({} in the source only)",
                        Plural(report.static_only.size(), "static finding", "static findings"));
  } else if (report.static_merged) {
    size_t confirmed = 0;
    for (const auto& f : report.findings) confirmed += !f.confirmed_by_source.empty();
    line += fmt::format(" ({} confirmed by source)", confirmed);
  }
  if (!report.suppressed_findings.empty()) {
    line += fmt::format(" ({} suppressed by rules{})",
                        Plural(report.suppressed_findings.size(), "finding", "findings"),
                        verbose ? " listed above" : "; --verbose lists them");
  }
  return line + "\n";
}

}  // namespace

std::string RenderText(const Report& original, const TextOptions& options) {
  const Report report = CleanCopy(original);
  std::string out;
  AppendNotes(&out, report, options.verbose);
  AppendFindings(&out, report, options);
  AppendThreadDumps(&out, report);
  AppendThreadsAtEnd(&out, report, options.verbose);
  AppendStaticOnly(&out, report);
  if (options.verbose) AppendSuppressed(&out, report);
  if (options.verbose) AppendUserSuppressed(&out, report);
  out += SummaryLine(report, options.verbose);
  return out;
}

}  // namespace viz
}  // namespace lockscope
