// trace_lock_decoders.cpp — the trace reader's decoders of lock records: definitions,
// acquisitions (repeats of a full-event trace kept once), names, contention statistics,
// semaphore posts and misuse (trace_reader_impl.h).

#include <algorithm>
#include <string>
#include <utility>

#include "trace_reader_impl.h"

namespace lockscope {
namespace analysis {
namespace internal {

namespace tf = ::lockscope::trace;

namespace {

uint64_t MixKey(uint64_t h, uint64_t v) {
  h ^= v + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
  h *= 0xff51afd7ed558ccdull;
  return h ^ (h >> 32);
}

}  // namespace

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

// The semaphore's kLockDef may be in another thread's chunk, read later: keyed by lock id, and
// only semaphores are looked up (analyze.cpp), so an id that names no semaphore is inert.
bool Reader::DecodeSemSignal(uint64_t offset, uint32_t size, uint32_t tid) {
  tf::SemSignal r;
  if (!LoadFixed(bytes_, offset, size, &r)) return false;
  SemSignalInfo& info = out_->sem_signals[r.lock_id];
  if (info.tid == 0 || r.seq < info.seq) info = SemSignalInfo{tid, r.stack_id, r.seq};
  return true;
}

// The runtime writes one per site; a repeat (damaged or concatenated input) is ignored.
bool Reader::DecodeInstancesCapped(uint64_t offset, uint32_t size) {
  tf::LockInstancesCapped r;
  if (!LoadFixed(bytes_, offset, size, &r) || r.cap == 0 || r.site == 0 ||
      r.lock_kind > static_cast<uint8_t>(tf::LockKind::kAnnotated)) {
    return false;
  }
  out_->capped_init_sites.emplace(
      r.site, CappedInitSite{r.site, r.stack_id, r.cap, static_cast<LockKind>(r.lock_kind)});
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

}  // namespace internal
}  // namespace analysis
}  // namespace lockscope
