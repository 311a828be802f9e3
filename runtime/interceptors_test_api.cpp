// The entry points of lockscope/runtime_api.h: unit-test boundary records and the trace path.
// Thin adapters like the interceptors. A marker takes a seq like every ordering record, so a
// listener learns from two markers whether anything was recorded in between (end == begin + 1:
// nothing) without reading the trace.

#include <cstring>

#include "interception.h"
#include "runtime.h"
#include "scoped_interceptor.h"
#include "trace_writer.h"

namespace {

namespace rt = ::lockscope::rt;
namespace tr = ::lockscope::trace;

uint64_t WriteMarker(tr::RecordKind kind, const char* name, uint8_t flags) {
  rt::ScopedInterceptor si;
  if (!si.active()) return 0;
  auto r = rt::MakeRecord<tr::TestMarker>(kind, flags);
  r.seq = rt::NextSeq();
  r.time_ns = rt::MonotonicNs();
  r.name_len = name == nullptr ? 0 : static_cast<uint32_t>(strnlen(name, tr::kMaxTestNameBytes));
  if (!rt::EmitRecord(si, &si.ts()->buf, r, name, r.name_len)) return 0;
  return r.seq;
}

}  // namespace

LOCKSCOPE_EXPORT uint64_t LockscopeTestBegin(const char* name) {
  return WriteMarker(tr::RecordKind::kTestBegin, name, 0);
}

LOCKSCOPE_EXPORT uint64_t LockscopeTestEnd(const char* name, int failed) {
  return WriteMarker(tr::RecordKind::kTestEnd, name, failed != 0 ? tr::kTestFailed : 0);
}

LOCKSCOPE_EXPORT size_t LockscopeTracePath(char* buf, size_t size) {
  if (!rt::RuntimeActive() || buf == nullptr || size == 0) return 0;
  const char* path = rt::g_writer.path();
  size_t len = strnlen(path, 4096);
  if (len == 0) return 0;
  size_t n = len < size - 1 ? len : size - 1;
  memcpy(buf, path, n);
  buf[n] = '\0';
  return len;
}
