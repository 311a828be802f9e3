// rwlock_rules.cpp — see rwlock_rules.h.

#include "rwlock_rules.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>
#include <utility>

#include "lock_graph.h"

namespace lockscope {
namespace analysis {
namespace {

namespace tf = ::lockscope::trace;

// The entry of `held` for `lock_id` in shared mode, or nullptr.
const HeldLock* HeldShared(const std::vector<HeldLock>& held, uint32_t lock_id) {
  for (const HeldLock& h : held) {
    if (h.lock_id == lock_id && h.mode == LockMode::kShared) return &h;
  }
  return nullptr;
}

// The slot of `tid` blocked on `lock_id` in `mode`, or nullptr. tid 0 matches any thread.
const SlotSnapshot* BlockedOn(const Trace& trace, uint32_t tid, uint32_t lock_id, LockMode mode) {
  for (const SlotSnapshot& s : trace.slots) {
    if (tid != 0 && s.tid != tid) continue;
    if (s.state != tf::ThreadState::kBlocked || s.wait_kind != tf::WaitKind::kLock) continue;
    if (s.wait_lock_id == lock_id && s.wait_mode == mode) return &s;
  }
  return nullptr;
}

std::string LockName(FindingContext& ctx, uint32_t lock_id) {
  return FindingContext::ShortLockName(ctx.MakeLockRef(lock_id));
}

std::string At(const Stack& stack) {
  std::string where = FindingContext::Where(stack);
  return where.empty() ? "" : " at " + where;
}

// What both rules start from: one acquisition of `lock_id` while `held_entry` (the same lock,
// shared) was held.
struct SelfEdge {
  uint32_t tid = 0;
  uint32_t lock_id = 0;
  uint32_t acquire_stack_id = 0;
  uint32_t held_stack_id = 0;
  uint32_t epoch = 0;
  LockMode to_mode = LockMode::kExclusive;
  uint64_t count = 1;
  std::vector<HeldLock> also_held;  // every other lock held at that moment
};

SelfEdge MakeSelfEdge(uint32_t tid, uint32_t lock_id, uint32_t stack_id, uint32_t epoch,
                      LockMode mode, const std::vector<HeldLock>& held) {
  SelfEdge e;
  e.tid = tid;
  e.lock_id = lock_id;
  e.acquire_stack_id = stack_id;
  e.epoch = epoch;
  e.to_mode = mode;
  e.held_stack_id = HeldShared(held, lock_id)->stack_id;
  for (const HeldLock& h : held) {
    if (h.lock_id != lock_id) e.also_held.push_back(h);
  }
  return e;
}

// The finding skeleton shared by both rules: the lock, the self edge with both stacks, the thread.
Finding BaseFinding(FindingContext& ctx, FindingKind kind, const SelfEdge& s) {
  Finding f;
  f.kind = kind;
  f.pid = ctx.trace().pid;
  f.trace_path = ctx.trace().path;
  f.locks.push_back(ctx.MakeLockRef(s.lock_id));
  EdgeEvidence e;
  e.from = 0;
  e.to = 0;
  e.from_mode = "shared";
  e.to_mode = s.to_mode == LockMode::kShared ? "shared" : "exclusive";
  e.tid = s.tid;
  e.count = s.count;
  e.acquire_stack = ctx.StackOf(s.acquire_stack_id);
  e.held_stack = ctx.StackOf(s.held_stack_id);
  for (const HeldLock& h : s.also_held) {
    e.also_held.push_back(static_cast<int>(f.locks.size()));
    f.locks.push_back(ctx.MakeLockRef(h.lock_id));
  }
  f.edges.push_back(std::move(e));
  f.threads.push_back(ctx.MakeThreadRef(s.tid));
  return f;
}

// ---------------------------------------------------------------------------------------------
// rwlock-upgrade

Finding MakeUpgradeFinding(FindingContext& ctx, const SelfEdge& s) {
  Finding f = BaseFinding(ctx, FindingKind::kRwlockUpgrade, s);
  f.severity = "error";
  std::string lock = LockName(ctx, s.lock_id);
  std::string thread = ctx.ThreadLabel(s.tid);
  const SlotSnapshot* slot = BlockedOn(ctx.trace(), s.tid, s.lock_id, LockMode::kExclusive);
  f.hung = slot != nullptr && HeldShared(slot->held, s.lock_id) != nullptr;
  f.summary = fmt::format(
      "self-deadlock: thread {} requests {} exclusively while holding it shared (read->write "
      "upgrade)",
      thread, lock);
  f.story = fmt::format(
      "Thread {} read-locked {}{}, then, still holding the read lock, requested the write "
      "lock{}. A writer waits until every reader has released the lock, and {} is one of those "
      "readers: it waits for itself forever, and every later reader or writer of {} queues "
      "behind it.",
      thread, lock, At(f.edges[0].held_stack), At(f.edges[0].acquire_stack), thread, lock);
  if (f.hung) {
    f.story += fmt::format(
        " The process was observed blocked right there: {}'s thread slot shows it waiting for "
        "{} exclusively while it holds {} shared.",
        thread, lock, lock);
    f.extra_stacks.push_back(ctx.StackOf(slot->wait_stack_id));
    f.extra_stack_titles.push_back(fmt::format(
        "{} was blocked here when the trace ended (thread slot: waits for {} exclusively while "
        "holding it shared)",
        thread, lock));
  }
  f.story +=
      " Release the read lock before taking the write lock (and re-check what you read, it may "
      "have changed), or collect the work under the read lock and do it after unlocking.";
  std::string name = FindingContext::ShortLockName(f.locks[0]);
  f.scenario.push_back({s.tid, fmt::format("rlock({})", name)});
  f.scenario.push_back({s.tid, fmt::format("lock({}) <- waits for its own read lock", name)});
  return f;
}

SuppressedCandidate TryUpgrade(FindingContext& ctx, const SelfEdge& s) {
  SuppressedCandidate c;
  c.kind = FindingKind::kRwlockUpgrade;
  c.reason_id = "try-lock";
  c.locks.push_back(ctx.MakeLockRef(s.lock_id));
  c.tids.push_back(s.tid);
  c.reason = fmt::format(
      "thread {} only try-locked or timed-locked {} exclusively while holding it shared; the "
      "attempt fails (or times out) instead of waiting for itself forever",
      ctx.ThreadLabel(s.tid), LockName(ctx, s.lock_id));
  return c;
}

void AddUpgrades(FindingContext& ctx, std::vector<Finding>* out,
                 std::vector<SuppressedCandidate>* suppressed) {
  const Trace& trace = ctx.trace();
  std::map<std::pair<uint32_t, uint32_t>, SelfEdge> blocking;  // (lock, site) -> first edge
  std::vector<std::pair<uint32_t, uint32_t>> order;
  std::map<uint32_t, SelfEdge> tries;  // lock -> first try/timed upgrade
  for (const AcquireEvent& a : trace.acquires) {
    if (a.mode != LockMode::kExclusive || HeldShared(a.held, a.lock_id) == nullptr) continue;
    SelfEdge s = MakeSelfEdge(a.tid, a.lock_id, a.stack_id, a.epoch, a.mode, a.held);
    if (IsTryAttempt(a.flags)) {
      tries.emplace(a.lock_id, s);
      continue;
    }
    auto [it, inserted] = blocking.emplace(std::make_pair(a.lock_id, a.stack_id), s);
    if (inserted) {
      order.push_back(it->first);
    } else {
      ++it->second.count;
    }
  }
  // A thread blocked in an upgrade whose Acquire record is missing (dropped records).
  for (const SlotSnapshot& slot : trace.slots) {
    const SlotSnapshot* b = BlockedOn(trace, slot.tid, slot.wait_lock_id, LockMode::kExclusive);
    if (b != &slot || HeldShared(slot.held, slot.wait_lock_id) == nullptr) continue;
    bool known = std::any_of(order.begin(), order.end(),
                             [&](const auto& key) { return key.first == slot.wait_lock_id; });
    if (known) continue;
    SelfEdge s = MakeSelfEdge(slot.tid, slot.wait_lock_id, slot.wait_stack_id, 0,
                              LockMode::kExclusive, slot.held);
    auto key = std::make_pair(slot.wait_lock_id, slot.wait_stack_id);
    if (blocking.emplace(key, s).second) order.push_back(key);
  }
  std::set<uint32_t> reported;
  for (const auto& key : order) {
    reported.insert(key.first);
    out->push_back(MakeUpgradeFinding(ctx, blocking.at(key)));
  }
  for (const auto& [lock_id, s] : tries) {
    if (reported.count(lock_id) == 0) suppressed->push_back(TryUpgrade(ctx, s));
  }
}

// ---------------------------------------------------------------------------------------------
// recursive-read-hazard

// A thread that requests the lock exclusively with a blocking call.
struct Writer {
  uint32_t tid = 0;
  uint32_t epoch = 0;
  uint32_t stack_id = 0;
  bool blocked_now = false;          // from the final thread slots
  std::vector<HeldLock> held;        // locks the writer held at the request
};

std::vector<Writer> WritersOf(const Trace& trace, uint32_t lock_id) {
  std::vector<Writer> writers;
  std::set<std::pair<uint32_t, uint32_t>> seen;  // (tid, stack)
  for (const SlotSnapshot& s : trace.slots) {
    if (BlockedOn(trace, s.tid, lock_id, LockMode::kExclusive) != &s) continue;
    if (HeldShared(s.held, lock_id) != nullptr) continue;  // an upgrade, reported as such
    Writer w{s.tid, 0, s.wait_stack_id, true, s.held};
    // The slot has no epoch; the writer's latest Acquire of the lock gives the one it waits in.
    for (const AcquireEvent& a : trace.acquires) {
      if (a.tid == s.tid && a.lock_id == lock_id && a.mode == LockMode::kExclusive) {
        w.epoch = a.epoch;
      }
    }
    seen.emplace(s.tid, s.wait_stack_id);
    writers.push_back(std::move(w));
  }
  for (const AcquireEvent& a : trace.acquires) {
    if (a.lock_id != lock_id || a.mode != LockMode::kExclusive || IsTryAttempt(a.flags)) continue;
    if (HeldShared(a.held, lock_id) != nullptr) continue;  // an upgrade
    if (!seen.emplace(a.tid, a.stack_id).second) continue;
    writers.push_back(Writer{a.tid, a.epoch, a.stack_id, false, a.held});
  }
  return writers;
}

// A lock both the reader and the writer hold exclusively (or one exclusively, one shared): the
// writer can never request the lock while the reader is between its two read locks. 0 if none.
uint32_t CommonGate(const SelfEdge& reader, const Writer& w) {
  for (const HeldLock& a : reader.also_held) {
    for (const HeldLock& b : w.held) {
      bool both_shared = a.mode == LockMode::kShared && b.mode == LockMode::kShared;
      if (a.lock_id == b.lock_id && !both_shared) return a.lock_id;
    }
  }
  return 0;
}

struct WriterVerdict {
  const Writer* writer = nullptr;  // the first writer that can overlap the reader
  std::string reason_id;           // when none can: "happens-before" | "gate-lock"
  const Writer* closest = nullptr;
  uint32_t gate = 0;
};

WriterVerdict PickWriter(const SelfEdge& reader, const std::vector<Writer>& writers,
                         const HappensBeforeGraph& hb) {
  WriterVerdict v;
  for (const Writer& w : writers) {
    if (w.tid == reader.tid) continue;
    if (uint32_t gate = CommonGate(reader, w); gate != 0) {
      if (v.closest == nullptr) v = WriterVerdict{nullptr, "gate-lock", &w, gate};
      continue;
    }
    if (!w.blocked_now && hb.Ordered(reader.tid, reader.epoch, w.tid, w.epoch)) {
      if (v.closest == nullptr || v.reason_id == "gate-lock") {
        v = WriterVerdict{nullptr, "happens-before", &w, 0};
      }
      continue;
    }
    // A writer blocked on the lock right now is the strongest evidence: prefer it.
    if (v.writer == nullptr || (w.blocked_now && !v.writer->blocked_now)) v.writer = &w;
  }
  return v;
}

std::string RecursiveReadStory(FindingContext& ctx, const Finding& f, const SelfEdge& s,
                               const Writer& w, bool prefer_writer) {
  std::string lock = LockName(ctx, s.lock_id);
  std::string reader = ctx.ThreadLabel(s.tid);
  std::string writer = ctx.ThreadLabel(w.tid);
  std::string story = fmt::format(
      "Thread {} read-locked {}{} and, still holding it, read-locked it again{}. Thread {} "
      "write-locks {}{}{}. If {} asks for the write lock between {}'s two read locks, it queues "
      "until {} releases its first read lock. ",
      reader, lock, At(f.edges[0].held_stack), At(f.edges[0].acquire_stack), writer, lock,
      At(f.extra_stacks[0]), w.blocked_now ? " (it was blocked there when the trace ended)" : "",
      writer, reader, reader);
  if (prefer_writer) {
    story += fmt::format(
        "{} prefers writers, so {}'s second read lock queues behind {}: neither can proceed, "
        "a deadlock on this one rwlock.",
        lock, reader, writer);
  } else {
    story += fmt::format(
        "glibc's default rwlock (and std::shared_mutex) prefers readers, so today the second read "
        "lock is granted and nothing hangs; with a writer-preferring rwlock "
        "(PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP, or another platform's shared mutex) the "
        "second read waits behind {} and the threads deadlock. This is a latent hazard.",
        writer);
  }
  if (f.hung) story += " The process was observed hung in exactly this state.";
  story +=
      " Do not re-take a read lock the thread already holds: have the nested call assume the "
      "lock is held (a *Locked variant), or release before calling it.";
  return story;
}

Finding MakeRecursiveReadFinding(FindingContext& ctx, const SelfEdge& s, const Writer& w) {
  Finding f = BaseFinding(ctx, FindingKind::kRecursiveReadHazard, s);
  const Trace& trace = ctx.trace();
  const LockInfo* info = trace.FindLock(s.lock_id);
  bool prefer_writer = info != nullptr && (info->attrs & tf::kAttrPreferWriter) != 0;
  f.severity = prefer_writer ? "error" : "warning";
  if (w.tid != s.tid) f.threads.push_back(ctx.MakeThreadRef(w.tid));
  f.extra_stacks.push_back(ctx.StackOf(w.stack_id));
  f.extra_stack_titles.push_back(
      fmt::format("the writer: thread {} requests {} exclusively here", ctx.ThreadLabel(w.tid),
                  FindingContext::ShortLockName(f.locks[0])));
  const SlotSnapshot* reader_slot = BlockedOn(trace, s.tid, s.lock_id, LockMode::kShared);
  f.hung = prefer_writer && w.blocked_now && reader_slot != nullptr &&
           HeldShared(reader_slot->held, s.lock_id) != nullptr;
  std::string lock = FindingContext::ShortLockName(f.locks[0]);
  f.summary = prefer_writer
                  ? fmt::format("{}: recursive read of the writer-preferring rwlock {} while "
                                "thread {} can queue to write it",
                                f.hung ? "deadlock (the program hung)" : "deadlock on this rwlock",
                                lock, ctx.ThreadLabel(w.tid))
                  : fmt::format("latent hazard: recursive read of {} while thread {} can queue "
                                "to write it (deadlocks if the rwlock prefers writers)",
                                lock, ctx.ThreadLabel(w.tid));
  f.scenario.push_back({s.tid, fmt::format("rlock({})", lock)});
  f.scenario.push_back({w.tid, fmt::format("lock({}) <- waits for the reader", lock)});
  f.scenario.push_back({s.tid, fmt::format("rlock({}) <- {}", lock,
                                           prefer_writer ? "waits behind the writer"
                                                         : "waits if writers are preferred")});
  f.story = RecursiveReadStory(ctx, f, s, w, prefer_writer);
  return f;
}

SuppressedCandidate SuppressRecursiveRead(FindingContext& ctx, const SelfEdge& s,
                                          const std::string& reason_id, const Writer* w,
                                          uint32_t gate) {
  SuppressedCandidate c;
  c.kind = FindingKind::kRecursiveReadHazard;
  c.reason_id = reason_id;
  c.locks.push_back(ctx.MakeLockRef(s.lock_id));
  c.tids.push_back(s.tid);
  if (w != nullptr) c.tids.push_back(w->tid);
  std::string lock = LockName(ctx, s.lock_id);
  std::string reader = ctx.ThreadLabel(s.tid);
  if (reason_id == "try-lock") {
    c.reason = fmt::format(
        "thread {} re-read {} only with a try or timed lock, which gives up instead of waiting "
        "behind a writer",
        reader, lock);
  } else if (reason_id == "gate-lock") {
    c.reason = fmt::format(
        "thread {} re-read {} while holding {}, which thread {} also holds when it write-locks "
        "{}; the writer cannot queue between the two read locks",
        reader, lock, LockName(ctx, gate), ctx.ThreadLabel(w->tid), lock);
  } else {
    c.reason = fmt::format(
        "thread {} re-read {}, but every thread that write-locks it (e.g. {}) is ordered with "
        "it by thread create/join, so no writer can queue between the two read locks",
        reader, lock, ctx.ThreadLabel(w->tid));
  }
  return c;
}

void AddRecursiveReads(FindingContext& ctx, const HappensBeforeGraph& hb,
                       std::vector<Finding>* out, std::vector<SuppressedCandidate>* suppressed) {
  const Trace& trace = ctx.trace();
  std::map<std::pair<uint32_t, uint32_t>, SelfEdge> reads;  // (lock, site) -> first re-read
  std::vector<std::pair<uint32_t, uint32_t>> order;
  for (const AcquireEvent& a : trace.acquires) {
    if (a.mode != LockMode::kShared || IsFailedAttempt(a.flags)) continue;
    if (HeldShared(a.held, a.lock_id) == nullptr) continue;
    auto key = std::make_pair(a.lock_id, a.stack_id);
    auto [it, inserted] =
        reads.emplace(key, MakeSelfEdge(a.tid, a.lock_id, a.stack_id, a.epoch, a.mode, a.held));
    if (inserted) {
      order.push_back(key);
      it->second.count = IsTryAttempt(a.flags) ? 0 : 1;  // 0: only try attempts so far
    } else if (!IsTryAttempt(a.flags)) {
      if (it->second.count == 0) {
        it->second = MakeSelfEdge(a.tid, a.lock_id, a.stack_id, a.epoch, a.mode, a.held);
      } else {
        ++it->second.count;
      }
    }
  }
  std::map<uint32_t, std::vector<Writer>> writers;  // lock -> writers, computed once
  std::set<uint32_t> reported;                       // one suppression per lock is enough
  for (const auto& key : order) {
    const SelfEdge& s = reads.at(key);
    auto wit = writers.find(s.lock_id);
    if (wit == writers.end()) wit = writers.emplace(s.lock_id, WritersOf(trace, s.lock_id)).first;
    WriterVerdict v = PickWriter(s, wit->second, hb);
    if (v.writer == nullptr && v.closest == nullptr) continue;  // no writer: readers never block
    if (s.count == 0) {
      if (reported.insert(s.lock_id).second) {
        suppressed->push_back(SuppressRecursiveRead(ctx, s, "try-lock", nullptr, 0));
      }
      continue;
    }
    if (v.writer != nullptr) {
      out->push_back(MakeRecursiveReadFinding(ctx, s, *v.writer));
      reported.insert(s.lock_id);
    } else if (reported.insert(s.lock_id).second) {
      suppressed->push_back(SuppressRecursiveRead(ctx, s, v.reason_id, v.closest, v.gate));
    }
  }
}

// ---------------------------------------------------------------------------------------------
// reentrant re-locks: a note why no order edge comes from them

// Whether a re-acquisition of a lock the thread holds can never wait: the owner re-locking a
// recursive mutex, or re-reading a reader-preferring rwlock (writer-preferring ones are the
// recursive-read rule's business).
bool ReentryNeverWaits(const Trace& trace, const AcquireEvent& a, const HeldLock& held) {
  const LockInfo* info = trace.FindLock(a.lock_id);
  if (info == nullptr) return false;
  if (info->kind == LockKind::kMutex) return (info->attrs & tf::kAttrRecursive) != 0;
  return info->kind == LockKind::kRwLock && a.mode == LockMode::kShared &&
         held.mode == LockMode::kShared && (info->attrs & tf::kAttrPreferWriter) == 0;
}

SuppressedCandidate ReentrantNote(FindingContext& ctx, const AcquireEvent& a, const HeldLock& own,
                                  uint32_t inner) {
  SuppressedCandidate c;
  c.kind = FindingKind::kLockOrderCycle;
  c.reason_id = "reentrant";
  c.locks = {ctx.MakeLockRef(a.lock_id), ctx.MakeLockRef(inner)};
  c.tids.push_back(a.tid);
  std::string lock = LockName(ctx, a.lock_id);
  std::string other = LockName(ctx, inner);
  const LockInfo* info = ctx.trace().FindLock(a.lock_id);
  bool mutex = info != nullptr && info->kind == LockKind::kMutex;
  c.reason = fmt::format(
      "thread {} re-{} {}{} while holding {}, but it already held {}{}; {} never waits, so it "
      "creates no {} => {} order and the cycle with {} => {} cannot close",
      ctx.ThreadLabel(a.tid), mutex ? "locked" : "read", lock, At(ctx.StackOf(a.stack_id)),
      other, lock, At(ctx.StackOf(own.stack_id)),
      mutex ? "a re-lock of a recursive mutex by its owner" : "a re-read of a rwlock that prefers "
                                                              "readers",
      other, lock, lock, other);
  return c;
}

// A naive detector turns "re-lock L while holding X (taken after L)" into an edge X -> L; with an
// edge L -> X elsewhere it reports a cycle. Say once per (L, X) why lockscope does not.
void AddReentrantNotes(FindingContext& ctx, std::vector<SuppressedCandidate>* suppressed) {
  const Trace& trace = ctx.trace();
  std::set<std::pair<uint32_t, uint32_t>> edges;  // real order edges (held, acquired)
  for (const AcquireEvent& a : trace.acquires) {
    if (IsFailedAttempt(a.flags) || (a.flags & tf::kAcqReentrant) != 0) continue;
    bool held = std::any_of(a.held.begin(), a.held.end(),
                            [&](const HeldLock& h) { return h.lock_id == a.lock_id; });
    if (held) continue;
    for (const HeldLock& h : a.held) edges.emplace(h.lock_id, a.lock_id);
  }
  std::set<std::pair<uint32_t, uint32_t>> noted;
  for (const AcquireEvent& a : trace.acquires) {
    auto own = std::find_if(a.held.begin(), a.held.end(),
                            [&](const HeldLock& h) { return h.lock_id == a.lock_id; });
    if (own == a.held.end() || !ReentryNeverWaits(trace, a, *own)) continue;
    for (auto inner = own + 1; inner != a.held.end(); ++inner) {
      std::pair<uint32_t, uint32_t> key{a.lock_id, inner->lock_id};
      if (edges.count(key) == 0 || edges.count({inner->lock_id, a.lock_id}) != 0) continue;
      if (noted.insert(key).second) suppressed->push_back(ReentrantNote(ctx, a, *own, key.second));
    }
  }
}

}  // namespace

void AddRwlockFindings(FindingContext& ctx, const HappensBeforeGraph& happens_before,
                       std::vector<Finding>* out, std::vector<SuppressedCandidate>* suppressed) {
  AddUpgrades(ctx, out, suppressed);
  AddRecursiveReads(ctx, happens_before, out, suppressed);
  AddReentrantNotes(ctx, suppressed);
}

}  // namespace analysis
}  // namespace lockscope
