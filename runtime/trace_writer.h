// trace_writer.h — the trace file: header, thread-slot table, chunk space reservation.
//
// What: opens the file (O_EXCL, `.1`, `.2`... suffixes when the name exists), writes the
// FileHeader, maps [0, chunks_offset) MAP_SHARED once, and hands out 4096-aligned chunk regions
// from one global atomic offset. Every region's disk blocks are reserved with fallocate() before
// it is mapped, so running out of disk is an error here, never a SIGBUS later. The size limit is
// min(max_trace_mb, RLIMIT_FSIZE): we check it ourselves so the kernel never sends SIGXFSZ.
// Thread-safety: ReserveChunk/MapChunk/ClaimSlot are lock-free and callable from any thread.
// Failure: ReserveChunk failing disables the runtime (one line, status bits) and returns false.

#ifndef LOCKSCOPE_RUNTIME_TRACE_WRITER_H_
#define LOCKSCOPE_RUNTIME_TRACE_WRITER_H_

#include <atomic>
#include <cstdint>

#include "flags.h"
#include "internal/reentry_guard.h"
#include "lockscope/trace_format.h"

namespace lockscope {
namespace rt {

class TraceWriter {
 public:
  inline static constexpr uint32_t kMaxChunkBytes = 64 * 1024;
  inline static constexpr uint32_t kFirstChunkBytes = 4096;

  // Expands `%p`/`%e` in `path_template` and opens the file. `status_bits` is OR-ed into the
  // header (kStatusForkChild for a fork child). Prints one line and returns false on failure.
  bool Open(const ReentryGuard& g, const Flags& flags, const char* path_template,
            uint32_t status_bits);
  // Fork child: forget the parent's file without writing to it (munmap + close).
  void Abandon();
  bool is_open() const { return header_ != nullptr; }

  // Reserves `len` bytes (multiple of 4096) of chunk space; *off receives the file offset.
  bool ReserveChunk(const ReentryGuard& g, uint32_t len, uint64_t* off);
  // Maps a reserved region; null on failure (the runtime is then disabled).
  uint8_t* MapChunk(const ReentryGuard& g, uint64_t off, uint32_t len);

  // A free slot (or an exited one when none is free) for thread `tid`; null when all are taken.
  trace::ThreadSlot* ClaimSlot(uint32_t tid, uint64_t pthread_self);

  void AddDropped(uint64_t n);
  void SetStatus(uint32_t bits);
  void SetEndTime(uint64_t ns);

  trace::FileHeader* header() const { return header_; }
  const char* path() const { return path_; }
  uint64_t limit_bytes() const { return limit_; }
  // Unit tests: shrink the size limit to provoke a reservation failure.
  void TestOnlySetLimit(uint64_t bytes) { limit_ = bytes; }

 private:
  bool Reserve(uint64_t off, uint64_t len, int* err);

  int fd_ = -1;
  trace::FileHeader* header_ = nullptr;
  trace::ThreadSlot* slots_ = nullptr;
  uint64_t mapped_bytes_ = 0;
  uint32_t slot_count_ = 0;
  uint64_t limit_ = 0;
  bool limit_is_rlimit_ = false;
  std::atomic<uint64_t> next_offset_{0};
  std::atomic<uint32_t> next_free_slot_{0};
  std::atomic<uint32_t> reuse_hint_{0};
  char path_[4096] = {};
};

extern TraceWriter g_writer __attribute__((visibility("hidden")));

// Expands %p (pid) and %e (basename of /proc/self/exe) into out; exposed for tests.
void ExpandTracePath(const char* tmpl, char* out, size_t size);

}  // namespace rt
}  // namespace lockscope

#endif  // LOCKSCOPE_RUNTIME_TRACE_WRITER_H_
