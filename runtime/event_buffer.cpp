#include "event_buffer.h"

#include <sys/mman.h>

#include "runtime.h"
#include "trace_writer.h"

namespace lockscope {
namespace rt {

std::atomic<bool> g_disabled_record_written{false};

void EventBuffer::Init(uint32_t tid) {
  chunk_ = nullptr;
  capacity_ = used_ = seq_ = 0;
  next_capacity_ = TraceWriter::kFirstChunkBytes;
  tid_ = tid;
  dropped_ = 0;
}

void EventBuffer::Close() {
  if (chunk_) munmap(chunk_, capacity_);
  chunk_ = nullptr;
  capacity_ = used_ = 0;
}

void EventBuffer::ResetAfterFork(uint32_t tid) {
  Close();
  Init(tid);
}

void EventBuffer::Drop() {
  ++dropped_;
  g_writer.AddDropped(1);
}

bool EventBuffer::Rollover(const ReentryGuard& g, uint32_t need) {
  const uint32_t header = sizeof(trace::ChunkHeader);
  uint32_t cap = next_capacity_;
  need += sizeof(trace::Disabled);
  while (cap < header + need && cap < TraceWriter::kMaxChunkBytes) cap *= 2;
  if (cap > TraceWriter::kMaxChunkBytes) cap = TraceWriter::kMaxChunkBytes;
  if (header + need > cap) return false;  // a record larger than any chunk: dropped, not fatal
  uint64_t off = 0;
  if (!g_writer.ReserveChunk(g, cap, &off)) {
    WriteDisabledIfRoom(trace::DisableReason::kTraceFull);
    return false;
  }
  uint8_t* mem = g_writer.MapChunk(g, off, cap);
  if (!mem) return false;
  Close();
  chunk_ = reinterpret_cast<trace::ChunkHeader*>(mem);
  capacity_ = cap;
  used_ = header;
  chunk_->tid = tid_;
  chunk_->seq = seq_++;
  chunk_->capacity_bytes = cap;
  chunk_->reserved = 0;
  chunk_->dropped = dropped_;
  __atomic_store_n(&chunk_->used_bytes, header, __ATOMIC_RELAXED);
  // The magic goes last: a reader that sees it sees a complete header.
  __atomic_store_n(&chunk_->magic, trace::kChunkMagic, __ATOMIC_RELEASE);
  next_capacity_ = cap * 2 > TraceWriter::kMaxChunkBytes ? TraceWriter::kMaxChunkBytes : cap * 2;
  return true;
}

uint8_t* EventBuffer::Begin(const ReentryGuard& g, uint32_t size) {
  if (!RuntimeActive()) return nullptr;
  // The last sizeof(Disabled) bytes of every chunk stay free, so the thread whose reservation
  // fails can still say why in its own chunk.
  if (!chunk_ || used_ + size + sizeof(trace::Disabled) > capacity_) {
    if (!Rollover(g, size)) {
      Drop();
      return nullptr;
    }
  }
  return reinterpret_cast<uint8_t*>(chunk_) + used_;
}

void EventBuffer::Commit(uint32_t size) {
  used_ += size;
  // Release: the record's bytes are visible before the size that covers them.
  __atomic_store_n(&chunk_->used_bytes, used_, __ATOMIC_RELEASE);
}

void EventBuffer::WriteDisabledIfRoom(trace::DisableReason reason) {
  // Called by the thread whose reservation failed, after DisableRuntime(): only the first
  // disabler's record matters, later ones find `written` set.
  if (!chunk_ || used_ + sizeof(trace::Disabled) > capacity_) return;
  if (g_disabled_record_written.exchange(true)) return;
  auto* r = reinterpret_cast<trace::Disabled*>(reinterpret_cast<uint8_t*>(chunk_) + used_);
  *r = trace::Disabled{};
  r->h.kind = static_cast<uint8_t>(trace::RecordKind::kDisabled);
  r->h.size = sizeof(trace::Disabled);
  r->seq = NextSeq();
  r->reason = static_cast<uint8_t>(reason);
  Commit(sizeof(trace::Disabled));
}

}  // namespace rt
}  // namespace lockscope
