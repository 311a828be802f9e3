// symbolizer_test.cpp — Symbolizer against the test binary itself (/proc/self/exe, built with -g):
// the module map comes from dl_iterate_phdr, as the runtime builds it.

#include "symbolizer.h"

#include <gtest/gtest.h>
#include <link.h>
#include <unistd.h>

#include <algorithm>
#include <mutex>
#include <string>
#include <vector>

// Globals with external linkage, so their ELF symbols have plain names.
std::mutex g_symbolizer_test_mutex;
struct SymbolizerTestPair {
  long before;
  std::mutex mu;
};
SymbolizerTestPair g_symbolizer_test_pair;
struct SymbolizerTestBank {
  std::mutex mu_;  // at offset 0: the object's address is also the member's
  int balance;
};
SymbolizerTestBank g_symbolizer_test_bank;
std::mutex g_symbolizer_test_array[3];

__attribute__((noinline)) int SymbolizerTestFunction(int x) {
  asm volatile("" ::: "memory");  // keep the body (and the symbol) around
  return x * 3 + 1;
}

__attribute__((noinline)) void* SymbolizerTestReturnAddress() {
  asm volatile("" ::: "memory");
  return __builtin_return_address(0);
}

// A call made from inside an inlined function: its return address is in the inlined body.
__attribute__((noinline)) void* SymbolizerTestCallerPc() {
  asm volatile("" ::: "memory");
  return __builtin_return_address(0);
}
constexpr int kInlinedCallLine = __LINE__ + 2;
__attribute__((always_inline)) inline void* SymbolizerTestInlinedProbe() {
  return SymbolizerTestCallerPc();
}
constexpr int kOuterCallLine = __LINE__ + 2;
__attribute__((noinline)) void* SymbolizerTestOuterOfInlined() {
  void* pc = SymbolizerTestInlinedProbe();
  asm volatile("" ::: "memory");
  return pc;
}

__attribute__((noinline)) std::mutex* SymbolizerTestStaticLocal() {
  static std::mutex local_mu;
  return &local_mu;
}

namespace lockscope {
namespace analysis {
namespace {

std::string SelfExe() {
  char buf[4096];
  ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
  return n > 0 ? std::string(buf, n) : "";
}

int AddModule(struct dl_phdr_info* info, size_t, void* data) {
  auto* modules = static_cast<std::vector<ModuleInfo>*>(data);
  ModuleInfo m;
  m.load_bias = info->dlpi_addr;
  m.path = info->dlpi_name != nullptr ? info->dlpi_name : "";
  if (m.path.empty()) m.path = SelfExe();  // the main program has no name here
  m.start = ~0ull;
  for (int i = 0; i < info->dlpi_phnum; ++i) {
    const ElfW(Phdr)& ph = info->dlpi_phdr[i];
    if (ph.p_type != PT_LOAD) continue;
    m.start = std::min<uint64_t>(m.start, info->dlpi_addr + ph.p_vaddr);
    m.end = std::max<uint64_t>(m.end, info->dlpi_addr + ph.p_vaddr + ph.p_memsz);
  }
  if (m.end > m.start) modules->push_back(m);
  return 0;
}

std::vector<ModuleInfo> SelfModules() {
  std::vector<ModuleInfo> modules;
  dl_iterate_phdr(AddModule, &modules);
  return modules;
}

bool EndsWith(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

TEST(SymbolizerTest, FunctionAddressNamesFunctionAndThisFile) {
  Symbolizer symbolizer(SelfModules(), {});
  uint64_t pc = reinterpret_cast<uint64_t>(&SymbolizerTestFunction);
  Frame f = symbolizer.Symbolize(pc, false);
  for (const std::string& w : symbolizer.warnings()) {
    if (w.find(SelfExe()) != std::string::npos) GTEST_SKIP() << "test binary has no -g: " << w;
  }
  EXPECT_EQ(f.pc, pc);
  EXPECT_EQ(f.module, SelfExe());
  EXPECT_NE(f.function.find("SymbolizerTestFunction"), std::string::npos) << f.function;
  EXPECT_TRUE(EndsWith(f.file, "symbolizer_test.cpp")) << f.file;
  EXPECT_GT(f.line, 0);
  // Cached: the same answer again.
  EXPECT_EQ(symbolizer.Symbolize(pc, false).function, f.function);
}

TEST(SymbolizerTest, ReturnAddressNamesTheCallLine) {
  Symbolizer symbolizer(SelfModules(), {});
  const int call_line = __LINE__ + 1;
  void* ra = SymbolizerTestReturnAddress();
  Frame f = symbolizer.Symbolize(reinterpret_cast<uint64_t>(ra), true);
  EXPECT_TRUE(EndsWith(f.file, "symbolizer_test.cpp")) << f.file;
  EXPECT_EQ(f.line, call_line);
  EXPECT_NE(f.function.find("ReturnAddressNamesTheCallLine"), std::string::npos) << f.function;
  Stack stack = symbolizer.SymbolizeStack({reinterpret_cast<uint64_t>(ra)});
  ASSERT_EQ(stack.size(), 1u);
  EXPECT_EQ(stack[0].line, call_line);
}

TEST(SymbolizerTest, InlinedCallsAreExpandedIntoFrames) {
  Symbolizer symbolizer(SelfModules(), {});
  uint64_t pc = reinterpret_cast<uint64_t>(SymbolizerTestOuterOfInlined());
  const Stack& frames = symbolizer.SymbolizeInlined(pc, true);
  ASSERT_EQ(frames.size(), 2u);
  EXPECT_NE(frames[0].function.find("SymbolizerTestInlinedProbe"), std::string::npos)
      << frames[0].function;
  EXPECT_EQ(frames[0].line, kInlinedCallLine);
  EXPECT_NE(frames[1].function.find("SymbolizerTestOuterOfInlined"), std::string::npos)
      << frames[1].function;
  EXPECT_EQ(frames[1].line, kOuterCallLine);
  EXPECT_TRUE(EndsWith(frames[1].file, "symbolizer_test.cpp")) << frames[1].file;
  EXPECT_EQ(frames[1].pc, pc);
  EXPECT_EQ(symbolizer.SymbolizeStack({pc, pc}).size(), 4u);
}

TEST(SymbolizerTest, DataSymbolNamesGlobalsMembersAndStaticLocals) {
  Symbolizer symbolizer(SelfModules(), {});
  EXPECT_EQ(symbolizer.DataSymbol(reinterpret_cast<uint64_t>(&g_symbolizer_test_mutex)),
            std::optional<std::string>("g_symbolizer_test_mutex"));
  auto member = symbolizer.DataSymbol(reinterpret_cast<uint64_t>(&g_symbolizer_test_pair.mu));
  ASSERT_TRUE(member.has_value());
  EXPECT_EQ(*member, "g_symbolizer_test_pair.mu");
  EXPECT_EQ(symbolizer.DataSymbol(reinterpret_cast<uint64_t>(&g_symbolizer_test_bank.mu_)),
            std::optional<std::string>("g_symbolizer_test_bank.mu_"));
  EXPECT_EQ(symbolizer.DataSymbol(reinterpret_cast<uint64_t>(&g_symbolizer_test_array[2])),
            std::optional<std::string>("g_symbolizer_test_array[2]"));
  auto local = symbolizer.DataSymbol(reinterpret_cast<uint64_t>(SymbolizerTestStaticLocal()));
  ASSERT_TRUE(local.has_value());
  EXPECT_EQ(*local, "SymbolizerTestStaticLocal()::local_mu");
  std::mutex on_stack;
  EXPECT_FALSE(symbolizer.DataSymbol(reinterpret_cast<uint64_t>(&on_stack)).has_value());
  // A function is not a data object.
  EXPECT_FALSE(
      symbolizer.DataSymbol(reinterpret_cast<uint64_t>(&SymbolizerTestFunction)).has_value());
}

TEST(SymbolizerTest, MissingFileKeepsModuleOffsetAndWarnsOnce) {
  ModuleInfo missing;
  missing.path = "/nonexistent/libgone.so";
  missing.load_bias = 0x10000000;
  missing.start = 0x10000000;
  missing.end = 0x10010000;
  Symbolizer symbolizer({missing}, {});
  Frame f = symbolizer.Symbolize(0x10000123, true);
  EXPECT_EQ(f.module, "/nonexistent/libgone.so");
  EXPECT_EQ(f.module_offset, 0x123u);
  EXPECT_TRUE(f.function.empty());
  EXPECT_TRUE(f.file.empty());
  symbolizer.Symbolize(0x10000456, true);
  ASSERT_EQ(symbolizer.warnings().size(), 1u);
  EXPECT_NE(symbolizer.warnings()[0].find("no debug info for /nonexistent/libgone.so"),
            std::string::npos)
      << symbolizer.warnings()[0];
  // An address in no module at all: just the pc.
  Frame nowhere = symbolizer.Symbolize(0x42, false);
  EXPECT_TRUE(nowhere.module.empty());
  EXPECT_EQ(nowhere.pc, 0x42u);
}

TEST(SymbolizerTest, ModulesReportedTwiceAreLoadedOnce) {
  std::vector<ModuleInfo> modules = SelfModules();
  std::vector<ModuleInfo> twice = modules;
  twice.insert(twice.end(), modules.begin(), modules.end());
  Symbolizer symbolizer(twice, {});
  Frame f = symbolizer.Symbolize(reinterpret_cast<uint64_t>(&SymbolizerTestFunction), false);
  EXPECT_NE(f.function.find("SymbolizerTestFunction"), std::string::npos) << f.function;
  for (const std::string& w : symbolizer.warnings()) {
    EXPECT_EQ(w.find("cannot load"), std::string::npos) << w;
  }
}

TEST(SymbolizerTest, DisabledSymbolizerOpensNothing) {
  SymbolizerOptions options;
  options.enabled = false;
  Symbolizer symbolizer(SelfModules(), options);
  Frame f = symbolizer.Symbolize(reinterpret_cast<uint64_t>(&SymbolizerTestFunction), false);
  EXPECT_EQ(f.module, SelfExe());
  EXPECT_TRUE(f.function.empty());
  EXPECT_FALSE(symbolizer.DataSymbol(reinterpret_cast<uint64_t>(&g_symbolizer_test_mutex)));
  EXPECT_TRUE(symbolizer.warnings().empty());
}

TEST(SymbolizerTest, Demangle) {
  EXPECT_EQ(Demangle("_ZN4Bank3mu_E"), "Bank::mu_");
  EXPECT_EQ(Demangle("_ZZ4mainE1m"), "main::m");
  EXPECT_EQ(Demangle("g_plain"), "g_plain");
  EXPECT_EQ(Demangle("_Znot_really"), "_Znot_really");
  EXPECT_EQ(Demangle(nullptr), "");
}

}  // namespace
}  // namespace analysis
}  // namespace lockscope
