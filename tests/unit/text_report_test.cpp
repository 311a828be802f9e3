// Unit tests for viz/text_report: the TSan/lockdep shape on hand-built Reports (no trace, no
// analyzer), so a wording change is a deliberate test change.

#include "text_report.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

namespace lockscope {
namespace viz {
namespace {

using analysis::EdgeEvidence;
using analysis::Finding;
using analysis::FindingKind;
using analysis::Frame;
using analysis::LockRef;
using analysis::Report;
using ::testing::HasSubstr;
using ::testing::Not;

Frame SourceFrame(const std::string& function, const std::string& file, int line) {
  Frame f;
  f.pc = 0x401000 + line;
  f.module = "/work/samples/abba_mutex";
  f.module_offset = 0x1000 + line;
  f.function = function;
  f.file = file;
  f.line = line;
  return f;
}

LockRef Lock(uint32_t id, const std::string& name) {
  LockRef l;
  l.lock_id = id;
  l.pid = 1234;
  l.address = 0x5000 + id * 0x40;
  l.kind = "mutex";
  l.name = name;
  l.name_from_symbol = true;
  return l;
}

EdgeEvidence Edge(int from, int to, uint32_t tid, int acquire_line, int held_line) {
  EdgeEvidence e;
  e.from = from;
  e.to = to;
  e.from_mode = "exclusive";
  e.to_mode = "exclusive";
  e.tid = tid;
  e.acquire_stack = {
      SourceFrame("Transfer(Account&, Account&)", "samples/abba_mutex.cpp", acquire_line),
      SourceFrame("main", "samples/abba_mutex.cpp", 50)};
  e.held_stack = {SourceFrame("Transfer(Account&, Account&)", "samples/abba_mutex.cpp", held_line)};
  return e;
}

Report AbbaReport() {
  Report r;
  r.tool_version = "0.1.0";
  analysis::TraceSummary t;
  t.path = "/tmp/trace/abba_mutex.1234.lstrace";
  t.pid = 1234;
  r.traces.push_back(t);
  Finding f;
  f.kind = FindingKind::kLockOrderCycle;
  f.severity = "error";
  f.summary = "potential deadlock: lock-order cycle M0 => M1 => M0";
  f.story = "Two threads take g_mu_a and g_mu_b in opposite orders.";
  f.pid = 1234;
  f.locks = {Lock(1, "g_mu_a"), Lock(2, "g_mu_b")};
  f.edges = {Edge(0, 1, 11, 31, 30), Edge(1, 0, 12, 41, 40)};
  analysis::ThreadRef t0{10, "T0 (main)", 0, {}};
  analysis::ThreadRef t1{11, "T1", 10, {SourceFrame("main", "samples/abba_mutex.cpp", 50)}};
  analysis::ThreadRef t2{12, "T2", 10, {SourceFrame("main", "samples/abba_mutex.cpp", 51)}};
  f.threads = {t0, t1, t2};
  r.findings.push_back(f);
  analysis::SuppressedCandidate s;
  s.kind = FindingKind::kLockOrderCycle;
  s.reason_id = "single-thread";
  s.reason = "every edge of the cycle comes from thread 11";
  s.locks = {Lock(3, "g_log_mu"), Lock(4, "g_cfg_mu")};
  s.tids = {11};
  r.suppressed = {s, s};
  return r;
}

TEST(TextReportTest, AbbaHasTsanAndLockdepShape) {
  std::string out = RenderText(AbbaReport(), TextOptions{});
  EXPECT_THAT(out, HasSubstr("==================\nWARNING: lockscope: lock-order-inversion "
                             "(potential deadlock) (pid=1234)\n"));
  EXPECT_THAT(out, HasSubstr("Cycle in lock order graph: M0 (g_mu_a) => M1 (g_mu_b) => M0\n"));
  EXPECT_THAT(out, HasSubstr("M1 (g_mu_b) acquired here while holding M0 (g_mu_a) in thread T1:\n"
                             "    #0 Transfer(Account&, Account&) samples/abba_mutex.cpp:31\n"
                             "    #1 main samples/abba_mutex.cpp:50\n"));
  EXPECT_THAT(out, HasSubstr("M0 (g_mu_a) previously acquired by the same thread here:\n"
                             "    #0 Transfer(Account&, Account&) samples/abba_mutex.cpp:30\n"));
  EXPECT_THAT(out, HasSubstr("M0 (g_mu_a) acquired here while holding M1 (g_mu_b) in thread T2:"));
  EXPECT_THAT(out, HasSubstr("T0 (main) is the main thread (tid 10)\n"));
  EXPECT_THAT(out, HasSubstr("T1 (tid 11) created by T0 (main) at:\n"
                             "      #0 main samples/abba_mutex.cpp:50\n"));
  EXPECT_THAT(out, HasSubstr("Possible unsafe locking scenario:"));
  EXPECT_THAT(out, HasSubstr("*** DEADLOCK ***"));
  EXPECT_THAT(out, HasSubstr("SUMMARY: lockscope: 1 lock-order-inversion, 0 other findings in 1 "
                             "process (2 suppressed candidates; --verbose lists them)\n"));
  EXPECT_THAT(out, Not(HasSubstr("\033[")));
  EXPECT_THAT(out, Not(HasSubstr("single-thread")));
}

// lockdep's order: T1 lock(a); T2 lock(b); T1 lock(b); T2 lock(a), in two columns.
TEST(TextReportTest, ScenarioIsTwoColumnsInLockdepOrder) {
  std::string out = RenderText(AbbaReport(), TextOptions{});
  size_t table = out.find("Possible unsafe locking scenario:");
  ASSERT_NE(table, std::string::npos);
  size_t a1 = out.find("lock(g_mu_a);", table);
  size_t b2 = out.find("lock(g_mu_b);", a1);
  size_t b1 = out.find("lock(g_mu_b);", b2 + 1);
  size_t a2 = out.find("lock(g_mu_a);", b1);
  ASSERT_NE(a2, std::string::npos);
  // T2's column is to the right of T1's.
  size_t line_a1 = out.rfind('\n', a1), line_b2 = out.rfind('\n', b2);
  EXPECT_GT(b2 - line_b2, a1 - line_a1);
  EXPECT_THAT(out, HasSubstr("T1"));
}

TEST(TextReportTest, SharedHoldsPrintRlock) {
  Report r = AbbaReport();
  r.findings[0].locks[0].kind = "rwlock";
  r.findings[0].edges[0].from_mode = "shared";
  r.findings[0].edges[1].to_mode = "shared";
  std::string out = RenderText(r, TextOptions{});
  EXPECT_THAT(out, HasSubstr("rlock(g_mu_a);"));
  EXPECT_THAT(out, HasSubstr("M0 (g_mu_a) read-acquired here while holding M1 (g_mu_b)"));
}

TEST(TextReportTest, AnalyzerScenarioIsUsedVerbatim) {
  Report r = AbbaReport();
  r.findings[0].scenario = {{11, "lock(A)"}, {12, "lock(B)"}, {11, "lock(B) <- blocks"}};
  std::string out = RenderText(r, TextOptions{});
  EXPECT_THAT(out, HasSubstr("lock(B) <- blocks\n"));
  EXPECT_THAT(out, HasSubstr("lock(A);\n"));
}

TEST(TextReportTest, NoFindingsIsJustTheSummary) {
  Report r;
  r.traces.resize(1);
  r.traces[0].path = "t.lstrace";
  EXPECT_EQ(RenderText(r, TextOptions{}), "SUMMARY: lockscope: no findings in 1 process\n");
}

TEST(TextReportTest, TraceWarningsAreNotes) {
  Report r;
  r.traces.resize(2);
  r.traces[0].path = "a.lstrace";
  r.traces[0].warnings = {"truncated: the file ends inside chunk 3"};
  r.traces[1].path = "b.lstrace";
  std::string out = RenderText(r, TextOptions{});
  EXPECT_THAT(out,
              HasSubstr("lockscope: note: a.lstrace: truncated: the file ends inside chunk 3\n"));
  EXPECT_THAT(out, HasSubstr("SUMMARY: lockscope: no findings in 2 processes\n"));
}

TEST(TextReportTest, VerboseListsSuppressedReasons) {
  std::string out = RenderText(AbbaReport(), TextOptions{false, true});
  EXPECT_THAT(out, HasSubstr("[single-thread] lock-order-cycle on g_log_mu, g_cfg_mu (threads 11): "
                             "every edge of the cycle comes from thread 11\n"));
  EXPECT_THAT(out, HasSubstr("(2 suppressed candidates listed above)"));
  EXPECT_THAT(out, HasSubstr("M0 (g_mu_a): mutex at 0x5040"));
}

TEST(TextReportTest, UnsymbolizedFramesShowModuleAndOffset) {
  Report r = AbbaReport();
  analysis::Frame raw;
  raw.pc = 0x7f0000001234;
  raw.module = "/usr/lib/x86_64-linux-gnu/libfoo.so.1";
  raw.module_offset = 0x1234;
  analysis::Frame nowhere;
  nowhere.pc = 0xdead;
  analysis::Frame no_file = raw;
  no_file.function = "Foo()";
  r.findings[0].edges[0].acquire_stack = {raw, nowhere, no_file};
  r.findings[0].edges[0].held_stack.clear();
  std::string out = RenderText(r, TextOptions{});
  EXPECT_THAT(out, HasSubstr("    #0 libfoo.so.1+0x1234\n    #1 0xdead\n"
                             "    #2 Foo() (libfoo.so.1+0x1234)\n"));
  EXPECT_THAT(out, HasSubstr("    <no stack recorded>\n"));
}

TEST(TextReportTest, OtherKindsShowKindSubkindStoryAndStacks) {
  Report r;
  r.traces.resize(1);
  Finding f;
  f.kind = FindingKind::kApiMisuse;
  f.subkind = "relock-non-recursive";
  f.pid = 77;
  f.summary = "thread T1 relocks g_registry_mu, which it already holds";
  f.story = "A default mutex is not recursive.\nThe second lock blocks forever.";
  f.locks = {Lock(1, "g_registry_mu")};
  f.extra_stacks = {{SourceFrame("AddClient()", "samples/aa_self_deadlock.cpp", 21)}};
  f.extra_stack_titles = {"Relocked here"};
  f.hung = true;
  r.findings.push_back(f);
  std::string out = RenderText(r, TextOptions{});
  EXPECT_THAT(out, HasSubstr("WARNING: lockscope: api-misuse (relock-non-recursive) on "
                             "g_registry_mu (the program hung here) (pid=77)\n"));
  EXPECT_THAT(out, HasSubstr("  thread T1 relocks g_registry_mu, which it already holds\n"));
  EXPECT_THAT(out, HasSubstr("  A default mutex is not recursive.\n  The second lock blocks"));
  EXPECT_THAT(out,
              HasSubstr("  Relocked here:\n    #0 AddClient() samples/aa_self_deadlock.cpp:21\n"));
  EXPECT_THAT(out, HasSubstr("M0 (g_registry_mu): mutex at 0x5040"));
  EXPECT_THAT(
      out, HasSubstr("SUMMARY: lockscope: 0 lock-order-inversions, 1 other finding in 1 process"));
  EXPECT_THAT(out, Not(HasSubstr("DEADLOCK")));
}

TEST(TextReportTest, LongGeneratedNamesAreSpelledOutOnlyInTheCycleLine) {
  Report r = AbbaReport();
  r.findings[0].locks[1].name = "mutex 0x7ffd0040 first locked at Transfer(Account&) bank.cc:42";
  std::string out = RenderText(r, TextOptions{});
  EXPECT_THAT(out,
              HasSubstr("=> M1 (mutex 0x7ffd0040 first locked at Transfer(Account&) bank.cc:42)"
                        " => M0\n"));
  EXPECT_THAT(out, HasSubstr("  M1 acquired here while holding M0 (g_mu_a) in thread T1:"));
  EXPECT_THAT(out, HasSubstr("   lock(M1);"));
}

TEST(TextReportTest, UnnamedThreadsAndStaticFindings) {
  Report r = AbbaReport();
  r.findings[0].threads.clear();
  r.findings[0].edges[1].tid = 1234;  // the pid: the main thread
  r.findings[0].edges[0].tid = 0;     // static pass: no thread
  std::string out = RenderText(r, TextOptions{});
  EXPECT_THAT(out, HasSubstr("M1 (g_mu_b) acquired here while holding M0 (g_mu_a):\n"));
  EXPECT_THAT(out,
              HasSubstr("acquired here while holding M1 (g_mu_b) in the main thread (tid 1234):"));
  EXPECT_THAT(out, Not(HasSubstr("thread thread")));
}

TEST(TextReportTest, StoryIsWrappedAtOneHundredColumns) {
  Report r = AbbaReport();
  std::string sentence;
  for (int i = 0; i < 40; ++i) sentence += "word" + std::to_string(i) + " ";
  r.findings[0].story = sentence + "\nSecond paragraph.";
  std::string out = RenderText(r, TextOptions{});
  size_t start = out.find("  word0 ");
  ASSERT_NE(start, std::string::npos);
  size_t end = out.find("Second paragraph.", start);
  ASSERT_NE(end, std::string::npos);
  for (size_t line = start; line < end;) {
    size_t nl = out.find('\n', line);
    EXPECT_LE(nl - line, 100u);
    EXPECT_EQ(out.compare(line, 2, "  "), 0);
    line = nl + 1;
  }
  EXPECT_THAT(out, HasSubstr("word39\n  Second paragraph.\n"));
}

TEST(TextReportTest, ControlBytesFromTheProgramCannotForgeLinesOrEscapes) {
  Report r = AbbaReport();
  r.findings[0].locks[0].name = "mu\n==================\nWARNING: lockscope: fake";
  r.findings[0].threads[1].name = "T1\033[2J";
  r.findings[0].edges[0].acquire_stack[0].function = "f\r\x7f";
  r.traces[0].warnings = {"bad\nline"};
  r.findings[0].story = "line one\nline two";
  std::string out = RenderText(r, TextOptions{});
  EXPECT_THAT(out, Not(HasSubstr("\nWARNING: lockscope: fake")));
  EXPECT_THAT(out, HasSubstr("mu\\x0a==================\\x0aWARNING: lockscope: fake"));
  EXPECT_THAT(out, HasSubstr("T1\\x1b[2J"));
  EXPECT_THAT(out, Not(HasSubstr("\033")));
  EXPECT_THAT(out, HasSubstr("f\\x0d\\x7f"));
  EXPECT_THAT(out,
              HasSubstr("lockscope: note: /tmp/trace/abba_mutex.1234.lstrace: bad\\x0aline\n"));
  EXPECT_THAT(out, HasSubstr("  line one\n  line two\n"));
}

TEST(TextReportTest, ColorOnlyWhenAsked) {
  std::string out = RenderText(AbbaReport(), TextOptions{true, false});
  EXPECT_THAT(out, HasSubstr("\033[1m\033[31mWARNING:\033[0m"));
  EXPECT_THAT(out, HasSubstr("\033[1mM0 (g_mu_a)\033[0m"));
}

TEST(TextReportTest, DanglingIndicesDoNotCrash) {
  Report r = AbbaReport();
  r.findings[0].edges[0].from = 7;
  r.findings[0].edges[1].to = -1;
  r.findings[0].edges[0].also_held = {42};
  std::string out = RenderText(r, TextOptions{true, true});
  EXPECT_THAT(out, HasSubstr("M?"));
}

}  // namespace
}  // namespace viz
}  // namespace lockscope

namespace lockscope {
namespace viz {
namespace {

// The jstack-style section: shown after a hang (no clean exit), or with --verbose.
TEST(TextReportTest, ThreadsAtEndOfRunAfterAHang) {
  Report r;
  analysis::TraceSummary t;
  t.pid = 42;
  t.clean_exit = false;
  analysis::ThreadAtEnd blocked;
  blocked.thread.tid = 43;
  blocked.thread.name = "T1";
  blocked.state = "blocked";
  blocked.waiting = "acquiring g_b, held by thread T2";
  blocked.since = "+0.500 s";
  analysis::Frame f;
  f.function = "Transfer";
  f.file = "/src/bank.cc";
  f.line = 31;
  blocked.wait_stack = {f};
  analysis::LockRef a;
  a.name = "g_a";
  blocked.held = {a};
  blocked.held_stacks = {{f}};
  analysis::ThreadAtEnd running;
  running.thread.tid = 44;
  running.thread.name = "T2";
  running.state = "running";
  t.threads_at_end = {blocked, running};
  r.traces.push_back(t);
  std::string out = RenderText(r, TextOptions{});
  EXPECT_NE(out.find("Threads at end of run (pid 42):\n"
                     "  T1 (tid 43) blocked since +0.500 s: acquiring g_b, held by thread T2\n"
                     "      #0 Transfer /src/bank.cc:31\n"
                     "    holds g_a, acquired at:\n"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("  T2 (tid 44) running\n"), std::string::npos) << out;
  r.traces[0].clean_exit = true;  // leaked threads are findings already: only with --verbose
  EXPECT_EQ(RenderText(r, TextOptions{}).find("Threads at end"), std::string::npos);
  TextOptions verbose;
  verbose.verbose = true;
  EXPECT_NE(RenderText(r, verbose).find("Threads at end of run (pid 42, still alive at exit)"),
            std::string::npos);
}

// Thread dumps (issue #4): always shown; a running thread with its own stack, one asleep in the
// kernel with the note saying why it has none; only the last five dumps in text.
TEST(TextReportTest, ThreadDumpsShowStacksNotesAndTheLastFive) {
  Report r;
  analysis::TraceSummary t;
  t.pid = 42;
  t.clean_exit = true;
  analysis::Frame spin;
  spin.function = "Spin";
  spin.file = "/src/busy.cc";
  spin.line = 7;
  analysis::ThreadAtEnd running;
  running.thread.tid = 43;
  running.thread.name = "T1";
  running.state = "running";
  running.stack = {spin};
  analysis::LockRef mu;
  mu.name = "g_mu";
  running.held = {mu};
  running.held_stacks = {{spin}};
  analysis::ThreadAtEnd asleep;
  asleep.thread.tid = 44;
  asleep.thread.name = "T2";
  asleep.state = "running";
  asleep.note = "sleeping in the kernel in nanosleep; not asked for its stack";
  analysis::ThreadDump d;
  d.number = 1;
  d.at = "+1.500 s";
  d.reason = "signal";
  d.threads = {running, asleep};
  t.thread_dumps = {d};
  r.traces.push_back(t);
  std::string out = RenderText(r, TextOptions{});
  EXPECT_NE(out.find("Thread dump 1 at +1.500 s (reason: signal; pid 42):\n"
                     "  T1 (tid 43) running\n"
                     "      #0 Spin /src/busy.cc:7\n"
                     "    holds g_mu, acquired at:\n"
                     "      #0 Spin /src/busy.cc:7\n"
                     "  T2 (tid 44) running, sleeping in the kernel in nanosleep; not asked for its "
                     "stack\n"),
            std::string::npos)
      << out;
  EXPECT_EQ(out.find("Threads at end"), std::string::npos) << out;  // clean exit, not verbose
  for (uint32_t n = 2; n <= 7; ++n) {
    d.number = n;
    d.reason = n == 7 ? "timeout" : "signal";
    r.traces[0].thread_dumps.push_back(d);
  }
  out = RenderText(r, TextOptions{});
  EXPECT_EQ(out.find("Thread dump 2 at"), std::string::npos) << out;
  EXPECT_NE(out.find("Thread dump 3 at"), std::string::npos) << out;
  EXPECT_NE(out.find("Thread dump 7 at +1.500 s (reason: timeout;"), std::string::npos) << out;
  EXPECT_NE(out.find("pid 42: 7 thread dumps, the last 5 shown"), std::string::npos) << out;
}

TEST(TextReportTest, StoodDownForTheDumpSignalIsANote) {
  Report r;
  analysis::TraceSummary t;
  t.pid = 42;
  t.clean_exit = true;
  t.dump_stood_down = true;
  r.traces.push_back(t);
  EXPECT_NE(RenderText(r, TextOptions{}).find("pid 42 handles the dump signal itself: lockscope "
                                              "stood down"),
            std::string::npos);
}

}  // namespace
}  // namespace viz
}  // namespace lockscope
