// rt_thread_dump_test.cpp — which frames of a stack captured inside the dump signal's handler
// belong to the interrupted program (thread_dump.h, FirstProgramFrame).

#include <gtest/gtest.h>

#include <cstdint>

#include "thread_dump.h"

namespace lockscope {
namespace rt {
namespace {

constexpr uint64_t kSelfStart = 0x7000;  // the runtime's text range in these tests
constexpr uint64_t kSelfEnd = 0x8000;
constexpr uint64_t kTrampoline = 0x9100;  // libc's __restore_rt

TEST(RtThreadDumpTest, StartsAtTheInterruptedInstruction) {
  // handler frames, the signal trampoline, then the interrupted pc and its callers
  const uint64_t frames[] = {0x7010, 0x7020, kTrampoline, 0x4242, 0x4100, 0x4000};
  EXPECT_EQ(FirstProgramFrame(frames, 6, 0x4242, kSelfStart, kSelfEnd), 3);
}

TEST(RtThreadDumpTest, WithoutThePcSkipsHandlerFramesAndTheTrampoline) {
  const uint64_t frames[] = {0x7010, 0x7020, kTrampoline, 0x4242, 0x4100};
  EXPECT_EQ(FirstProgramFrame(frames, 5, 0, kSelfStart, kSelfEnd), 3);
  EXPECT_EQ(FirstProgramFrame(frames, 5, 0x5555, kSelfStart, kSelfEnd), 3);  // pc not found
}

TEST(RtThreadDumpTest, AThreadInterruptedInsideTheRuntimeStartsAtItsCaller) {
  // interrupted in an interceptor (pc inside the runtime): the program's frame is the caller's
  const uint64_t frames[] = {0x7010, kTrampoline, 0x7500, 0x7600, 0x4100, 0x4000};
  EXPECT_EQ(FirstProgramFrame(frames, 6, 0x7500, kSelfStart, kSelfEnd), 4);
}

TEST(RtThreadDumpTest, NothingLeftIsAnEmptyStack) {
  const uint64_t frames[] = {0x7010, 0x7020};
  EXPECT_EQ(FirstProgramFrame(frames, 2, 0x7020, kSelfStart, kSelfEnd), 2);
  EXPECT_EQ(FirstProgramFrame(frames, 0, 0, kSelfStart, kSelfEnd), 0);
}

}  // namespace
}  // namespace rt
}  // namespace lockscope
