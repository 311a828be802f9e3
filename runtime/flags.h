// flags.h — runtime options, generated from the X-macro table lockscope/flags.inc (STYLE habit 5).
//
// ParseFlags() reads LOCKSCOPE_OPTIONS=key=value:key=value without allocating. An unknown key or
// a bad value produces one warning line each (RawLog) and keeps the default.

#ifndef LOCKSCOPE_RUNTIME_FLAGS_H_
#define LOCKSCOPE_RUNTIME_FLAGS_H_

#include <cstddef>

namespace lockscope {
namespace rt {

#define LOCKSCOPE_FLAG_TYPE_bool bool
#define LOCKSCOPE_FLAG_TYPE_int int
#define LOCKSCOPE_FLAG_TYPE_string const char*

struct Flags {
#define LOCKSCOPE_FLAG(type, name, def, help) LOCKSCOPE_FLAG_TYPE_##type name = def;
#include "lockscope/flags.inc"
#undef LOCKSCOPE_FLAG
  // Backing store for string values (they point into it).
  char string_store[512] = {};
};

// Parses `options` (may be null) into *flags, starting from the defaults. Clamps stack_depth to
// [1, kMaxStackDepth], max_threads to [1, 65536], max_trace_mb to >= 1.
void ParseFlags(const char* options, Flags* flags);

}  // namespace rt
}  // namespace lockscope

#endif  // LOCKSCOPE_RUNTIME_FLAGS_H_
