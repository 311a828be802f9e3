#include "internal/raw_log.h"

#include <unistd.h>

#include <cerrno>
#include <cstdarg>
#include <cstdlib>

#include "runtime.h"

namespace lockscope {
namespace rt {
namespace internal {
namespace {

struct Out {
  char* buf;
  size_t size;
  size_t len;
  void Put(char c) {
    if (len + 1 < size) buf[len++] = c;
  }
  void Str(const char* s) {
    if (!s) s = "(null)";
    while (*s) Put(*s++);
  }
  void Unsigned(uint64_t v, unsigned base) {
    char tmp[24];
    int n = 0;
    do {
      unsigned d = static_cast<unsigned>(v % base);
      tmp[n++] = static_cast<char>(d < 10 ? '0' + d : 'a' + d - 10);
      v /= base;
    } while (v);
    while (n) Put(tmp[--n]);
  }
  void Signed(int64_t v) {
    if (v < 0) {
      Put('-');
      Unsigned(static_cast<uint64_t>(-(v + 1)) + 1, 10);
    } else {
      Unsigned(static_cast<uint64_t>(v), 10);
    }
  }
};

size_t RawVFormat(char* buf, size_t size, const char* fmt, va_list ap) {
  Out o{buf, size, 0};
  for (const char* p = fmt; *p; ++p) {
    if (*p != '%') {
      o.Put(*p);
      continue;
    }
    ++p;
    int longs = 0;
    bool size_t_arg = false;
    while (*p == 'l') ++longs, ++p;
    if (*p == 'z') size_t_arg = true, ++p;
    switch (*p) {
      case 's': o.Str(va_arg(ap, const char*)); break;
      case 'd':
        o.Signed(longs ? va_arg(ap, long) : va_arg(ap, int));
        break;
      case 'u':
      case 'x': {
        uint64_t v = size_t_arg ? va_arg(ap, size_t)
                     : longs    ? va_arg(ap, unsigned long)
                                : va_arg(ap, unsigned);
        o.Unsigned(v, *p == 'x' ? 16 : 10);
        break;
      }
      case 'p':
        o.Str("0x");
        o.Unsigned(reinterpret_cast<uintptr_t>(va_arg(ap, void*)), 16);
        break;
      case '%': o.Put('%'); break;
      case '\0': --p; break;
      default: o.Put('?'); break;
    }
  }
  if (size) buf[o.len] = '\0';
  return o.len;
}

}  // namespace

size_t RawFormat(char* buf, size_t size, const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  size_t n = RawVFormat(buf, size, fmt, ap);
  va_end(ap);
  return n;
}

void RawLog(const char* fmt, ...) {
  int saved = errno;
  char buf[640] = "lockscope: ";
  size_t prefix = 11;
  va_list ap;
  va_start(ap, fmt);
  size_t n = prefix + RawVFormat(buf + prefix, sizeof(buf) - prefix - 1, fmt, ap);
  va_end(ap);
  buf[n++] = '\n';
  ssize_t w = write(2, buf, n);
  (void)w;
  errno = saved;
}

const char* ErrnoName(int err) {
  switch (err) {
    case ENOSPC: return "no space left on device";
    case EFBIG: return "file too large";
    case EDQUOT: return "disk quota exceeded";
    case EEXIST: return "file exists";
    case EACCES: return "permission denied";
    case EPERM: return "operation not permitted";
    case ENOENT: return "no such file or directory";
    case ENOMEM: return "out of memory";
    case EMFILE: return "too many open files";
    case EROFS: return "read-only file system";
    case EIO: return "input/output error";
    case EINVAL: return "invalid argument";
    case ENOTDIR: return "not a directory";
    case ELOOP: return "symbolic link refused";
    case EOPNOTSUPP: return "operation not supported";
    default: return "error";
  }
}

void CheckFailed(const char* file, int line, const char* cond) {
#ifndef NDEBUG
  RawLog("internal check failed: %s at %s:%d", cond, file, line);
  abort();
#else
  RawLog("internal check failed: %s at %s:%d; recording stopped, the program continues", cond,
         file, line);
  DisableRuntime(trace::DisableReason::kInternal);
#endif
}

}  // namespace internal
}  // namespace rt
}  // namespace lockscope
