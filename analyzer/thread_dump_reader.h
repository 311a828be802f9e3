// thread_dump_reader.h — decodes thread dumps (kThreadDump, kThreadDumpThread; issue #4) for the
// trace reader.
//
// A dump is a kThreadDump followed, in the watchdog's chunks, by one kThreadDumpThread per thread
// with the same dump_id; the reader meets them in that order. A thread record is attached to the
// latest dump with its dump_id; one without a dump (damage) is dropped. A dump
// that has fewer threads than it announced (the process died while writing it) keeps what it has.
// Values are range-checked; a record whose fixed part or held array does not fit is invalid.

#ifndef LOCKSCOPE_ANALYZER_THREAD_DUMP_READER_H_
#define LOCKSCOPE_ANALYZER_THREAD_DUMP_READER_H_

#include <string_view>

#include "trace_model.h"

namespace lockscope {
namespace analysis {

// The fields a ThreadSlot and a kThreadDumpThread share (same names and meaning) into `s`.
template <class Rec>
void CopySlotFields(const Rec& r, SlotSnapshot* s) {
  s->tid = r.tid;
  s->state = static_cast<trace::ThreadState>(r.state);
  s->wait_kind = static_cast<trace::WaitKind>(r.wait_kind);
  s->wait_mode = r.wait_mode == 1 ? LockMode::kShared : LockMode::kExclusive;
  s->wait_lock_id = r.wait_lock_id;
  s->wait_object = r.wait_object;
  s->wait_since_ns = r.wait_since_ns;
  s->wait_stack_id = r.wait_stack_id;
  s->wait_flags = r.wait_flags;
  s->held_overflow = r.held_overflow != 0;
}

inline HeldLock HeldFromEntry(const trace::HeldEntry& e) {
  return {e.lock_id, e.stack_id, e.mode == 1 ? LockMode::kShared : LockMode::kExclusive, e.count};
}

// `record`: the whole record, RecordHeader included (its size already checked against the chunk).
// Returns false when the record is invalid (the reader stops reading that chunk).
bool DecodeThreadDumpRecord(std::string_view record, Trace* out);

// After every chunk was read: sorts the dumps by dump_id.
void FinishThreadDumps(Trace* out);

}  // namespace analysis
}  // namespace lockscope

#endif  // LOCKSCOPE_ANALYZER_THREAD_DUMP_READER_H_
