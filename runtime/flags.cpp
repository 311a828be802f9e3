#include "flags.h"

#include <cstring>

#include "internal/raw_log.h"
#include "lockscope/trace_format.h"

namespace lockscope {
namespace rt {
namespace {

using internal::RawLog;

bool Eq(const char* a, size_t alen, const char* b) {
  return strlen(b) == alen && memcmp(a, b, alen) == 0;
}

bool ParseValue(const char* v, size_t len, bool* out) {
  if (Eq(v, len, "1") || Eq(v, len, "true") || Eq(v, len, "yes")) return *out = true, true;
  if (Eq(v, len, "0") || Eq(v, len, "false") || Eq(v, len, "no")) return *out = false, true;
  return false;
}

bool ParseValue(const char* v, size_t len, int* out) {
  if (len == 0 || len > 10) return false;
  size_t i = 0;
  bool neg = false;
  if (v[0] == '-') neg = true, i = 1;
  if (i == len) return false;
  long long n = 0;
  for (; i < len; ++i) {
    if (v[i] < '0' || v[i] > '9') return false;
    n = n * 10 + (v[i] - '0');
  }
  if (n > 2147483647) return false;  // "9999999999" fits the length check but not an int
  *out = static_cast<int>(neg ? -n : n);
  return true;
}

[[maybe_unused]] bool ParseValue(const char* v, size_t len, const char** out, Flags* f) {
  size_t used = 0;
  while (used < sizeof(f->string_store) && f->string_store[used]) {
    used += strlen(f->string_store + used) + 1;
  }
  if (used + len + 1 > sizeof(f->string_store)) return false;
  memcpy(f->string_store + used, v, len);
  f->string_store[used + len] = '\0';
  *out = f->string_store + used;
  return true;
}

bool ParseOne(const char* v, size_t len, bool* out, Flags*) { return ParseValue(v, len, out); }
bool ParseOne(const char* v, size_t len, int* out, Flags*) { return ParseValue(v, len, out); }
[[maybe_unused]] bool ParseOne(const char* v, size_t len, const char** out, Flags* f) {
  return ParseValue(v, len, out, f);
}

void ParseItem(const char* item, size_t len, Flags* f) {
  const char* eq = static_cast<const char*>(memchr(item, '=', len));
  size_t klen = eq ? static_cast<size_t>(eq - item) : len;
  const char* val = eq ? eq + 1 : item + len;
  size_t vlen = eq ? len - klen - 1 : 0;
  char key[64];
  size_t kcopy = klen < sizeof(key) - 1 ? klen : sizeof(key) - 1;
  memcpy(key, item, kcopy);
  key[kcopy] = '\0';
#define LOCKSCOPE_FLAG(type, name, def, help)                                          \
  if (Eq(item, klen, #name)) {                                                          \
    if (!eq || !ParseOne(val, vlen, &f->name, f)) {                                     \
      RawLog("bad value for option '%s' in LOCKSCOPE_OPTIONS; using the default", key); \
      f->name = def;                                                                    \
    }                                                                                   \
    return;                                                                             \
  }
#include "lockscope/flags.inc"
#undef LOCKSCOPE_FLAG
  RawLog("unknown option '%s' in LOCKSCOPE_OPTIONS; ignored", key);
}

}  // namespace

void ParseFlags(const char* options, Flags* flags) {
  *flags = Flags();
  if (options) {
    const char* p = options;
    while (*p) {
      const char* end = p;
      while (*end && *end != ':') ++end;
      if (end > p) ParseItem(p, static_cast<size_t>(end - p), flags);
      p = *end ? end + 1 : end;
    }
  }
  if (flags->stack_depth < 1) flags->stack_depth = 1;
  if (flags->stack_depth > static_cast<int>(trace::kMaxStackDepth)) {
    flags->stack_depth = static_cast<int>(trace::kMaxStackDepth);
  }
  if (flags->max_threads < 1) flags->max_threads = 1;
  if (flags->max_lock_instances < 0) flags->max_lock_instances = 0;
  if (flags->max_threads > 65536) flags->max_threads = 65536;
  if (flags->max_trace_mb < 1) flags->max_trace_mb = 1;
}

}  // namespace rt
}  // namespace lockscope
