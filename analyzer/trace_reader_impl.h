// trace_reader_impl.h — the trace reader's state, shared by its parts (see trace_reader.h):
//   trace_reader.cpp           the file: header, thread-slot table, chunks, record framing, damage
//                              recovery and the warnings at the end
//   trace_record_decoders.cpp  one record's kind -> its decoder; module, stack, watchdog, test
//                              marker, channel and "runtime disabled" records
//   trace_lock_decoders.cpp    lock definitions, acquisitions, names, statistics, misuse
//   trace_thread_decoders.cpp  thread start, join, exit, name; which thread a detach meant
// A decoder is handed a record whose header was checked to fit the chunk; it checks the rest.

#ifndef LOCKSCOPE_ANALYZER_TRACE_READER_IMPL_H_
#define LOCKSCOPE_ANALYZER_TRACE_READER_IMPL_H_

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <unordered_set>
#include <utility>

#include "lockscope/trace_format.h"
#include "trace_bytes.h"
#include "trace_model.h"

namespace lockscope {
namespace analysis {
namespace internal {

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
  void ReadChunk(uint64_t offset, const trace::ChunkHeader& chunk);
  void ReadRecords(uint64_t begin, uint64_t end, uint32_t tid);
  // Decodes one record whose header was checked to fit; false = invalid (stop the chunk).
  bool DecodeRecord(uint64_t offset, const trace::RecordHeader& h, uint32_t tid);
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
  bool DecodeTestMarker(uint64_t offset, const trace::RecordHeader& h, uint32_t tid);
  bool DecodeSemSignal(uint64_t offset, uint32_t size, uint32_t tid);
  bool DecodeInstancesCapped(uint64_t offset, uint32_t size);
  bool DecodeWatchdogReport(uint64_t offset, uint32_t size, uint32_t tid);
  void BadChunk(uint32_t tid, uint64_t offset, const std::string& why);
  ThreadInfo& Thread(uint32_t tid);
  void Warn(std::string line) { out_->stats.warnings.push_back(std::move(line)); }
  bool ValidCapacity(uint32_t capacity) const;

  Bytes bytes_;
  const std::string& name_;
  Trace* out_;
  trace::FileHeader header_{};
  std::map<uint32_t, std::set<uint32_t>> chunk_seqs_;  // tid -> chunk seq numbers seen
  std::map<uint32_t, uint64_t> thread_dropped_;        // tid -> max cumulative drop count
  std::set<uint32_t> reused_tids_;                     // tids with more than one ThreadStart
  // Full-event traces repeat each dependency once per acquisition: only the first of identical
  // kAcquire records is kept (the default mode's dedup key, held stacks included), so memory is
  // O(distinct dependencies) and repeats cost one hash look-up, not an allocation.
  std::unordered_set<uint64_t> acquire_keys_;
  std::set<uint32_t> watchdog_tids_;  // chunk owners that wrote watchdog reports
};

}  // namespace internal
}  // namespace analysis
}  // namespace lockscope

#endif  // LOCKSCOPE_ANALYZER_TRACE_READER_IMPL_H_
