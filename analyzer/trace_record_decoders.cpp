// trace_record_decoders.cpp — the trace reader's dispatch from a record's kind to its decoder,
// and the decoders of the records about the run rather than its locks or threads: modules,
// stacks, "runtime disabled", watchdog reports, test markers and channels (trace_reader_impl.h).

#include <fmt/format.h>

#include <string>
#include <utility>

#include "thread_dump_reader.h"
#include "trace_reader_impl.h"

namespace lockscope {
namespace analysis {
namespace internal {

namespace tf = ::lockscope::trace;

namespace {

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

}  // namespace

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
      out_->thread_creates.push_back(ThreadCreateEvent{r.seq, tid, r.parent_epoch, r.pthread_self,
                                                       r.create_stack_id,
                                                       (r.h.flags & tf::kCreatedDetached) != 0});
      return true;
    }
    case K::kSemSignal:
      return DecodeSemSignal(offset, h.size, tid);
    case K::kLockInstancesCapped:
      return DecodeInstancesCapped(offset, h.size);
    case K::kChannel:
      return DecodeChannel(offset, h.size, tid);
    case K::kChannelUse:
      return DecodeChannelUse(offset, h.size, tid);
  }
  ++out_->stats.unknown_records;  // a newer kind within this version: skip by size
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

// A channel's first definition wins (an fd number reused for another channel gets another ident).
bool Reader::DecodeChannel(uint64_t offset, uint32_t size, uint32_t tid) {
  tf::ChannelDef r;
  if (!LoadFixed(bytes_, offset, size, &r) || r.name_len > tf::kMaxLockNameBytes ||
      !TrailingFits(size, sizeof(r), r.name_len, 1) || r.ident == 0 || r.channel_kind == 0 ||
      r.channel_kind > static_cast<uint8_t>(tf::ChannelKind::kUser)) {
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

}  // namespace internal
}  // namespace analysis
}  // namespace lockscope
