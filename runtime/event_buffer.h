// event_buffer.h — one thread's chunk writer (STYLE habit 9, with a shared file mapping).
//
// What: appends records to the owning thread's current chunk, which is a MAP_SHARED window of
// the trace file. Begin(size) returns space for one record; the caller fills it; Commit(size)
// publishes it with a release store of ChunkHeader::used_bytes (trace_format.h durability
// protocol: the bytes first, then the size that covers them — a SIGKILL between the two leaves
// the record invisible, never half-visible). When a chunk is full it is unmapped and the next
// one is claimed (seq + 1), first 4 KiB, doubling up to 64 KiB.
// Thread-safety: owned by one thread; never shared.
// Failure: a record that cannot be stored is counted in dropped() (cumulative, copied into every
// later ChunkHeader) and in FileHeader::dropped_records; reservation failure disables the runtime.

#ifndef LOCKSCOPE_RUNTIME_EVENT_BUFFER_H_
#define LOCKSCOPE_RUNTIME_EVENT_BUFFER_H_

#include <atomic>
#include <cstdint>
#include <cstring>

#include "internal/reentry_guard.h"
#include "lockscope/trace_format.h"

namespace lockscope {
namespace rt {

// Set once a kDisabled record has been written (reset by fork and tests).
extern std::atomic<bool> g_disabled_record_written;

class EventBuffer {
 public:
  void Init(uint32_t tid);
  // Space for a record of `size` bytes (a multiple of 8), or null when it is dropped.
  uint8_t* Begin(const ReentryGuard& g, uint32_t size);
  // Publishes the record returned by the last Begin().
  void Commit(uint32_t size);
  // Unmaps the current chunk (thread exit, tests).
  void Close();
  // Fork child: the chunk belongs to the parent's file; forget it and start over at seq 0.
  void ResetAfterFork(uint32_t tid);
  // Writes a kDisabled record into the current chunk if it still has room (no new chunk).
  void WriteDisabledIfRoom(trace::DisableReason reason);

  uint64_t dropped() const { return dropped_; }
  uint32_t seq() const { return seq_; }
  const trace::ChunkHeader* chunk() const { return chunk_; }

 private:
  bool Rollover(const ReentryGuard& g, uint32_t need);
  void Drop();

  trace::ChunkHeader* chunk_ = nullptr;
  uint32_t capacity_ = 0;
  uint32_t used_ = 0;
  uint32_t seq_ = 0;  // seq of the *next* chunk to claim
  uint32_t next_capacity_ = 0;
  uint32_t tid_ = 0;
  uint64_t dropped_ = 0;
};

// Writes one fixed record `rec` (h.kind/h.flags set by the caller) plus an optional trailing
// array; h.size is filled in. Returns false when the record was dropped.
template <class Rec>
inline bool EmitRecord(const ReentryGuard& g, EventBuffer* buf, Rec rec, const void* tail = nullptr,
                       uint32_t tail_len = 0) {
  const uint32_t size = trace::RecordAlign(static_cast<uint32_t>(sizeof(Rec)) + tail_len);
  uint8_t* p = buf->Begin(g, size);
  if (!p) return false;
  rec.h.size = size;
  memcpy(p, &rec, sizeof(Rec));
  if (tail_len) memcpy(p + sizeof(Rec), tail, tail_len);
  memset(p + sizeof(Rec) + tail_len, 0, size - sizeof(Rec) - tail_len);
  buf->Commit(size);
  return true;
}

template <class Rec>
inline Rec MakeRecord(trace::RecordKind kind, uint8_t flags = 0) {
  Rec r{};
  r.h.kind = static_cast<uint8_t>(kind);
  r.h.flags = flags;
  return r;
}

}  // namespace rt
}  // namespace lockscope

#endif  // LOCKSCOPE_RUNTIME_EVENT_BUFFER_H_
