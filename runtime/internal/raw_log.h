// raw_log.h — signal-safe diagnostics on stderr through write(2).
//
// No stdio, no malloc, no locks: usable from an interceptor, a signal handler or a fork child.
// The format language is a tiny printf subset: %s %d %u %x %lu (uint64) %llu %zu %p %%.
// Every line is prefixed with "lockscope: " and written with a single write(2) so lines from
// different threads do not interleave.

#ifndef LOCKSCOPE_RUNTIME_INTERNAL_RAW_LOG_H_
#define LOCKSCOPE_RUNTIME_INTERNAL_RAW_LOG_H_

#include <cstddef>
#include <cstdint>

namespace lockscope {
namespace rt {
namespace internal {

// Formats into buf (always NUL-terminated, truncated if needed); returns the length written.
size_t RawFormat(char* buf, size_t size, const char* fmt, ...)
    __attribute__((format(printf, 3, 4)));

// Writes "lockscope: <message>\n" to fd 2.
void RawLog(const char* fmt, ...) __attribute__((format(printf, 1, 2)));

// A short constant description of an errno value; never allocates (unlike strerror).
const char* ErrnoName(int err);

// Internal invariant failure: aborts in debug builds, disables the runtime in release builds.
void CheckFailed(const char* file, int line, const char* cond);

}  // namespace internal
}  // namespace rt
}  // namespace lockscope

#define LOCKSCOPE_CHECK(cond)                                                      \
  do {                                                                             \
    if (__builtin_expect(!(cond), 0))                                              \
      ::lockscope::rt::internal::CheckFailed(__FILE__, __LINE__, #cond);           \
  } while (0)

#endif  // LOCKSCOPE_RUNTIME_INTERNAL_RAW_LOG_H_
