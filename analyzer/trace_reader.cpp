// trace_reader.cpp — see trace_reader.h. Every read goes through Load(), which checks bounds, so
// no value from the file is trusted before it has been compared with the bytes that remain.

#include "trace_reader.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <map>
#include <set>
#include <unordered_set>
#include <utility>

#include "thread_dump_reader.h"

namespace lockscope {
namespace analysis {
namespace {

namespace tf = ::lockscope::trace;

uint32_t ByteSwap32(uint32_t v) { return __builtin_bswap32(v); }

// Bounded view of the file. Load() refuses any read that is not entirely inside the bytes.
class Bytes {
 public:
  explicit Bytes(std::string_view data) : data_(data) {}
  uint64_t size() const { return data_.size(); }
  template <typename T>
  bool Load(uint64_t offset, T* out) const {
    if (offset > data_.size() || data_.size() - offset < sizeof(T)) return false;
    std::memcpy(out, data_.data() + offset, sizeof(T));
    return true;
  }
  std::string_view Slice(uint64_t offset, uint64_t len) const {
    if (offset > data_.size()) return {};
    return data_.substr(offset, std::min<uint64_t>(len, data_.size() - offset));
  }
  bool AllZero(uint64_t offset, uint64_t len) const {
    std::string_view s = Slice(offset, len);
    return std::all_of(s.begin(), s.end(), [](char c) { return c == 0; });
  }

 private:
  std::string_view data_;
};

std::string BoundedString(const char* s, size_t max) { return std::string(s, strnlen(s, max)); }

const char* DisableReasonName(uint8_t reason) {
  switch (static_cast<tf::DisableReason>(reason)) {
    case tf::DisableReason::kTraceFull:
      return "the trace could not grow (disk full or size limit)";
    case tf::DisableReason::kOutOfSlots:
      return "an internal table was full";
    case tf::DisableReason::kInternal:
      return "an internal invariant broke";
  }
  return "an unknown reason";
}

class Reader {
 public:
  Reader(std::string_view bytes, const std::string& name, Trace* out)
      : bytes_(bytes), name_(name), out_(out) {}

  bool ReadHeader(std::string* error);
  void ReadSlots();
  void ReadChunks();
  void Finish();

 private:
  void ResolveDetaches();
  // One chunk's records: [begin, end) in file offsets.
  void ReadChunk(uint64_t offset, const tf::ChunkHeader& chunk);
  void ReadRecords(uint64_t begin, uint64_t end, uint32_t tid);
  // Decodes one record whose header was checked to fit; false = invalid (stop the chunk).
  bool DecodeRecord(uint64_t offset, const tf::RecordHeader& h, uint32_t tid);
  bool DecodeModule(uint64_t offset, uint32_t size);
  bool DecodeStack(uint64_t offset, uint32_t size);
  bool DecodeLockDef(uint64_t offset);
  bool DecodeAcquire(uint64_t offset, uint32_t size, uint32_t tid);
  bool DecodeThreadStart(uint64_t offset, uint32_t tid);
  bool DecodeThreadJoin(uint64_t offset, uint32_t tid);
  bool DecodeThreadExit(uint64_t offset, uint32_t size, uint32_t tid);
  bool DecodeDisabled(uint64_t offset, uint32_t size);
  bool DecodeMisuse(uint64_t offset, uint32_t tid);
  bool DecodeThreadName(uint64_t offset, uint32_t size, uint32_t tid);
  bool DecodeLockStats(uint64_t offset, uint32_t size);
  bool DecodeLockName(uint64_t offset, uint32_t size);
  bool DecodeChannel(uint64_t offset, uint32_t size, uint32_t tid);
  bool DecodeChannelUse(uint64_t offset, uint32_t size, uint32_t tid);
  bool DecodeTestMarker(uint64_t offset, const tf::RecordHeader& h, uint32_t tid);
  bool DecodeSemSignal(uint64_t offset, uint32_t size, uint32_t tid);
  bool DecodeWatchdogReport(uint64_t offset, uint32_t size, uint32_t tid);
  void BadChunk(uint32_t tid, uint64_t offset, const std::string& why);
  ThreadInfo& Thread(uint32_t tid);
  void Warn(std::string line) { out_->stats.warnings.push_back(std::move(line)); }
  bool ValidCapacity(uint32_t capacity) const;

  Bytes bytes_;
  const std::string& name_;
  Trace* out_;
  tf::FileHeader header_{};
  std::map<uint32_t, std::set<uint32_t>> chunk_seqs_;  // tid -> chunk seq numbers seen
  std::map<uint32_t, uint64_t> thread_dropped_;        // tid -> max cumulative drop count
  std::set<uint32_t> reused_tids_;                     // tids with more than one ThreadStart
  // Full-event traces repeat each dependency once per acquisition: only the first of identical
  // kAcquire records is kept (the default mode's dedup key, held stacks included), so memory is
  // O(distinct dependencies) and repeats cost one hash look-up, not an allocation.
  std::unordered_set<uint64_t> acquire_keys_;
  std::set<uint32_t> watchdog_tids_;                   // chunk owners that wrote watchdog reports
};

bool Reader::ReadHeader(std::string* error) {
  auto fail = [&](const std::string& why) {
    *error = fmt::format("{}: {}", name_, why);
    return false;
  };
  if (bytes_.size() == 0) return fail("empty file (the traced program wrote nothing)");
  if (!bytes_.Load(0, &header_)) {
    return fail(fmt::format("file is shorter than a trace header ({} bytes < {})", bytes_.size(),
                            sizeof(tf::FileHeader)));
  }
  if (std::memcmp(header_.magic, tf::kMagic, sizeof(tf::kMagic)) != 0) {
    return fail("not a lockscope trace (bad magic)");
  }
  if (header_.endian_tag == ByteSwap32(tf::kEndianTag)) {
    return fail("trace was written on a machine of the other endianness");
  }
  if (header_.endian_tag != tf::kEndianTag) {
    return fail(fmt::format("corrupt header (endian tag {:#x})", header_.endian_tag));
  }
  if (header_.version > tf::kTraceFormatVersion) {
    return fail(
        fmt::format("trace format version {} is newer than this lockscope reads ({}); "
                    "upgrade lockscope",
                    header_.version, tf::kTraceFormatVersion));
  }
  if (header_.version < tf::kMinReadableVersion) {
    return fail(
        fmt::format("trace format version {} is older than the oldest this lockscope "
                    "reads ({})",
                    header_.version, tf::kMinReadableVersion));
  }
  if (header_.pointer_size != 8) {
    return fail(fmt::format("unsupported pointer size {} (only 64-bit traces are supported)",
                            header_.pointer_size));
  }
  if (header_.header_size < sizeof(tf::FileHeader) || header_.header_size > bytes_.size()) {
    return fail(fmt::format("corrupt header (header_size {} for a {}-byte file)",
                            header_.header_size, bytes_.size()));
  }
  if (header_.slots_offset < header_.header_size || header_.chunks_offset < header_.header_size) {
    return fail(fmt::format("corrupt header (slots at {}, chunks at {} overlap the header)",
                            header_.slots_offset, header_.chunks_offset));
  }
  Trace& t = *out_;
  t.version = header_.version;
  t.pid = header_.pid;
  t.ppid = header_.ppid;
  t.start_monotonic_ns = header_.start_monotonic_ns;
  t.start_realtime_ns = header_.start_realtime_ns;
  t.end_monotonic_ns = header_.end_monotonic_ns;
  t.stack_depth = header_.stack_depth;
  t.status_flags = header_.status_flags;
  t.wake_epoch = header_.wake_epoch;
  t.dump_signal = header_.dump_signal;
  if ((header_.feature_bits & tf::kFeatureWakeTable) != 0 &&
      header_.header_size >= tf::kWakeTableOffset + tf::kWakeBuckets * sizeof(uint64_t)) {
    t.wake_table.resize(tf::kWakeBuckets);
    for (uint32_t b = 0; b < tf::kWakeBuckets; ++b) {
      bytes_.Load(tf::kWakeTableOffset + uint64_t{b} * sizeof(uint64_t), &t.wake_table[b]);
    }
  }
  t.exe_path = BoundedString(header_.exe_path, sizeof(header_.exe_path));
  t.cmdline = BoundedString(header_.cmdline, sizeof(header_.cmdline));
  t.stats.file_bytes = bytes_.size();
  return true;
}

ThreadInfo& Reader::Thread(uint32_t tid) {
  ThreadInfo& info = out_->threads[tid];
  info.tid = tid;
  return info;
}

void Reader::ReadSlots() {
  uint64_t table_end = header_.slots_offset + uint64_t{header_.slot_count} * tf::kSlotBytes;
  uint64_t count = header_.slot_count;
  if (table_end > bytes_.size()) {
    count = header_.slots_offset >= bytes_.size()
                ? 0
                : (bytes_.size() - header_.slots_offset) / tf::kSlotBytes;
    Warn(fmt::format("thread-slot table extends past the end of the file: reading {} of {} slots",
                     count, header_.slot_count));
  }
  uint64_t torn = 0;
  for (uint64_t i = 0; i < count; ++i) {
    tf::ThreadSlot slot;
    if (!bytes_.Load(header_.slots_offset + i * tf::kSlotBytes, &slot)) break;
    if (slot.state == static_cast<uint32_t>(tf::ThreadState::kFree) || slot.tid == 0) continue;
    if (slot.state > static_cast<uint32_t>(tf::ThreadState::kExited) ||
        slot.wait_kind > static_cast<uint8_t>(tf::WaitKind::kFd)) {
      ++torn;
      continue;
    }
    SlotSnapshot s;
    CopySlotFields(slot, &s);
    s.pthread_self = slot.pthread_self;
    s.wait_wake_epoch = slot.wait_wake_epoch;
    s.wait_object_epoch = slot.wait_object_epoch;
    if (slot.wait_kind == static_cast<uint8_t>(tf::WaitKind::kFd) &&
        slot.wait_channel <= static_cast<uint8_t>(tf::ChannelKind::kUser) &&
        slot.wait_dir <= static_cast<uint8_t>(tf::ChannelOp::kSend)) {
      s.wait_fd = slot.wait_fd;
      s.wait_channel = static_cast<tf::ChannelKind>(slot.wait_channel);
      s.wait_dir = static_cast<tf::ChannelOp>(slot.wait_dir);
    }
    if (slot.wait_kind == static_cast<uint8_t>(tf::WaitKind::kCond)) {
      s.lost_signal_ns = slot.wait_lost_signal_ns;
      s.lost_signal_tid = slot.wait_lost_signal_tid;
      s.lost_signal_stack_id = slot.wait_lost_signal_stack_id;
    }
    uint32_t n = std::min(slot.n_held, tf::kSlotHeld);
    for (uint32_t k = 0; k < n; ++k) s.held.push_back(HeldFromEntry(slot.held[k]));
    Thread(slot.tid).pthread_self = slot.pthread_self;
    out_->slots.push_back(std::move(s));
  }
  if (torn > 0) Warn(fmt::format("{} thread slots hold impossible values and were ignored", torn));
}

bool Reader::ValidCapacity(uint32_t capacity) const {
  if (capacity < tf::kChunkAlign || capacity % tf::kChunkAlign != 0) return false;
  // A writer that left max_chunk_bytes unset (0) gives us no upper bound but the file itself.
  return header_.max_chunk_bytes == 0 || capacity <= header_.max_chunk_bytes;
}

void Reader::ReadChunks() {
  uint64_t offset = header_.chunks_offset;
  if (offset % tf::kChunkAlign != 0) offset += tf::kChunkAlign - offset % tf::kChunkAlign;
  bool in_damage = false;
  uint64_t damaged_bytes = 0;
  while (offset < bytes_.size()) {
    tf::ChunkHeader chunk;
    bool loaded = bytes_.Load(offset, &chunk);
    if (loaded && chunk.magic == tf::kChunkMagic && ValidCapacity(chunk.capacity_bytes)) {
      in_damage = false;
      ReadChunk(offset, chunk);
      offset += chunk.capacity_bytes;
      continue;
    }
    // No chunk here. Zero-filled blocks are reserved-but-unclaimed space (the runtime fallocates
    // ahead of use); anything else is a claim cut by SIGKILL or damage. Either way, scan on.
    if (!bytes_.AllZero(offset, tf::kChunkAlign)) {
      if (!in_damage) ++out_->stats.skipped_regions;
      in_damage = true;
      damaged_bytes += bytes_.Slice(offset, tf::kChunkAlign).size();
    } else {
      in_damage = false;
    }
    offset += tf::kChunkAlign;
  }
  if (out_->stats.skipped_regions > 0) {
    Warn(fmt::format(
        "skipped {} damaged region(s) between chunks ({} bytes): records there are lost",
        out_->stats.skipped_regions, damaged_bytes));
  }
}

void Reader::ReadChunk(uint64_t offset, const tf::ChunkHeader& chunk) {
  ++out_->stats.chunks;
  Thread(chunk.tid);
  chunk_seqs_[chunk.tid].insert(chunk.seq);
  uint64_t& dropped = thread_dropped_[chunk.tid];
  dropped = std::max(dropped, chunk.dropped);

  uint64_t used = chunk.used_bytes;
  if (used > chunk.capacity_bytes) {
    Warn(
        fmt::format("chunk at offset {} of thread {} claims {} used bytes in a {}-byte chunk; "
                    "reading up to its capacity",
                    offset, chunk.tid, used, chunk.capacity_bytes));
    used = chunk.capacity_bytes;
  }
  if (used < sizeof(tf::ChunkHeader)) return;  // claimed, nothing published yet
  uint64_t available = bytes_.size() - offset;
  if (offset + chunk.capacity_bytes > bytes_.size()) out_->stats.truncated = true;
  if (used > available) {
    Warn(fmt::format("trace ends inside a chunk: {} bytes of records of thread {} may be lost",
                     used - available, chunk.tid));
    out_->stats.truncated = true;
    used = available;
  }
  ReadRecords(offset + sizeof(tf::ChunkHeader), offset + used, chunk.tid);
}

void Reader::BadChunk(uint32_t tid, uint64_t offset, const std::string& why) {
  ++out_->stats.bad_chunks;
  Warn(
      fmt::format("damaged record at offset {} in a chunk of thread {} ({}): the rest of that "
                  "chunk is skipped",
                  offset, tid, why));
}

void Reader::ReadRecords(uint64_t begin, uint64_t end, uint32_t tid) {
  uint64_t pos = begin;
  while (pos < end) {
    tf::RecordHeader h;
    if (end - pos < sizeof(h) || !bytes_.Load(pos, &h)) {
      // A record cut by the end of the file (the published size says it is there).
      if (!out_->stats.truncated) BadChunk(tid, pos, "record header cut short");
      return;
    }
    if (h.size < sizeof(h) || h.size % 8 != 0) {
      return BadChunk(tid, pos,
                      fmt::format("record size {} is not a positive multiple of 8", h.size));
    }
    if (h.size > end - pos) {
      if (out_->stats.truncated && pos + h.size > bytes_.size()) return;  // cut by the file end
      return BadChunk(tid, pos,
                      fmt::format("record size {} exceeds the {} bytes left", h.size, end - pos));
    }
    if (!DecodeRecord(pos, h, tid)) {
      return BadChunk(
          tid, pos,
          fmt::format("record of kind {} has an inconsistent size {}", unsigned{h.kind}, h.size));
    }
    ++out_->stats.records;
    pos += h.size;
  }
}

// Fixed-size record of type T at `offset`, with h.size >= sizeof(T).
template <typename T>
bool LoadFixed(const Bytes& bytes, uint64_t offset, uint32_t size, T* out) {
  return size >= sizeof(T) && bytes.Load(offset, out);
}

// A trailing array of `n` elements of `elem` bytes after a `fixed` part must fill `size` exactly
// (up to the 8-byte record padding). Checked in 64 bits so `n` cannot overflow.
bool TrailingFits(uint32_t size, uint64_t fixed, uint64_t n, uint64_t elem) {
  uint64_t need = fixed + n * elem;
  return need <= size && size - need < 8;
}

bool Reader::DecodeRecord(uint64_t offset, const tf::RecordHeader& h, uint32_t tid) {
  using K = tf::RecordKind;
  switch (static_cast<K>(h.kind)) {
    case K::kInvalid:
      return false;
    case K::kModule:
      return DecodeModule(offset, h.size);
    case K::kStackDef:
      return DecodeStack(offset, h.size);
    case K::kLockDef:
      return h.size >= sizeof(tf::LockDef) && DecodeLockDef(offset);
    case K::kLockDestroy: {
      tf::LockDestroy r;
      if (!LoadFixed(bytes_, offset, h.size, &r)) return false;
      auto it = out_->locks.find(r.lock_id);
      if (it != out_->locks.end()) it->second.destroyed = true;
      return true;
    }
    case K::kAcquire:
      return DecodeAcquire(offset, h.size, tid);
    case K::kRelease:
      return h.size >= sizeof(tf::Release);
    case K::kThreadStart:
      return h.size >= sizeof(tf::ThreadStart) && DecodeThreadStart(offset, tid);
    case K::kThreadExit:
      return DecodeThreadExit(offset, h.size, tid);
    case K::kThreadJoin:
      return h.size >= sizeof(tf::ThreadJoin) && DecodeThreadJoin(offset, tid);
    case K::kThreadDetach: {
      tf::ThreadDetach r;
      if (!LoadFixed(bytes_, offset, h.size, &r)) return false;
      out_->detaches.push_back({tid, r.seq, 0, r.stack_id, r.detached_tid});
      return true;
    }
    case K::kThreadDetached: {
      tf::ThreadDetached r;
      if (!LoadFixed(bytes_, offset, h.size, &r)) return false;
      out_->detaches.push_back({tid, r.seq, r.target_self, r.stack_id, r.target_tid});
      return true;
    }
    case K::kMisuse:
      return h.size >= sizeof(tf::Misuse) && DecodeMisuse(offset, tid);
    case K::kFork: {
      tf::Fork r;
      if (!LoadFixed(bytes_, offset, h.size, &r)) return false;
      out_->forked_children.push_back(r.child_pid);
      return true;
    }
    case K::kDisabled:
      return DecodeDisabled(offset, h.size);
    case K::kThreadName:
      return DecodeThreadName(offset, h.size, tid);
    case K::kWatchdogReport:
      return DecodeWatchdogReport(offset, h.size, tid);
    case K::kThreadDump:
    case K::kThreadDumpThread:
      return DecodeThreadDumpRecord(bytes_.Slice(offset, h.size), out_);
    case K::kLockStats:
      return DecodeLockStats(offset, h.size);
    case K::kLockName:
      return DecodeLockName(offset, h.size);
    case K::kTestBegin:
    case K::kTestEnd:
      return DecodeTestMarker(offset, h, tid);
    case K::kThreadCreated: {
      tf::ThreadCreated r;
      if (!LoadFixed(bytes_, offset, h.size, &r)) return false;
      out_->thread_creates.push_back(ThreadCreateEvent{
          r.seq, tid, r.parent_epoch, r.pthread_self, r.create_stack_id,
          (r.h.flags & tf::kCreatedDetached) != 0});
      return true;
    }
    case K::kSemSignal:
      return DecodeSemSignal(offset, h.size, tid);
    case K::kChannel:
      return DecodeChannel(offset, h.size, tid);
    case K::kChannelUse:
      return DecodeChannelUse(offset, h.size, tid);
  }
  ++out_->stats.unknown_records;  // a newer kind within this version: skip by size
  return true;
}

bool Reader::DecodeThreadExit(uint64_t offset, uint32_t size, uint32_t tid) {
  tf::ThreadExit r;
  if (!LoadFixed(bytes_, offset, size, &r)) return false;
  ThreadInfo& t = Thread(tid);
  t.exited = true;
  t.exit_seq = r.seq;
  t.exit_time_ns = r.time_ns;
  t.held_at_exit = r.n_held;
  t.via_pthread_exit = r.via_pthread_exit != 0;
  return true;
}

bool Reader::DecodeDisabled(uint64_t offset, uint32_t size) {
  tf::Disabled r;
  if (!LoadFixed(bytes_, offset, size, &r)) return false;
  out_->stats.runtime_disabled = true;
  Warn(fmt::format("the runtime stopped recording because {}: later lock operations are missing",
                   DisableReasonName(r.reason)));
  return true;
}

bool Reader::DecodeModule(uint64_t offset, uint32_t size) {
  tf::Module r;
  if (!LoadFixed(bytes_, offset, size, &r) || !TrailingFits(size, sizeof(r), r.path_len, 1)) {
    return false;
  }
  ModuleInfo m;
  m.load_bias = r.load_bias;
  m.start = r.start;
  m.end = r.end;
  m.path = std::string(bytes_.Slice(offset + sizeof(r), r.path_len));
  out_->modules.push_back(std::move(m));
  return true;
}

bool Reader::DecodeStack(uint64_t offset, uint32_t size) {
  tf::StackDef r;
  if (!LoadFixed(bytes_, offset, size, &r) || r.depth > tf::kMaxStackDepth ||
      !TrailingFits(size, sizeof(r), r.depth, sizeof(uint64_t))) {
    return false;
  }
  std::vector<uint64_t> pcs(r.depth);
  for (uint32_t i = 0; i < r.depth; ++i) {
    bytes_.Load(offset + sizeof(r) + i * sizeof(uint64_t), &pcs[i]);
  }
  out_->stacks[r.stack_id] = std::move(pcs);
  return true;
}

bool Reader::DecodeLockDef(uint64_t offset) {
  tf::LockDef r;
  if (!bytes_.Load(offset, &r)) return false;
  LockInfo l;
  l.id = r.lock_id;
  l.address = r.address;
  l.generation = r.generation;
  l.stack_id = r.stack_id;
  l.attrs = r.attrs;
  l.kind = r.lock_kind <= static_cast<uint8_t>(LockKind::kAnnotated)
               ? static_cast<LockKind>(r.lock_kind)
               : LockKind::kUnknown;
  out_->locks[r.lock_id] = l;
  return true;
}

uint64_t MixKey(uint64_t h, uint64_t v) {
  h ^= v + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
  h *= 0xff51afd7ed558ccdull;
  return h ^ (h >> 32);
}

bool Reader::DecodeAcquire(uint64_t offset, uint32_t size, uint32_t tid) {
  tf::Acquire r;
  if (!LoadFixed(bytes_, offset, size, &r) ||
      !TrailingFits(size, sizeof(r), r.n_held, sizeof(tf::HeldEntry))) {
    return false;
  }
  constexpr uint8_t kKeyFlags = tf::kAcqTry | tf::kAcqTimed | tf::kAcqFailed | tf::kAcqReentrant;
  uint64_t key = MixKey(MixKey(MixKey(tid, uint64_t{r.epoch} << 32 | r.lock_id),
                               uint64_t{r.stack_id} << 16 | (r.h.flags & kKeyFlags) << 8 | r.mode),
                        r.n_held);
  for (uint32_t i = 0; i < r.n_held; ++i) {
    tf::HeldEntry e;
    bytes_.Load(offset + sizeof(r) + uint64_t{i} * sizeof(e), &e);
    key = MixKey(key, uint64_t{e.lock_id} << 32 | e.stack_id);
    key = MixKey(key, uint64_t{e.mode} << 32 | e.count);
  }
  if (!acquire_keys_.insert(key).second) return true;  // a repeat (full-event mode)
  AcquireEvent a;
  a.tid = tid;
  a.seq = r.seq;
  a.time_ns = r.time_ns;
  a.lock_id = r.lock_id;
  a.stack_id = r.stack_id;
  a.epoch = r.epoch;
  a.mode = r.mode == 1 ? LockMode::kShared : LockMode::kExclusive;
  a.flags = r.h.flags;
  a.held.reserve(r.n_held);  // bounded: n_held * 16 <= size <= the chunk's bytes
  for (uint32_t i = 0; i < r.n_held; ++i) {
    tf::HeldEntry e;
    bytes_.Load(offset + sizeof(r) + uint64_t{i} * sizeof(e), &e);
    a.held.push_back(
        {e.lock_id, e.stack_id, e.mode == 1 ? LockMode::kShared : LockMode::kExclusive, e.count});
  }
  out_->acquires.push_back(std::move(a));
  return true;
}

bool Reader::DecodeThreadStart(uint64_t offset, uint32_t tid) {
  tf::ThreadStart r;
  if (!bytes_.Load(offset, &r)) return false;
  ThreadInfo& t = Thread(tid);
  // Linux reuses tids: a second ThreadStart means two threads share this id in the trace, and
  // their events are merged (the format has no other thread identity). Say so.
  if (t.started) reused_tids_.insert(tid);
  t.parent_tid = r.parent_tid;
  t.create_stack_id = r.create_stack_id;
  t.parent_epoch = r.parent_epoch;
  t.pthread_self = r.pthread_self;
  t.start_routine = r.start_routine;
  t.start_seq = r.seq;
  t.start_time_ns = r.time_ns;
  t.started = true;
  if ((r.h.flags & tf::kStartDetached) != 0) t.detached = t.detached_at_create = true;
  return true;
}

bool Reader::DecodeThreadJoin(uint64_t offset, uint32_t tid) {
  tf::ThreadJoin r;
  if (!bytes_.Load(offset, &r)) return false;
  JoinEvent j;
  j.joiner_tid = tid;
  j.joined_tid = r.joined_tid;
  j.seq = r.seq;
  j.time_ns = r.time_ns;
  j.stack_id = r.stack_id;
  j.epoch_after = r.epoch_after;
  j.failed = (r.h.flags & 1u) != 0;
  if (!j.failed && j.joined_tid != 0) {
    ThreadInfo& joined = Thread(j.joined_tid);
    joined.joined = true;
    joined.joiner_tid = tid;
    joined.join_seq = j.seq;
    joined.joiner_epoch_after = j.epoch_after;
  }
  out_->joins.push_back(j);
  return true;
}

bool Reader::DecodeMisuse(uint64_t offset, uint32_t tid) {
  tf::Misuse r;
  if (!bytes_.Load(offset, &r)) return false;
  if (r.misuse_kind < static_cast<uint8_t>(tf::MisuseKind::kUnlockNotHeld) ||
      r.misuse_kind > static_cast<uint8_t>(tf::MisuseKind::kCondTwoMutexes)) {
    ++out_->stats.unknown_records;  // a misuse kind from a newer runtime: nothing to say about it
    return true;
  }
  MisuseEvent m;
  m.tid = tid;
  m.kind = static_cast<tf::MisuseKind>(r.misuse_kind);
  m.seq = r.seq;
  m.time_ns = r.time_ns;
  m.object = r.object;
  m.lock_id = r.lock_id;
  m.stack_id = r.stack_id;
  m.other_tid = r.other_tid;
  m.other_id = r.other_id;
  out_->misuses.push_back(m);
  return true;
}

bool Reader::DecodeThreadName(uint64_t offset, uint32_t size, uint32_t tid) {
  tf::ThreadName r;
  if (!LoadFixed(bytes_, offset, size, &r) || !TrailingFits(size, sizeof(r), r.len, 1)) {
    return false;
  }
  uint32_t target = r.tid != 0 ? r.tid : tid;
  Thread(target).name = std::string(bytes_.Slice(offset + sizeof(r), r.len));
  return true;
}

bool Reader::DecodeWatchdogReport(uint64_t offset, uint32_t size, uint32_t tid) {
  tf::WatchdogReport r;
  if (!LoadFixed(bytes_, offset, size, &r) || !TrailingFits(size, sizeof(r), r.n_tids, 4)) {
    return false;
  }
  WatchdogEvent w;
  w.seq = r.seq;
  w.time_ns = r.time_ns;
  w.verdict = static_cast<tf::WatchdogVerdict>(r.verdict);
  w.tids.resize(r.n_tids);
  for (uint32_t i = 0; i < r.n_tids; ++i) bytes_.Load(offset + sizeof(r) + 4 * i, &w.tids[i]);
  out_->watchdog_reports.push_back(std::move(w));
  watchdog_tids_.insert(tid);
  return true;
}

// Sums every thread's counters per lock (one thread may write several records for one lock).
// The first name wins (the runtime writes one per lock; more only when its name set was full).
// A name for a lock id without a LockDef (damaged trace) is dropped.
bool Reader::DecodeLockName(uint64_t offset, uint32_t size) {
  tf::LockName r;
  if (!LoadFixed(bytes_, offset, size, &r) || r.len > tf::kMaxLockNameBytes ||
      !TrailingFits(size, sizeof(r), r.len, 1)) {
    return false;
  }
  auto it = out_->locks.find(r.lock_id);
  if (it != out_->locks.end() && it->second.name.empty()) {
    it->second.name = std::string(bytes_.Slice(offset + sizeof(r), r.len));
  }
  return true;
}

// A channel's first definition wins (an fd number reused for another channel gets another ident).
bool Reader::DecodeChannel(uint64_t offset, uint32_t size, uint32_t tid) {
  tf::ChannelDef r;
  if (!LoadFixed(bytes_, offset, size, &r) || r.name_len > tf::kMaxLockNameBytes ||
      !TrailingFits(size, sizeof(r), r.name_len, 1) || r.ident == 0 ||
      r.channel_kind == 0 || r.channel_kind > static_cast<uint8_t>(tf::ChannelKind::kUser)) {
    return false;
  }
  ChannelInfo& c = out_->channels[r.ident];
  if (c.defined) return true;
  c.defined = true;
  c.kind = static_cast<tf::ChannelKind>(r.channel_kind);
  c.external = (r.h.flags & tf::kChannelExternal) != 0;
  c.fds[0] = r.fds[0];
  c.fds[1] = r.fds[1];
  c.creator_tid = tid;
  c.stack_id = r.stack_id;
  c.seq = r.seq;
  c.name = std::string(bytes_.Slice(offset + sizeof(r), r.name_len));
  return true;
}

// Uses are kept once per (thread, op, fd), in seq order (sorted when the read ends).
bool Reader::DecodeChannelUse(uint64_t offset, uint32_t size, uint32_t tid) {
  tf::ChannelUse r;
  if (!LoadFixed(bytes_, offset, size, &r) || r.ident == 0 ||
      r.h.flags > static_cast<uint8_t>(tf::ChannelOp::kClose)) {
    return false;
  }
  ChannelInfo& c = out_->channels[r.ident];
  const auto op = static_cast<tf::ChannelOp>(r.h.flags);
  for (ChannelUseEvent& u : c.uses) {
    if (u.tid == tid && u.op == op && u.fd == r.fd) {
      if (r.seq < u.seq) u = {tid, op, r.fd, r.stack_id, r.seq};
      return true;
    }
  }
  c.uses.push_back({tid, op, r.fd, r.stack_id, r.seq});
  return true;
}

bool Reader::DecodeTestMarker(uint64_t offset, const tf::RecordHeader& h, uint32_t tid) {
  tf::TestMarker r;
  if (!LoadFixed(bytes_, offset, h.size, &r) || r.name_len > tf::kMaxTestNameBytes ||
      !TrailingFits(h.size, sizeof(r), r.name_len, 1)) {
    return false;
  }
  TestMarkerEvent m;
  m.seq = r.seq;
  m.time_ns = r.time_ns;
  m.tid = tid;
  m.end = h.kind == static_cast<uint8_t>(tf::RecordKind::kTestEnd);
  m.failed = m.end && (r.h.flags & tf::kTestFailed) != 0;
  m.name = std::string(bytes_.Slice(offset + sizeof(r), r.name_len));
  out_->test_markers.push_back(std::move(m));
  return true;
}

// The semaphore's kLockDef may be in another thread's chunk, read later: keyed by lock id, and
// only semaphores are looked up (analyze.cpp), so an id that names no semaphore is inert.
bool Reader::DecodeSemSignal(uint64_t offset, uint32_t size, uint32_t tid) {
  tf::SemSignal r;
  if (!LoadFixed(bytes_, offset, size, &r)) return false;
  SemSignalInfo& info = out_->sem_signals[r.lock_id];
  if (info.tid == 0 || r.seq < info.seq) info = SemSignalInfo{tid, r.stack_id, r.seq};
  return true;
}

bool Reader::DecodeLockStats(uint64_t offset, uint32_t size) {
  tf::LockStats r;
  if (!LoadFixed(bytes_, offset, size, &r)) return false;
  LockContention& c = out_->contention[r.lock_id];
  c.acquisitions += r.acquisitions;
  c.contended += r.contended;
  c.wait_total_ns += r.wait_total_ns;
  c.wait_max_ns = std::max(c.wait_max_ns, r.wait_max_ns);
  c.hold_samples += r.hold_samples;
  c.hold_total_ns += r.hold_total_ns;
  c.hold_max_ns = std::max(c.hold_max_ns, r.hold_max_ns);
  c.owner_changes += r.owner_changes;
  ++c.records;
  return true;
}

// A pthread_t is reused only after its thread was joined, or exited detached: the target of a
// detach is the first thread (by start) with that pthread_self that nothing joined or detached
// before it. Joins name their thread by tid (resolved by the runtime after the join succeeded).
void Reader::ResolveDetaches() {
  Trace& t = *out_;
  std::map<uint64_t, std::vector<ThreadInfo*>> by_self;  // pthread_self -> threads by start seq
  for (auto& [tid, info] : t.threads) {
    if (info.started && info.pthread_self != 0) by_self[info.pthread_self].push_back(&info);
  }
  for (auto& [self, list] : by_self) {
    std::stable_sort(list.begin(), list.end(), [](const ThreadInfo* a, const ThreadInfo* b) {
      return a->start_seq < b->start_seq;
    });
  }
  // Claimed before `seq`: joined before it, or detached at create or by an earlier detach
  // (detaches are resolved in seq order, so `detached` holds only those so far).
  auto claimed = [](const ThreadInfo& th, uint64_t seq) {
    return th.detached || (th.joined && th.join_seq < seq);
  };
  for (DetachEvent& d : t.detaches) {
    if (d.resolved_tid == 0 && d.target_self != 0) {
      auto it = by_self.find(d.target_self);
      if (it == by_self.end()) continue;
      for (ThreadInfo* th : it->second) {
        if (!claimed(*th, d.seq)) {
          d.resolved_tid = th->tid;
          break;
        }
      }
    }
    if (d.resolved_tid == 0) continue;
    ThreadInfo& th = Thread(d.resolved_tid);
    if (th.detached) continue;  // a second detach of the same thread (undefined): keep the first
    th.detached = true;
    // A thread that detaches itself (or was created detached) never needed a join: seq 0.
    if (d.resolved_tid != d.tid) th.detach_seq = d.seq;
    th.detach_stack_id = d.stack_id;
  }
}

void Reader::Finish() {
  Trace& t = *out_;
  // The watchdog thread writes only its reports: it is the runtime's, not the program's.
  for (uint32_t tid : watchdog_tids_) {
    auto it = t.threads.find(tid);
    if (it != t.threads.end() && !it->second.started) t.threads.erase(it);
  }
  std::stable_sort(t.watchdog_reports.begin(), t.watchdog_reports.end(),
                   [](const auto& a, const auto& b) { return a.seq < b.seq; });
  FinishThreadDumps(&t);
  auto by_seq = [](const auto& a, const auto& b) { return a.seq < b.seq; };
  std::stable_sort(t.acquires.begin(), t.acquires.end(), by_seq);
  std::stable_sort(t.joins.begin(), t.joins.end(), by_seq);
  std::stable_sort(t.misuses.begin(), t.misuses.end(), by_seq);
  std::stable_sort(t.test_markers.begin(), t.test_markers.end(), by_seq);
  std::stable_sort(t.thread_creates.begin(), t.thread_creates.end(), by_seq);
  std::stable_sort(t.detaches.begin(), t.detaches.end(), by_seq);
  for (auto& [ident, channel] : t.channels) {
    std::stable_sort(channel.uses.begin(), channel.uses.end(), by_seq);
  }
  ResolveDetaches();
  for (const auto& a : t.acquires) Thread(a.tid);
  for (const auto& [tid, seqs] : chunk_seqs_) {
    // Sequence numbers start at 0; every number below the highest seen should be present.
    uint64_t missing = uint64_t{*seqs.rbegin()} + 1 - seqs.size();
    if (missing > 0) {
      t.stats.seq_gaps += missing;
      Warn(fmt::format("{} chunk(s) of thread {} are missing: its records there are lost", missing,
                       tid));
    }
  }
  for (uint32_t tid : reused_tids_) {
    Warn(
        fmt::format("thread id {} was used by more than one thread (the kernel reuses ids); "
                    "their events are merged, which can hide or invent orderings",
                    tid));
  }
  for (const auto& [tid, dropped] : thread_dropped_) {
    if (dropped > 0) Warn(fmt::format("thread {} dropped {} record(s)", tid, dropped));
  }
  t.stats.dropped_records = header_.dropped_records;
  if (header_.dropped_records > 0) {
    Warn(fmt::format("the runtime could not store {} record(s): the lock graph may be incomplete",
                     header_.dropped_records));
  }
  t.stats.clean_exit = (header_.status_flags & tf::kStatusCleanExit) != 0;
  if ((header_.status_flags & tf::kStatusDisabled) != 0) t.stats.runtime_disabled = true;
  if ((header_.status_flags & tf::kStatusTruncated) != 0) {
    Warn("the runtime could not reserve trace space: some records were dropped");
  }
  if (t.stats.unknown_records > 0) {
    Warn(fmt::format("skipped {} record(s) of kinds this lockscope does not know",
                     t.stats.unknown_records));
  }
  if (!t.stats.clean_exit) {
    Warn("process did not exit cleanly (killed or hung): analyzing what it recorded");
  }
}

}  // namespace

bool ReadTraceFromBytes(std::string_view bytes, const std::string& name, Trace* out,
                        std::string* error) {
  *out = Trace{};
  out->path = name;
  Reader reader(bytes, name, out);
  if (!reader.ReadHeader(error)) return false;
  reader.ReadSlots();
  reader.ReadChunks();
  reader.Finish();
  return true;
}

bool ReadTrace(const std::string& path, Trace* out, std::string* error) {
  // O_NONBLOCK: opening a FIFO by mistake must not hang; it is refused below as not a regular file.
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) {
    *error = fmt::format("{}: cannot open: {}", path, std::strerror(errno));
    return false;
  }
  struct stat st {};
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    *error = fmt::format(
        "{}: {}", path,
        S_ISDIR(st.st_mode) ? "is a directory, not a trace file" : "is not a regular file");
    close(fd);
    return false;
  }
  size_t size = static_cast<size_t>(st.st_size);
  if (size == 0) {
    close(fd);
    return ReadTraceFromBytes({}, path, out, error);
  }
  // MAP_PRIVATE + PROT_READ: the runtime may still be writing (live trace); we read a snapshot of
  // the page cache and never modify the file.
  void* map = mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
  close(fd);
  if (map == MAP_FAILED) {
    *error = fmt::format("{}: cannot map: {}", path, std::strerror(errno));
    return false;
  }
  bool ok =
      ReadTraceFromBytes(std::string_view(static_cast<const char*>(map), size), path, out, error);
  munmap(map, size);
  return ok;
}

}  // namespace analysis
}  // namespace lockscope
