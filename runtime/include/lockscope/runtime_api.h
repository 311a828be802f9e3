/* lockscope/runtime_api.h — what a program (or its test framework) may ask the lockscope runtime
 * while it runs: unit-test boundaries and the path of this process's trace. The GoogleTest
 * listener (lockscope/gtest.h) is built on it; other frameworks can use it the same way.
 *
 *   uint64_t begin = LockscopeTestBegin("Suite.Test");   before the test body
 *   uint64_t end = LockscopeTestEnd("Suite.Test", 0);     after it (1 = it already failed)
 *   if (end > begin + 1) ... something was recorded meanwhile: analyze the window
 *       `lockscope analyze --test-window BEGIN:END TRACE`
 *
 * Both markers return the seq they were recorded at (a process-wide counter that every
 * dependency, thread start, join, lock definition ... also advances), or 0 when nothing was
 * recorded (runtime not loaded, disabled, or a thread it does not trace). A window whose markers
 * are consecutive (end == begin + 1) recorded nothing new: no new lock order, no new thread.
 * LockscopeTracePath copies this process's trace path (NUL-terminated, truncated to `size`) and
 * returns its length, 0 when there is none.
 *
 * No link dependency: weak declarations that liblockscope.so defines; without the runtime their
 * address is null (check `&LockscopeTestBegin != 0` before calling). C and C++. Thread-safe.
 * Stability: part of lockscope's public interface, like lockscope/annotations.h.
 */
#ifndef LOCKSCOPE_RUNTIME_API_H_
#define LOCKSCOPE_RUNTIME_API_H_

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

uint64_t LockscopeTestBegin(const char* name) __attribute__((weak));
uint64_t LockscopeTestEnd(const char* name, int failed) __attribute__((weak));
size_t LockscopeTracePath(char* buf, size_t size) __attribute__((weak));

#ifdef __cplusplus
}
#endif

#endif /* LOCKSCOPE_RUNTIME_API_H_ */
