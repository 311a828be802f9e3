// Unit tests of the libclang side of the static pass on small hand-written sources: Clang
// thread-safety attributes read through macros (nested, as in Clang's mutex.h, and written
// directly), stores of views into guarded data, and the robustness items: a file that fails to
// parse does not stop the others, gcc-only flags are dropped, the resource dir is found, a
// missing compile database is a one-line error.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "clang_extractor.h"
#include "compile_db.h"
#include "facts_json.h"
#include "static_facts.h"

namespace lockscope {
namespace static_analysis {
namespace {

class ClangExtractorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/lockscope-extractor-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { std::system(("rm -rf '" + dir_ + "'").c_str()); }

  std::string Write(const std::string& name, const std::string& text) {
    std::string path = dir_ + "/" + name;
    std::ofstream(path) << text;
    return path;
  }

  ProgramFacts Parse(const std::vector<std::string>& files) {
    ProgramFacts facts;
    RunStatic(JobsFromFiles(files, {"-std=c++17"}), &facts);
    return facts;
  }

  std::string dir_;
};

const char* kMacros = R"(
#include <mutex>
#define THREAD_ANNOTATION_ATTRIBUTE__(x) __attribute__((x))
#define CAPABILITY(x) THREAD_ANNOTATION_ATTRIBUTE__(capability(x))
#define GUARDED_BY(x) THREAD_ANNOTATION_ATTRIBUTE__(guarded_by(x))
#define REQUIRES(...) THREAD_ANNOTATION_ATTRIBUTE__(requires_capability(__VA_ARGS__))
#define ACQUIRE(...) THREAD_ANNOTATION_ATTRIBUTE__(acquire_capability(__VA_ARGS__))
#define RELEASE(...) THREAD_ANNOTATION_ATTRIBUTE__(release_capability(__VA_ARGS__))
#define NO_THREAD_SAFETY_ANALYSIS THREAD_ANNOTATION_ATTRIBUTE__(no_thread_safety_analysis)
class CAPABILITY("mutex") Mu {
 public:
  void Lock() ACQUIRE() { m_.lock(); }
  void Unlock() RELEASE() { m_.unlock(); }
 private:
  std::mutex m_;
};
)";

const FunctionFacts* Find(const ProgramFacts& p, const std::string& name) {
  for (const auto& [usr, f] : p.functions) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

TEST_F(ClangExtractorTest, ThreadSafetyAttributesThroughMacrosAndWrittenDirectly) {
  std::string src = Write("a.cpp", std::string(kMacros) + R"(
namespace ns { Mu g_mu; }
int g_total GUARDED_BY(ns::g_mu);
void Count() { ++g_total; }  // guards are noted where the variable is used
struct Account {
  void AddLocked(int v) REQUIRES(mu_) { balance_ += v; }
  void Add(int v) { mu_.Lock(); AddLocked(v); mu_.Unlock(); }
  void Dump() NO_THREAD_SAFETY_ANALYSIS {}
  Mu mu_;
  int balance_ __attribute__((guarded_by(mu_))) = 0;
};
)");
  ProgramFacts p = Parse({src});
  ASSERT_TRUE(p.failed_files.empty()) << p.failed_files[0];
  ASSERT_EQ(p.declared_guards.count("g_total"), 1u);
  EXPECT_EQ(p.declared_guards["g_total"].lock, "ns::g_mu");
  ASSERT_EQ(p.declared_guards.count("Account::balance_"), 1u);
  EXPECT_EQ(p.declared_guards["Account::balance_"].lock, "Account::mu_");
  EXPECT_EQ(p.lock_kinds["Account::mu_"], "mutex");  // a CAPABILITY class is a lock type

  const FunctionFacts* locked = Find(p, "Account::AddLocked");
  ASSERT_NE(locked, nullptr);
  ASSERT_EQ(locked->accesses.size(), 1u);  // walked holding what it REQUIRES
  ASSERT_EQ(locked->accesses[0].held.size(), 1u);
  EXPECT_EQ(locked->accesses[0].held[0].lock, "Account::mu_");
  EXPECT_TRUE(locked->accesses[0].held[0].from_caller);

  const FunctionFacts* add = Find(p, "Account::Add");
  ASSERT_NE(add, nullptr);
  ASSERT_EQ(add->acquires.size(), 1u);  // mu_.Lock() through ACQUIRE()
  EXPECT_EQ(add->acquires[0].lock, "Account::mu_");
  bool call_seen = false;
  for (const CallFact& c : add->calls) {
    if (c.callee_name != "Account::AddLocked") continue;
    call_seen = true;
    ASSERT_EQ(c.callee_requires.size(), 1u);
    EXPECT_EQ(c.callee_requires[0].lock, "Account::mu_");
    ASSERT_EQ(c.held.size(), 1u);  // and mu_ is held at the call
  }
  EXPECT_TRUE(call_seen);
  ASSERT_NE(Find(p, "Account::Dump"), nullptr);
  EXPECT_TRUE(Find(p, "Account::Dump")->no_thread_safety_analysis);
}

TEST_F(ClangExtractorTest, ScopedCapabilityGuardHoldsUntilReleaseOrScopeEnd) {
  std::string src = Write("g.cpp", std::string(kMacros) + R"(
#define SCOPED_CAPABILITY THREAD_ANNOTATION_ATTRIBUTE__(scoped_lockable)
class SCOPED_CAPABILITY Lock {
 public:
  explicit Lock(Mu* m) ACQUIRE(m) : m_(m) { m->Lock(); }
  ~Lock() RELEASE() { if (m_) m_->Unlock(); }
  void Release() RELEASE() { m_->Unlock(); m_ = nullptr; }
 private:
  Mu* m_;
};
Mu g_mu;
int g_a, g_b, g_c;
void F() {
  {
    Lock l(&g_mu);
    g_a = 1;
    l.Release();
    g_b = 2;
  }
  g_c = 3;
}
)");
  ProgramFacts p = Parse({src});
  ASSERT_TRUE(p.failed_files.empty()) << p.failed_files[0];
  const FunctionFacts* f = Find(p, "F");
  ASSERT_NE(f, nullptr);
  ASSERT_EQ(f->acquires.size(), 1u);
  EXPECT_EQ(f->acquires[0].lock, "g_mu");
  std::map<std::string, size_t> held;
  for (const AccessFact& a : f->accesses) held[a.variable] = a.held.size();
  EXPECT_EQ(held["g_a"], 1u);  // under the guard
  EXPECT_EQ(held["g_b"], 0u);  // after its Release()
  EXPECT_EQ(held["g_c"], 0u);  // after its scope
}

TEST_F(ClangExtractorTest, StoresOfViewsIntoGuardedDataAreEscapesCopiesAreNot) {
  std::string src = Write("b.cpp", R"(
#include <mutex>
#include <vector>
struct Feed {
  void Select(unsigned i) { std::lock_guard<std::mutex> l(mu_); current_ = &items_[i]; }
  void Copy(unsigned i) { std::lock_guard<std::mutex> l(mu_); value_ = items_[i]; }
  void Next() { std::lock_guard<std::mutex> l(mu_); current_ = ptrs_[0]; }
  void Out(const int** out) { std::lock_guard<std::mutex> l(mu_); *out = items_.data(); }
  std::mutex mu_;
  std::vector<int> items_;
  std::vector<const int*> ptrs_;
  const int* current_ = nullptr;
  int value_ = 0;
};
)");
  ProgramFacts p = Parse({src});
  ASSERT_TRUE(p.failed_files.empty()) << p.failed_files[0];
  const FunctionFacts* select = Find(p, "Feed::Select");
  ASSERT_NE(select, nullptr);
  ASSERT_EQ(select->escapes.size(), 1u);
  EXPECT_EQ(select->escapes[0].how, "stored");
  EXPECT_EQ(select->escapes[0].stored_in, "Feed::current_");
  EXPECT_EQ(select->escapes[0].variable, "Feed::items_");
  EXPECT_EQ(select->escapes[0].lock, "Feed::mu_");
  EXPECT_TRUE(Find(p, "Feed::Copy")->escapes.empty());  // a copy of the value
  EXPECT_TRUE(Find(p, "Feed::Next")->escapes.empty());  // a pointer value copied out of the data
  const FunctionFacts* out = Find(p, "Feed::Out");
  ASSERT_EQ(out->escapes.size(), 1u);
  EXPECT_EQ(out->escapes[0].stored_in, "");
  EXPECT_EQ(out->escapes[0].via, "out-parameter `out`");
}

// Condition-variable waits carry their mutex and what their predicate reads (a predicate lambda
// or the loop around a bare wait); notifications are recorded by line.
TEST_F(ClangExtractorTest, CondVarWaitsKnowTheirMutexAndPredicate) {
  std::string src = Write("cv.cpp", R"(
#include <condition_variable>
#include <mutex>
struct Pool {
  void Drain() {
    std::unique_lock<std::mutex> l(mu_);
    done_.wait(l, [&] { return idle_ == 3; });
  }
  void Park() {
    std::unique_lock<std::mutex> l(mu_);
    ++idle_;
    done_.notify_all();
    while (!stop_) work_.wait(l);
  }
  void Bare() {
    std::unique_lock<std::mutex> l(mu_);
    work_.wait(l);
  }
  std::mutex mu_;
  std::condition_variable work_, done_;
  int idle_ = 0;
  bool stop_ = false;
};
)");
  ProgramFacts p = Parse({src});
  ASSERT_TRUE(p.failed_files.empty()) << p.failed_files[0];
  const FunctionFacts* drain = Find(p, "Pool::Drain");
  ASSERT_NE(drain, nullptr);
  ASSERT_EQ(drain->cond_waits.size(), 1u);
  EXPECT_EQ(drain->cond_waits[0].mutex, "Pool::mu_");
  EXPECT_EQ(drain->cond_waits[0].predicate, std::vector<std::string>{"Pool::idle_"});
  const FunctionFacts* park = Find(p, "Pool::Park");
  ASSERT_EQ(park->cond_waits.size(), 1u);
  EXPECT_EQ(park->cond_waits[0].predicate, std::vector<std::string>{"Pool::stop_"});
  EXPECT_EQ(park->wake_lines, std::vector<int>{12});
  EXPECT_LT(park->wake_lines[0], park->cond_waits[0].line);
  const FunctionFacts* bare = Find(p, "Pool::Bare");
  ASSERT_EQ(bare->cond_waits.size(), 1u);
  EXPECT_TRUE(bare->cond_waits[0].predicate.empty());
}

// Inside a template a wait given a lambda is a dependent call libclang leaves unresolved: it is
// still recognised, so its predicate runs in place under the mutex and the wait is recorded.
TEST_F(ClangExtractorTest, CondVarWaitInATemplateRunsItsPredicateUnderTheMutex) {
  std::string src = Write("cvt.cpp", R"(
#include <condition_variable>
#include <mutex>
template <typename T>
struct Queue {
  template <typename F>
  void Work(F f) {
    std::unique_lock<std::mutex> l(mu_);
    cv_.wait(l, [this] { return done_; });
    f();
  }
  void Wait(std::condition_variable* cv) {
    std::unique_lock<std::mutex> l(mu_);
    cv->wait(l, [this] { return done_; });
  }
  std::mutex mu_;
  std::condition_variable cv_;
  bool done_ = false;
};
)");
  ProgramFacts p = Parse({src});
  ASSERT_TRUE(p.failed_files.empty()) << p.failed_files[0];
  for (const char* name : {"Queue::Work", "Queue::Wait"}) {
    const FunctionFacts* f = Find(p, name);
    ASSERT_NE(f, nullptr) << name;
    ASSERT_EQ(f->accesses.size(), 1u) << name;  // in place, not a function of its own
    EXPECT_EQ(f->accesses[0].variable, "Queue::done_");
    ASSERT_EQ(f->accesses[0].held.size(), 1u) << name;
    EXPECT_EQ(f->accesses[0].held[0].lock, "Queue::mu_");
    ASSERT_EQ(f->cond_waits.size(), 1u) << name;
    EXPECT_EQ(f->cond_waits[0].mutex, "Queue::mu_");
    EXPECT_EQ(f->cond_waits[0].predicate, std::vector<std::string>{"Queue::done_"});
  }
}

// A mutex on a function's stack is marked local; a static local, a member or a global is not.
TEST_F(ClangExtractorTest, FunctionLocalLocksAreMarked) {
  std::string src = Write("local.cpp", R"(
#include <mutex>
std::mutex g_mu;
struct S {
  void F() {
    std::mutex scratch;
    static std::mutex once;
    std::lock_guard<std::mutex> a(scratch), b(once), c(mu_), d(g_mu);
  }
  std::mutex mu_;
};
)");
  ProgramFacts p = Parse({src});
  ASSERT_TRUE(p.failed_files.empty()) << p.failed_files[0];
  EXPECT_EQ(p.local_locks, std::set<std::string>{"S::F::scratch"});
  EXPECT_EQ(p.lock_kinds.count("S::F::once"), 1u);
  EXPECT_EQ(p.lock_kinds.count("S::mu_"), 1u);
}

// ACQUIRED_BEFORE/ACQUIRED_AFTER on lock declarations are the declared order; ASSERT_CAPABILITY
// makes a lock held after the call; a RETURN_CAPABILITY getter names the lock it returns.
TEST_F(ClangExtractorTest, DeclaredOrderAssertAndReturnedCapabilities) {
  std::string src = Write("o.cpp", std::string(kMacros) + R"(
#define ACQUIRED_BEFORE(...) THREAD_ANNOTATION_ATTRIBUTE__(acquired_before(__VA_ARGS__))
#define ACQUIRED_AFTER(...) THREAD_ANNOTATION_ATTRIBUTE__(acquired_after(__VA_ARGS__))
#define ASSERT_CAPABILITY(x) THREAD_ANNOTATION_ATTRIBUTE__(assert_capability(x))
#define RETURN_CAPABILITY(x) THREAD_ANNOTATION_ATTRIBUTE__(lock_returned(x))
Mu g_first;
Mu g_second ACQUIRED_AFTER(g_first);
void AssertFirstHeld() ASSERT_CAPABILITY(g_first);
int g_n;
struct Table {
  Mu* GetMu() RETURN_CAPABILITY(mu_) { return &mu_; }
  void Put() { GetMu()->Lock(); ++rows_; GetMu()->Unlock(); }
  void Checked() { AssertFirstHeld(); g_n = 1; }
  Mu mu_;
  Mu log_mu_ ACQUIRED_BEFORE(mu_);
  int rows_ = 0;
};
)");
  ProgramFacts p = Parse({src});
  ASSERT_TRUE(p.failed_files.empty()) << p.failed_files[0];
  std::set<std::pair<std::string, std::string>> order;
  for (const DeclaredOrder& d : p.declared_order) order.emplace(d.first, d.second);
  EXPECT_EQ(order, (std::set<std::pair<std::string, std::string>>{
                       {"g_first", "g_second"}, {"Table::log_mu_", "Table::mu_"}}));
  const FunctionFacts* put = Find(p, "Table::Put");
  ASSERT_NE(put, nullptr);
  ASSERT_EQ(put->acquires.size(), 1u);
  EXPECT_EQ(put->acquires[0].lock, "Table::mu_");
  ASSERT_EQ(put->accesses.size(), 1u);
  ASSERT_EQ(put->accesses[0].held.size(), 1u);
  EXPECT_EQ(put->accesses[0].held[0].lock, "Table::mu_");
  const FunctionFacts* checked = Find(p, "Table::Checked");
  ASSERT_NE(checked, nullptr);
  ASSERT_EQ(checked->accesses.size(), 1u);
  ASSERT_EQ(checked->accesses[0].held.size(), 1u);
  EXPECT_EQ(checked->accesses[0].held[0].lock, "g_first");
  EXPECT_TRUE(checked->acquires.empty());  // asserted, not acquired
}

// Attribute arguments hidden in parameterless macros are read from the macros' definitions, in
// the main file or an included header, through macros that expand to other macros.
TEST_F(ClangExtractorTest, AttributeArgumentsHiddenInParameterlessMacros) {
  Write("locks.h", std::string(kMacros) + R"(
#define GUARDED_BY_MU GUARDED_BY(mu_)
#define LOCKED_MU \
    REQUIRES(mu_)
)");
  std::string src = Write("m.cpp", R"(
#include "locks.h"
#define COUNT_GUARD __attribute__((guarded_by(g_count_mu)))
#define COUNT_GUARD_ALIAS COUNT_GUARD
Mu g_count_mu;
int g_count COUNT_GUARD_ALIAS;
struct Account {
  void AddLocked(int v) LOCKED_MU { balance_ += v; }
  Mu mu_;
  int balance_ GUARDED_BY_MU = 0;
};
void Touch() { ++g_count; }
)");
  ProgramFacts p = Parse({src});
  ASSERT_TRUE(p.failed_files.empty()) << p.failed_files[0];
  ASSERT_EQ(p.declared_guards.count("Account::balance_"), 1u);
  EXPECT_EQ(p.declared_guards["Account::balance_"].lock, "Account::mu_");
  ASSERT_EQ(p.declared_guards.count("g_count"), 1u);
  EXPECT_EQ(p.declared_guards["g_count"].lock, "g_count_mu");
  const FunctionFacts* locked = Find(p, "Account::AddLocked");
  ASSERT_NE(locked, nullptr);
  ASSERT_EQ(locked->accesses.size(), 1u);
  ASSERT_EQ(locked->accesses[0].held.size(), 1u);  // walked holding what LOCKED_MU requires
  EXPECT_EQ(locked->accesses[0].held[0].lock, "Account::mu_");
}

// The fact cache: a second run takes every file's facts from the cache (same facts, same
// findings); changing a header the file includes makes it parsed again.
TEST_F(ClangExtractorTest, FactCacheReusesFactsUntilAnInputChanges) {
  Write("counter.h", "#include <mutex>\nstd::mutex g_mu;\nint g_n;\n");
  std::string src = Write("c.cpp", R"(
#include "counter.h"
void Add() { std::lock_guard<std::mutex> l(g_mu); ++g_n; }
int Peek() { return g_n; }
)");
  const std::string cache = dir_ + "/cache";
  auto run = [&](StaticRunStats* stats, ProgramFacts* facts) {
    return RunStatic(JobsFromFiles({src}, {"-std=c++17"}), facts, cache, stats);
  };
  StaticRunStats cold, warm, changed;
  ProgramFacts cold_facts, warm_facts, changed_facts;
  analysis::Report r1 = run(&cold, &cold_facts);
  analysis::Report r2 = run(&warm, &warm_facts);
  EXPECT_EQ(cold.parsed, 1u);
  EXPECT_EQ(cold.from_cache, 0u);
  EXPECT_EQ(warm.parsed, 0u);
  EXPECT_EQ(warm.from_cache, 1u);
  EXPECT_EQ(FactsToBytes(cold_facts), FactsToBytes(warm_facts));
  ASSERT_EQ(r1.findings.size(), 1u);  // Peek() reads g_n without g_mu
  ASSERT_EQ(r2.findings.size(), 1u);
  EXPECT_EQ(r1.findings[0].summary, r2.findings[0].summary);
  Write("counter.h", "#include <mutex>\nstd::mutex g_mu;\nint g_n;\nint g_other;\n");
  run(&changed, &changed_facts);
  EXPECT_EQ(changed.parsed, 1u);
  EXPECT_EQ(changed.from_cache, 0u);
}

// A view is tied to the variable it points into: `name_.c_str()` is a view of name_, but what a
// free function returns (fopen(path_.c_str())) points into nothing of ours.
TEST_F(ClangExtractorTest, AViewPointsIntoItsObjectNotIntoAFunctionsArguments) {
  std::string src = Write("v.cpp", R"(
#include <cstdio>
#include <mutex>
#include <string>
struct Log {
  size_t NameLength() {
    mu_.lock();
    const char* p = name_.c_str();
    mu_.unlock();
    return p[0] == 0 ? 0 : 1;
  }
  void Append() {
    mu_.lock();
    FILE* f = std::fopen(path_.c_str(), "a");
    mu_.unlock();
    if (f) std::fclose(f);
  }
  std::mutex mu_;
  std::string name_, path_;
};
)");
  ProgramFacts p = Parse({src});
  ASSERT_TRUE(p.failed_files.empty()) << p.failed_files[0];
  const FunctionFacts* length = Find(p, "Log::NameLength");
  ASSERT_NE(length, nullptr);
  ASSERT_EQ(length->escapes.size(), 1u);
  EXPECT_EQ(length->escapes[0].variable, "Log::name_");
  EXPECT_EQ(length->escapes[0].via, "p");
  EXPECT_TRUE(Find(p, "Log::Append")->escapes.empty());
}

TEST_F(ClangExtractorTest, AFileThatFailsDoesNotStopTheOthers) {
  std::string bad = Write("bad.cpp", "#include \"does_not_exist.h\"\nint f() { return }\n");
  std::string good = Write("good.cpp", R"(
#include <mutex>
std::mutex g_mu;
void Good() { std::lock_guard<std::mutex> l(g_mu); }
)");
  ProgramFacts p = Parse({bad, dir_ + "/missing.cpp", good});
  ASSERT_EQ(p.failed_files.size(), 2u);
  bool named_bad = false, named_missing = false;
  for (const std::string& f : p.failed_files) {
    if (f.find("bad.cpp") != std::string::npos) {
      named_bad = true;
      EXPECT_NE(f.find("does_not_exist.h"), std::string::npos) << f;  // says why
    }
    if (f.find("missing.cpp") != std::string::npos) named_missing = true;
  }
  EXPECT_TRUE(named_bad);
  EXPECT_TRUE(named_missing);
  ASSERT_NE(Find(p, "Good"), nullptr);
  EXPECT_EQ(Find(p, "Good")->acquires.size(), 1u);
}

TEST_F(ClangExtractorTest, GccOnlyFlagsAreDroppedAndTheResourceDirIsAdded) {
  EXPECT_FALSE(FindClangResourceDir().empty());
  std::vector<std::string> args = SanitizeCompilerArgs(
      {"/usr/bin/g++", "-O2", "-fconcepts", "-fno-gnu-unique", "-Wno-psabi", "-flto=auto",
       "-MD", "-MF", "x.d", "-c", "/src/a.cpp", "-o", "a.o", "-Iinclude"},
      "/src/a.cpp");
  for (const std::string& a : args) {
    EXPECT_NE(a, "-fconcepts");
    EXPECT_NE(a, "-fno-gnu-unique");
    EXPECT_NE(a, "/src/a.cpp");
    EXPECT_NE(a, "a.o");
  }
  auto has = [&](const std::string& s) { return std::find(args.begin(), args.end(), s) != args.end(); };
  EXPECT_TRUE(has("-Iinclude"));
  EXPECT_TRUE(has("-resource-dir"));
  // And such a command line parses.
  std::string src = Write("c.cpp", "#include <stddef.h>\n#include <mutex>\nstd::mutex g;\n");
  ProgramFacts p;
  RunStatic(JobsFromFiles({src}, {"-std=c++17", "-fconcepts", "-fno-gnu-unique", "-fipa-pta"}),
            &p);
  EXPECT_TRUE(p.failed_files.empty()) << (p.failed_files.empty() ? "" : p.failed_files[0]);
}

TEST_F(ClangExtractorTest, MissingCompileDatabaseIsAClearError) {
  std::vector<CompileJob> jobs;
  std::string error;
  EXPECT_FALSE(LoadCompileDatabase(dir_, {}, &jobs, &error));
  EXPECT_NE(error.find("compile_commands.json: not found"), std::string::npos) << error;
  EXPECT_NE(error.find("CMAKE_EXPORT_COMPILE_COMMANDS"), std::string::npos) << error;
  Write("compile_commands.json", "{not json");
  EXPECT_FALSE(LoadCompileDatabase(dir_, {}, &jobs, &error));
  EXPECT_NE(error.find("not a JSON array"), std::string::npos) << error;
}

}  // namespace
}  // namespace static_analysis
}  // namespace lockscope
