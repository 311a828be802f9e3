// trace_reader_regression_test.cpp — replays the fuzzer's seed corpus and every input that once
// broke the reader or the analysis (tests/fuzz/regressions/) through ReadTraceFromBytes and
// Analyze, as the fuzzer does, in every build (under ASan/UBSan in the sanitized CI build).
// A regression input is kept when a bug is fixed; its name says what it exercised.

#include <dirent.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "analyze.h"
#include "trace_reader.h"

namespace lockscope {
namespace analysis {
namespace {

std::vector<std::string> FilesIn(const std::string& dir) {
  std::vector<std::string> files;
  if (DIR* d = opendir(dir.c_str())) {
    while (dirent* e = readdir(d)) {
      if (e->d_name[0] != '.') files.push_back(dir + "/" + e->d_name);
    }
    closedir(d);
  }
  std::sort(files.begin(), files.end());
  return files;
}

// tests/fuzz, next to tests/data (absolute, from CMake: __FILE__ is relative when the build
// directory lies inside the source tree).
std::string FuzzDir() { return std::string(LOCKSCOPE_TEST_DATA_DIR) + "/../fuzz"; }

std::string Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(TraceReaderRegressionTest, SeedCorpusReadsAndAnalyzesCleanly) {
  std::vector<std::string> files = FilesIn(FuzzDir() + "/corpus");
  ASSERT_GE(files.size(), 3u);
  for (const std::string& f : files) {
    std::vector<Trace> traces(1);
    std::string error;
    ASSERT_TRUE(ReadTraceFromBytes(Slurp(f), f, &traces[0], &error)) << f << ": " << error;
    EXPECT_GT(traces[0].acquires.size(), 0u) << f;
    AnalyzeOptions options;
    options.symbolize = false;
    Analyze(traces, options);
  }
}

TEST(TraceReaderRegressionTest, RegressionInputsAnalyzeOrFailInOneLine) {
  std::vector<std::string> files = FilesIn(FuzzDir() + "/regressions");
  ASSERT_GE(files.size(), 1u);
  for (const std::string& f : files) {
    std::vector<Trace> traces(1);
    std::string error;
    if (!ReadTraceFromBytes(Slurp(f), f, &traces[0], &error)) {
      EXPECT_EQ(error.find('\n'), std::string::npos) << f << ": one line: " << error;
      continue;
    }
    AnalyzeOptions options;
    options.symbolize = false;
    Analyze(traces, options);  // under ASan/UBSan: any invalid access fails the test
  }
}

}  // namespace
}  // namespace analysis
}  // namespace lockscope
