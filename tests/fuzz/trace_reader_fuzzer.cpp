// trace_reader_fuzzer.cpp — libFuzzer target: arbitrary bytes as a trace file.
//
// Feeds the bytes to ReadTraceFromBytes (the reader that `lockscope analyze` and `dump` use) and,
// when the header is accepted, runs the whole analysis on the result without symbolization, so a
// hostile trace is checked against every detector, not only the decoder. Built only with
// -DLOCKSCOPE_BUILD_FUZZERS=ON and clang (-fsanitize=fuzzer,address,undefined); see
// tests/fuzz/CMakeLists.txt. Inputs that once failed live in tests/fuzz/regressions/ and are
// replayed by the unit test trace_reader_regression_test.cpp in every build.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "analyze.h"
#include "trace_reader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace la = ::lockscope::analysis;
  std::vector<la::Trace> traces(1);
  std::string error;
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  if (!la::ReadTraceFromBytes(bytes, "fuzz.lstrace", &traces[0], &error)) return 0;
  la::AnalyzeOptions options;
  options.symbolize = false;
  la::Report report = la::Analyze(traces, options);
  (void)report;
  return 0;
}
