// lockscope/gtest.h — GoogleTest integration: each test fails if it leaves a lock-order hazard or
// a thread behind, with lockscope's report in the failure (goleak's VerifyNone, for C++).
//
// Use: link lockscope::gtest_main instead of GTest::gtest_main, or link lockscope::gtest and
// call lockscope::gtest::InstallListener() after testing::InitGoogleTest(). Then run the tests
// under the runtime:  lockscope run -- ./my_tests   (or ctest, or LD_PRELOAD=liblockscope.so).
//
// What the listener does: around every test it writes kTestBegin/kTestEnd markers into the trace
// (lockscope/runtime_api.h). When the runtime recorded anything in between (a new lock
// dependency, a thread start, ...), it runs `lockscope analyze --test-window BEGIN:END` on this
// process's trace and, if that reports findings, fails the test with the report: lock-order
// cycles that closed during the test, and threads the test started and left neither joined nor
// detached (with where they are blocked). A test in which nothing new was recorded costs two
// marker records and no analysis.
// Without the runtime (a plain `./my_tests`) the runtime's weak symbols are null and the listener
// does nothing, so the same binary passes or fails exactly as before. Works with gtest sharding
// and `ctest -j`: every process has its own trace and its own markers.
// The CLI is $LOCKSCOPE_CLI (`lockscope run` sets it), else bin/lockscope next to the runtime's
// lib/ directory, else `lockscope` on PATH; suppression files in $LOCKSCOPE_SUPPRESSIONS
// (':'-separated; `lockscope run --suppressions` sets it) are passed along. The analyzer runs
// without LD_PRELOAD, so it is not traced itself.
// Thread-safety: gtest calls listeners from the thread that runs the tests.

#ifndef LOCKSCOPE_GTEST_H_
#define LOCKSCOPE_GTEST_H_

namespace testing {
class TestEventListener;
}  // namespace testing

namespace lockscope {
namespace gtest {

// A new listener (gtest takes ownership when it is appended).
::testing::TestEventListener* NewListener();

// Appends NewListener() to testing::UnitTest::GetInstance()->listeners(), after the default
// printer, so a test it fails is printed as FAILED. Call once, after InitGoogleTest().
void InstallListener();

}  // namespace gtest
}  // namespace lockscope

#endif  // LOCKSCOPE_GTEST_H_
