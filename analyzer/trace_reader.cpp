// trace_reader.cpp — see trace_reader.h. The file's framing: header, thread-slot table, chunks,
// record boundaries, damage recovery and the warnings at the end; each record's contents are
// decoded in trace_record_decoders.cpp (trace_reader_impl.h lists the parts). Every read goes
// through Bytes::Load(), which checks bounds, so no value from the file is trusted before it has
// been compared with the bytes that remain.

#include "trace_reader.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <utility>

#include "thread_dump_reader.h"
#include "trace_reader_impl.h"

namespace lockscope {
namespace analysis {
namespace internal {

namespace tf = ::lockscope::trace;

namespace {

uint32_t ByteSwap32(uint32_t v) { return __builtin_bswap32(v); }

std::string BoundedString(const char* s, size_t max) { return std::string(s, strnlen(s, max)); }

}  // namespace

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
  t.stats.threads_without_slot = header_.threads_without_slot;
  if (header_.threads_without_slot > 0) {
    Warn(fmt::format("{} thread(s) found all {} live-state slots taken (max_threads): their locks "
                     "are in the lock graph, but hang detection and thread dumps did not see them",
                     header_.threads_without_slot, header_.slot_count));
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

}  // namespace internal
}  // namespace analysis
}  // namespace lockscope

namespace lockscope {
namespace analysis {

bool ReadTraceFromBytes(std::string_view bytes, const std::string& name, Trace* out,
                        std::string* error) {
  *out = Trace{};
  out->path = name;
  internal::Reader reader(bytes, name, out);
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
