// rt_thread_state_fixture.h — what the runtime's recording-policy tests share: a record reader
// for the trace file and a fixture that starts the runtime on a temporary trace (tests drive the
// core API, BeginAcquire .. EndAcquire, the way the interceptors do).

#ifndef LOCKSCOPE_TESTS_UNIT_RT_THREAD_STATE_FIXTURE_H_
#define LOCKSCOPE_TESTS_UNIT_RT_THREAD_STATE_FIXTURE_H_

#include <fcntl.h>
#include <pthread.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "runtime.h"
#include "thread_state.h"
#include "trace_writer.h"

namespace lockscope {
namespace rt {
namespace {

using trace::LockKind;
using trace::LockMode;

struct Rec {
  uint8_t kind;
  uint8_t flags;
  std::string bytes;
  template <class T>
  T As() const {
    T t;
    memcpy(&t, bytes.data(), sizeof(T));
    return t;
  }
};

inline std::vector<Rec> ReadRecords(const std::string& path) {
  std::string b;
  int fd = open(path.c_str(), O_RDONLY);
  char buf[65536];
  ssize_t n;
  while ((n = read(fd, buf, sizeof(buf))) > 0) b.append(buf, static_cast<size_t>(n));
  close(fd);
  trace::FileHeader fh;
  memcpy(&fh, b.data(), sizeof(fh));
  std::vector<Rec> out;
  for (size_t off = fh.chunks_offset; off + 32 <= b.size();) {
    trace::ChunkHeader ch;
    memcpy(&ch, b.data() + off, sizeof(ch));
    if (ch.magic != trace::kChunkMagic) {
      off += 4096;
      continue;
    }
    for (size_t p = 32; p < ch.used_bytes;) {
      trace::RecordHeader h;
      memcpy(&h, b.data() + off + p, sizeof(h));
      if (h.size < 8) break;
      out.push_back({h.kind, h.flags, b.substr(off + p, h.size)});
      p += h.size;
    }
    off += ch.capacity_bytes;
  }
  return out;
}

inline int Count(const std::vector<Rec>& rs, trace::RecordKind k) {
  int n = 0;
  for (auto& r : rs) n += r.kind == static_cast<uint8_t>(k);
  return n;
}

class RtThreadStateTest : public ::testing::Test {
 protected:
  void Init(const char* options) {
    char tmpl[] = "/tmp/lockscope_rt_ts_XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    std::string path = dir_ + "/t.lstrace";
    ASSERT_TRUE(InitRuntime(g_, path.c_str(), options, nullptr));
    file_ = g_writer.path();
    ts_ = t_tls.state;
    ASSERT_NE(ts_, nullptr);
  }
  void TearDown() override {
    TestOnlyShutdown();
    std::string cmd = "rm -rf " + dir_;
    ASSERT_EQ(system(cmd.c_str()), 0);
  }
  void Lock(pthread_mutex_t* m) {
    AcquireOp op;
    BeginAcquire(g_, ts_, &op, m, LockKind::kMutex, LockMode::kExclusive);
    int rc = pthread_mutex_trylock(m);
    if (rc == EBUSY) {
      BeginBlockedAcquire(g_, ts_, &op);
      rc = pthread_mutex_lock(m);
      EndBlockedAcquire(g_, ts_, &op);
    }
    EndAcquire(g_, ts_, &op, rc);
  }
  void Unlock(pthread_mutex_t* m) {
    BeforeRelease(g_, ts_, m, LockKind::kMutex);
    pthread_mutex_unlock(m);
  }
  ReentryGuard g_;
  std::string dir_, file_;
  ThreadState* ts_ = nullptr;
};

// An interceptor's stand-in: a condvar wait whose call-site key starts at this frame, as
// LOCKSCOPE_FRAME() does in pthread_cond_wait. Returns the wait's stack id.
inline __attribute__((noinline)) uint32_t WaitHere(const ReentryGuard& g, ThreadState* ts,
                                                   pthread_cond_t* c, pthread_mutex_t* m) {
  CondWaitOp op;
  BeforeCondWait(g, ts, &op, c, m, /*timed=*/false,
                 reinterpret_cast<uintptr_t>(__builtin_frame_address(0)));
  AfterCondWait(g, ts, &op, 0);
  asm volatile("" ::: "memory");
  return op.saved.stack_id;
}

// Two fake interceptor frames (saved frame pointer, return address): two call sites of one call.
struct TwoCallSites {
  const uintptr_t a[2] = {0, 0x1111};
  const uintptr_t b[2] = {0, 0x2222};
  uintptr_t fp_a() const { return reinterpret_cast<uintptr_t>(a); }
  uintptr_t fp_b() const { return reinterpret_cast<uintptr_t>(b); }
};

}  // namespace
}  // namespace rt
}  // namespace lockscope

#endif  // LOCKSCOPE_TESTS_UNIT_RT_THREAD_STATE_FIXTURE_H_
