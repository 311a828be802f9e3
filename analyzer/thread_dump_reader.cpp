// thread_dump_reader.cpp — see thread_dump_reader.h.

#include "thread_dump_reader.h"

#include <algorithm>
#include <cstring>
#include <utility>

namespace lockscope {
namespace analysis {
namespace {

namespace tf = ::lockscope::trace;

template <typename T>
bool LoadRecord(std::string_view record, T* out) {
  if (record.size() < sizeof(T)) return false;
  std::memcpy(out, record.data(), sizeof(T));
  return true;
}

bool DecodeDump(std::string_view record, Trace* out) {
  tf::ThreadDump r;
  if (!LoadRecord(record, &r)) return false;
  if (r.reason != static_cast<uint8_t>(tf::DumpReason::kSignal) &&
      r.reason != static_cast<uint8_t>(tf::DumpReason::kTimeout)) {
    return false;
  }
  ThreadDumpEvent d;
  d.seq = r.seq;
  d.time_ns = r.time_ns;
  d.dump_id = r.dump_id;
  d.expected = r.n_threads;
  d.reason = static_cast<tf::DumpReason>(r.reason);
  out->thread_dumps.push_back(std::move(d));
  return true;
}

bool DecodeThread(std::string_view record, Trace* out) {
  tf::ThreadDumpThread r;
  if (!LoadRecord(record, &r) || r.n_held > tf::kSlotHeld ||
      record.size() < sizeof(r) + r.n_held * sizeof(tf::HeldEntry) ||
      (r.state != static_cast<uint32_t>(tf::ThreadState::kRunning) &&
       r.state != static_cast<uint32_t>(tf::ThreadState::kBlocked)) ||
      r.wait_kind > static_cast<uint8_t>(tf::WaitKind::kFd)) {
    return false;
  }
  DumpedThread t;
  t.stack_id = r.stack_id;
  t.flags = r.h.flags;
  t.syscall_nr = r.syscall_nr;
  CopySlotFields(r, &t.slot);
  for (uint32_t k = 0; k < r.n_held; ++k) {
    tf::HeldEntry e;
    std::memcpy(&e, record.data() + sizeof(r) + k * sizeof(e), sizeof(e));
    t.slot.held.push_back(HeldFromEntry(e));
  }
  // The watchdog writes a dump's records in order into its own chunks, which the reader meets in
  // file order: the dump record is already there.
  auto it = std::find_if(out->thread_dumps.rbegin(), out->thread_dumps.rend(),
                         [&](const ThreadDumpEvent& d) { return d.dump_id == r.dump_id; });
  if (it != out->thread_dumps.rend()) it->threads.push_back(std::move(t));
  return true;
}

}  // namespace

bool DecodeThreadDumpRecord(std::string_view record, Trace* out) {
  tf::RecordHeader h;
  if (!LoadRecord(record, &h)) return false;
  return h.kind == static_cast<uint8_t>(tf::RecordKind::kThreadDump) ? DecodeDump(record, out)
                                                                     : DecodeThread(record, out);
}

void FinishThreadDumps(Trace* out) {
  std::stable_sort(out->thread_dumps.begin(), out->thread_dumps.end(),
                   [](const auto& a, const auto& b) { return a.dump_id < b.dump_id; });
}

}  // namespace analysis
}  // namespace lockscope
