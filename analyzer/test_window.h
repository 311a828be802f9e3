// test_window.h — findings per unit test, from the kTestBegin/kTestEnd markers a test framework
// writes through lockscope/runtime_api.h (the GoogleTest listener, lockscope/gtest.h).
//
// What: a test's *window* is the seq range between its two markers. A lock-order cycle belongs to
// the test in whose window it closed: Finding::seq, the first record of the cycle's newest edge,
// so a cycle whose edges all existed before the test is not blamed on it. A thread belongs to the
// test whose window holds its kThreadCreated (written by the creator, so even a thread that had
// not run yet when the test returned counts; a thread its threads start counts too); it *leaked*
// when it was not created detached and neither a join nor a detach of it was recorded before the
// test's end marker (goleak's VerifyNone for pthreads). If its final slot shows it blocked, the
// finding says where and on what. One `leaked-thread` finding (subkind "test-leak") per such
// thread, with its creation and wait stacks.
// Limits: a thread started during a test by a thread that existed before it (a pool's own
// dispatcher) is attributed to the test too, since its kThreadCreated falls in the window (a
// long-lived worker meant to outlive tests is silenced with a suppression rule such as
// `leaked-thread:fun:*Pool::WorkerLoop*`, as goleak's IgnoreTopFunction does); a
// thread started in a suite-level SetUpTestSuite, outside every window, belongs to no test.
// Identity: seqs are per trace (per process); test names come from the markers as written.
// Thread-safety: not thread-safe (uses the context's symbolizer). Complexity: O(findings * log
// markers + threads).

#ifndef LOCKSCOPE_ANALYZER_TEST_WINDOW_H_
#define LOCKSCOPE_ANALYZER_TEST_WINDOW_H_

#include <cstdint>
#include <string>
#include <vector>

#include "finding_context.h"
#include "findings.h"
#include "trace_model.h"

namespace lockscope {
namespace analysis {

struct TestWindow {
  uint64_t begin = 0;  // seq of kTestBegin
  uint64_t end = 0;    // seq of kTestEnd
  std::string name;
  bool failed = false;
};

// The complete windows of `trace` (a begin followed by the end of the same name on the same
// thread), in seq order. An unmatched begin (the process died inside the test) ends at the end
// of the trace (end = UINT64_MAX).
std::vector<TestWindow> TestWindows(const Trace& trace);

// Sets Finding::test for every finding of (*findings)[first..] whose seq falls inside a window.
void AttributeToTests(const std::vector<TestWindow>& windows, std::vector<Finding>* findings,
                      size_t first);

// Appends one `leaked-thread` ("test-leak") finding per thread started inside `window` and
// neither joined nor detached before its end.
void AddTestLeakFindings(FindingContext& ctx, const TestWindow& window,
                         std::vector<Finding>* out);

}  // namespace analysis
}  // namespace lockscope

#endif  // LOCKSCOPE_ANALYZER_TEST_WINDOW_H_
