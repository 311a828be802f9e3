// Unit tests for analyzer/std_trace_reader: the STD text format (RAPID) imported into the Trace
// model, checked on the model itself and through Analyze() on the traces in tests/data/std
// (AB-BA, fork/join-ordered, reentrant monitor, wait/notify and its fixed twin, a hung trace,
// a bad line).

#include "std_trace_reader.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <sstream>
#include <string>

#include "analyze.h"

namespace lockscope {
namespace analysis {
namespace {

namespace tf = ::lockscope::trace;

std::string DataPath(const std::string& name) {
  return std::string(LOCKSCOPE_TEST_DATA_DIR) + "/std/" + name;
}

Trace ReadFile(const std::string& name) {
  Trace trace;
  std::string error;
  EXPECT_TRUE(ReadStdTrace(DataPath(name), &trace, &error)) << error;
  EXPECT_EQ(error, "") << name;
  return trace;
}

Trace ReadText(const std::string& text, std::string* error) {
  std::istringstream in(text);
  Trace trace;
  EXPECT_TRUE(ReadStdTraceFromStream(in, "t.std", &trace, error));
  return trace;
}

Report AnalyzeOne(const Trace& trace) {
  AnalyzeOptions options;
  options.symbolize = false;
  return Analyze({trace}, options);
}

std::vector<std::string> LockNames(const Finding& f) {
  std::vector<std::string> names;
  for (int i = 0; i < f.cycle_locks; ++i) names.push_back(f.locks[i].name);
  std::sort(names.begin(), names.end());
  return names;
}

const LockInfo* LockNamed(const Trace& trace, const std::string& name) {
  for (const auto& [id, info] : trace.locks) {
    if (info.name == name) return &info;
  }
  return nullptr;
}

TEST(StdTraceReaderTest, BuildsThreadsLocksForkAndJoin) {
  Trace t = ReadFile("abba.std");
  EXPECT_TRUE(t.stats.warnings.empty());
  EXPECT_TRUE(t.stats.clean_exit);
  ASSERT_EQ(t.threads.size(), 3u);
  EXPECT_EQ(t.threads.at(1).name, "T0");
  EXPECT_EQ(t.threads.at(1).parent_tid, 0u);
  EXPECT_EQ(t.threads.at(2).name, "T1");
  EXPECT_EQ(t.threads.at(2).parent_tid, 1u);
  EXPECT_EQ(t.threads.at(2).parent_epoch, 0u);
  EXPECT_EQ(t.threads.at(3).parent_epoch, 1u);  // the second fork
  EXPECT_TRUE(t.threads.at(2).joined);
  ASSERT_EQ(t.joins.size(), 2u);
  EXPECT_EQ(t.joins[0].joiner_tid, 1u);
  EXPECT_EQ(t.joins[0].epoch_after, 3u);  // two forks and this join
  ASSERT_EQ(t.locks.size(), 2u);
  const LockInfo* a = LockNamed(t, "A");
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->kind, LockKind::kMutex);
  EXPECT_NE(a->attrs & tf::kAttrRecursive, 0);  // Java monitors are reentrant
  EXPECT_EQ(t.acquires.size(), 4u);  // req/r/w add none
  EXPECT_EQ(t.stats.records, 16u);   // every event line, comments excluded
  // The site of T1's acq(B): Bank.java:22, as a synthetic one-frame stack.
  const AcquireEvent& b = t.acquires[1];
  ASSERT_EQ(b.held.size(), 1u);
  EXPECT_EQ(b.held[0].lock_id, a->id);
  const SyntheticSite& site = t.synthetic_sites.at(t.stacks.at(b.stack_id).at(0));
  EXPECT_EQ(site.file, "Bank.java");
  EXPECT_EQ(site.line, 22);
}

TEST(StdTraceReaderTest, AbbaIsReportedWithNamesAndSites) {
  Report r = AnalyzeOne(ReadFile("abba.std"));
  ASSERT_EQ(r.findings.size(), 1u);
  const Finding& f = r.findings[0];
  EXPECT_EQ(f.kind, FindingKind::kLockOrderCycle);
  EXPECT_EQ(LockNames(f), (std::vector<std::string>{"A", "B"}));
  ASSERT_EQ(f.edges.size(), 2u);
  std::vector<std::string> sites;
  for (const EdgeEvidence& e : f.edges) {
    ASSERT_EQ(e.acquire_stack.size(), 1u);
    sites.push_back(e.acquire_stack[0].file + ":" + std::to_string(e.acquire_stack[0].line));
  }
  std::sort(sites.begin(), sites.end());
  EXPECT_EQ(sites, (std::vector<std::string>{"Audit.java:41", "Bank.java:22"}));
  std::vector<std::string> threads;
  for (const ThreadRef& t : f.threads) threads.push_back(t.name);
  std::sort(threads.begin(), threads.end());
  EXPECT_EQ(threads, (std::vector<std::string>{"T1", "T2"}));  // STD names agree with T<n>
}

TEST(StdTraceReaderTest, ForkAndJoinOrderedInversionsAreSilent) {
  Trace t = ReadFile("fork_join_ordered.std");
  Report r = AnalyzeOne(t);
  EXPECT_TRUE(r.findings.empty());
  ASSERT_EQ(r.suppressed.size(), 2u);  // A/B ordered by fork, C/D by join
  for (const SuppressedCandidate& s : r.suppressed) EXPECT_EQ(s.reason_id, "happens-before");
}

TEST(StdTraceReaderTest, ReentrantMonitorMakesNoOrderEdge) {
  Trace t = ReadFile("reentrant.std");
  auto reentrant = std::count_if(t.acquires.begin(), t.acquires.end(), [](const AcquireEvent& a) {
    return (a.flags & tf::kAcqReentrant) != 0;
  });
  EXPECT_EQ(reentrant, 1);
  Report r = AnalyzeOne(t);
  EXPECT_TRUE(r.findings.empty());
  ASSERT_EQ(r.suppressed.size(), 1u);
  EXPECT_EQ(r.suppressed[0].reason_id, "reentrant");
}

TEST(StdTraceReaderTest, ReentryCountsReleases) {
  std::string error;
  Trace t = ReadText(
      "T1|acq(A)|1\nT1|acq(A)|2\nT1|rel(A)|3\nT2|acq(A)|4\nT1|rel(A)|5\nT2|acq(A)|6\n", &error);
  EXPECT_EQ(error, "");
  // Line 4: A is still held once by T1, so T2's acquisition breaks the discipline.
  ASSERT_EQ(t.stats.warnings.size(), 1u);
  EXPECT_EQ(t.stats.warnings[0], "line 4: T2 acquires A while T1 holds it (event skipped)");
}

TEST(StdTraceReaderTest, WaitReleasesAndRetakesTheMonitor) {
  Trace t = ReadFile("wait_notify.std");
  EXPECT_TRUE(t.stats.warnings.empty()) << t.stats.warnings[0];  // T2 took M during the wait
  Report r = AnalyzeOne(t);
  ASSERT_EQ(r.findings.size(), 1u);
  const Finding& f = r.findings[0];
  EXPECT_EQ(LockNames(f), (std::vector<std::string>{"A", "M"}));
  // The edge A -> M is T1's re-take of M when its wait returned, at the wait's site.
  bool retake = std::any_of(f.edges.begin(), f.edges.end(), [&](const EdgeEvidence& e) {
    return f.locks[e.from].name == "A" && f.locks[e.to].name == "M" &&
           e.acquire_stack.size() == 1 && e.acquire_stack[0].file == "Queue.java" &&
           e.acquire_stack[0].line == 12;
  });
  EXPECT_TRUE(retake);

  Trace fixed = ReadFile("wait_notify_fixed.std");
  EXPECT_TRUE(fixed.stats.warnings.empty());
  EXPECT_TRUE(AnalyzeOne(fixed).findings.empty());
}

TEST(StdTraceReaderTest, WaitOrNotifyWithoutTheMonitorIsWarned) {
  std::string error;
  Trace t = ReadText("T1|wait(M)|1\nT1|notify(M)|2\nT1|rel(M)|3\n", &error);
  EXPECT_EQ(error, "");
  EXPECT_EQ(t.stats.warnings,
            (std::vector<std::string>{"line 1: T1 waits on M without holding it (event skipped)",
                                      "line 2: T1 notifies M without holding it",
                                      "line 3: T1 releases M, which it does not hold (event "
                                      "skipped)"}));
}

TEST(StdTraceReaderTest, ThreadsLeftWaitingOrRequestingAreBlocked) {
  Trace t = ReadFile("hung.std");
  EXPECT_FALSE(t.stats.clean_exit);
  int blocked = 0;
  for (const SlotSnapshot& s : t.slots) {
    if (s.state == tf::ThreadState::kBlocked) {
      ++blocked;
      EXPECT_EQ(s.wait_kind, tf::WaitKind::kLock);
      EXPECT_EQ(s.held.size(), 1u);
    }
  }
  EXPECT_EQ(blocked, 2);
  Report r = AnalyzeOne(t);
  bool actual = std::any_of(r.findings.begin(), r.findings.end(), [](const Finding& f) {
    return f.kind == FindingKind::kActualDeadlock;
  });
  EXPECT_TRUE(actual);
  // The requests are dependencies too: the AB-BA cycle is reported, marked as observed hung.
  auto cycle = std::find_if(r.findings.begin(), r.findings.end(), [](const Finding& f) {
    return f.kind == FindingKind::kLockOrderCycle;
  });
  ASSERT_NE(cycle, r.findings.end());
  EXPECT_TRUE(cycle->hung);

  std::string error;
  Trace waiting = ReadText("T1|acq(M)|1\nT1|wait(M)|2\n", &error);
  ASSERT_EQ(waiting.slots.size(), 1u);
  EXPECT_EQ(waiting.slots[0].state, tf::ThreadState::kBlocked);
  EXPECT_EQ(waiting.slots[0].wait_kind, tf::WaitKind::kCond);
  EXPECT_TRUE(waiting.slots[0].held.empty());  // the wait released M
}

TEST(StdTraceReaderTest, BadLineStopsTheReadAndKeepsWhatCameBefore) {
  Trace t;
  std::string error;
  ASSERT_TRUE(ReadStdTrace(DataPath("bad_line.std"), &t, &error));
  EXPECT_EQ(error, DataPath("bad_line.std") +
                       ":9: unknown operation 'lock(C)' (known: acq rel req fork join wait notify "
                       "notifyAll r w begin end branch enter exit)");
  EXPECT_TRUE(t.stats.truncated);
  Report r = AnalyzeOne(t);  // lines 1-8 hold the whole AB-BA
  ASSERT_EQ(r.findings.size(), 1u);
  EXPECT_EQ(LockNames(r.findings[0]), (std::vector<std::string>{"A", "B"}));
}

TEST(StdTraceReaderTest, SyntaxErrorsNameTheLine) {
  struct Case {
    const char* text;
    const char* error;
  };
  const Case cases[] = {
      {"T1 acq(A) 3\n", "t.std:1: expected THREAD|OP(ARG)|LOC"},
      {"# c\n\nT1|acq()|3\n", "t.std:3: 'acq()' needs an argument: acq(...)"},
      {"T1|acq(A|3\n", "t.std:1: 'acq(A': missing ')'"},
      {"T1|acq(A)|3|4\n", "t.std:1: more than three '|'-separated fields"},
      {"|acq(A)|3\n", "t.std:1: bad thread ''"},
      {"T1|acq(A B)|3\n", "t.std:1: bad argument in 'acq(A B)'"},
      {"T1|fork|3\n", "t.std:1: 'fork' needs an argument: fork(...)"},
  };
  for (const Case& c : cases) {
    std::string error;
    ReadText(c.text, &error);
    EXPECT_EQ(error, c.error) << c.text;
  }
  std::string error;
  ReadText(std::string("T1|acq(A)|1\n") + std::string(70000, 'x'), &error);
  EXPECT_EQ(error, "t.std:2: line longer than 65536 bytes");
}

TEST(StdTraceReaderTest, HostileBytesAreEscapedInTheOneLineError) {
  std::string error;
  ReadText("T1|\x1b[2Jacq(A)|1\n", &error);
  EXPECT_EQ(error.rfind("t.std:1: unknown operation '\\x1b[2Jacq(A)'", 0), 0u) << error;
  ReadText("T1|" + std::string(200, 'q') + "|1\n", &error);
  EXPECT_NE(error.find(std::string(60, 'q') + "...'"), std::string::npos) << error;
}

// Seeded random mutations of a valid trace: every read ends with an error naming a line or with
// a trace, and Analyze() copes with whatever was read.
TEST(StdTraceReaderTest, MutatedTracesNeverCrash) {
  const std::string base =
      "T0|fork(T1)|1\nT0|fork(T2)|2\nT1|acq(A)|3\nT1|wait(A)|4\nT2|acq(A)|5\nT2|notify(A)|6\n"
      "T2|rel(A)|7\nT1|acq(B)|8\nT1|rel(B)|9\nT1|rel(A)|10\nT2|req(B)|11\nT0|join(T1)|12\n";
  const char kBytes[] = "|()T0AB\n\r #:acqrelwaitjoinfork\x00\xff";
  uint32_t seed = 12345;
  auto next = [&seed] {
    seed = seed * 1103515245u + 12345u;
    return (seed >> 16) & 0x7fff;
  };
  for (int round = 0; round < 2000; ++round) {
    std::string text = base;
    int edits = 1 + static_cast<int>(next() % 8);
    for (int e = 0; e < edits; ++e) {
      size_t at = next() % text.size();
      char c = kBytes[next() % (sizeof(kBytes) - 1)];
      switch (next() % 3) {
        case 0: text[at] = c; break;
        case 1: text.insert(text.begin() + static_cast<long>(at), c); break;
        default: text.erase(at, 1 + next() % 4); break;
      }
    }
    std::string error;
    Trace t = ReadText(text, &error);
    if (!error.empty()) {
      EXPECT_EQ(error.rfind("t.std:", 0), 0u) << error;
    }
    EXPECT_EQ(error.find('\n'), std::string::npos);
    AnalyzeOne(t);
  }
}

TEST(StdTraceReaderTest, AcceptsMarkersMissingLocAndCrlf) {
  std::string error;
  Trace t = ReadText("T1|begin|1\r\nT1|enter(m)|2\r\nT1|acq(A)\r\nT1|rel(A)|\nT1|end|3", &error);
  EXPECT_EQ(error, "");
  EXPECT_EQ(t.stats.records, 5u);
  ASSERT_EQ(t.acquires.size(), 1u);
  EXPECT_EQ(t.acquires[0].stack_id, 0u);  // no location
}

TEST(StdTraceReaderTest, NumericLocationsBecomeLabels) {
  std::string error;
  Trace t = ReadText("T1|acq(A)|345\n", &error);
  ASSERT_EQ(t.synthetic_sites.size(), 1u);
  EXPECT_EQ(t.synthetic_sites.begin()->second.function, "loc 345");
  EXPECT_EQ(t.synthetic_sites.begin()->second.file, "");
}

TEST(StdTraceReaderTest, RepeatedIdenticalAcquisitionsAreKeptOnce) {
  std::string text;
  for (int i = 0; i < 1000; ++i) text += "T1|acq(A)|1\nT1|acq(B)|2\nT1|rel(B)|3\nT1|rel(A)|4\n";
  std::string error;
  Trace t = ReadText(text, &error);
  EXPECT_EQ(t.acquires.size(), 2u);
  EXPECT_EQ(t.stats.records, 4000u);
}

TEST(StdTraceReaderTest, UnreadableFileIsAnError) {
  Trace t;
  std::string error;
  EXPECT_FALSE(ReadStdTrace("/nonexistent/x.std", &t, &error));
  EXPECT_EQ(error, "/nonexistent/x.std: cannot read: No such file or directory");
  EXPECT_FALSE(ReadStdTrace(std::string(LOCKSCOPE_TEST_DATA_DIR), &t, &error));
  EXPECT_NE(error.find("is a directory"), std::string::npos);
}

}  // namespace
}  // namespace analysis
}  // namespace lockscope
