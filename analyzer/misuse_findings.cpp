// misuse_findings.cpp — see misuse_findings.h.

#include "misuse_findings.h"

#include <fmt/format.h>

#include <set>
#include <tuple>

namespace lockscope {
namespace analysis {
namespace {

namespace tf = ::lockscope::trace;

// The slot of a thread blocked acquiring a lock it already holds exclusively, or nullptr.
const SlotSnapshot* SelfBlockedSlot(const Trace& trace, uint32_t tid, uint32_t lock_id) {
  for (const SlotSnapshot& s : trace.slots) {
    if (s.tid != tid || s.state != tf::ThreadState::kBlocked) continue;
    if (s.wait_kind != tf::WaitKind::kLock || s.wait_lock_id != lock_id) continue;
    for (const HeldLock& h : s.held) {
      if (h.lock_id == lock_id && h.mode == LockMode::kExclusive) return &s;
    }
  }
  return nullptr;
}

LockRef SubjectRef(FindingContext& ctx, const MisuseEvent& m) {
  if (m.kind == tf::MisuseKind::kCondTwoMutexes) return ctx.MakeObjectRef(m.object, "condvar");
  if (m.lock_id != 0) return ctx.MakeLockRef(m.lock_id);
  return ctx.MakeObjectRef(m.object, "object");
}

// Summary and story for one misuse; `lock` is the short name of the subject.
std::pair<std::string, std::string> Describe(FindingContext& ctx, const MisuseEvent& m,
                                             const std::string& lock, const std::string& where) {
  std::string t = ctx.ThreadLabel(m.tid);
  std::string at = where.empty() ? "" : " at " + where;
  switch (m.kind) {
    case tf::MisuseKind::kUnlockNotHeld:
      return {fmt::format("unlock of {} which the thread does not hold", lock),
              fmt::format("Thread {} unlocked {}{} without holding it. For a default mutex this "
                          "is undefined behaviour; an error-checking mutex returns EPERM.",
                          t, lock, at)};
    case tf::MisuseKind::kUnlockNotOwner:
      return {fmt::format("unlock of {} held by another thread", lock),
              fmt::format("Thread {} unlocked {}{} while thread {} held it. Only the owner may "
                          "unlock a mutex; the owner's critical section is no longer protected.",
                          t, lock, at, ctx.ThreadLabel(m.other_tid))};
    case tf::MisuseKind::kDestroyHeld:
      return {fmt::format("destroy of {} while it is held", lock),
              fmt::format("Thread {} destroyed {}{} while it was locked. Destroying a held lock "
                          "is undefined behaviour; release it first.",
                          t, lock, at)};
    case tf::MisuseKind::kRelockNonRecursive:
      return {fmt::format("self-deadlock: {} locked again by its owner (AA)", lock),
              fmt::format("Thread {} locked {}{} while already holding it. The mutex is not "
                          "recursive, so the thread waits for itself forever.",
                          t, lock, at)};
    case tf::MisuseKind::kExitHoldingLock:
      // The recorded stack is where the still-held lock was taken, not the exit.
      return {fmt::format("thread exited while holding {}", lock),
              fmt::format("Thread {} exited while still holding {}{}. Any thread that later "
                          "locks it blocks forever.",
                          t, lock, where.empty() ? "" : ", which it locked at " + where)};
    case tf::MisuseKind::kCondTwoMutexes: {
      // lock_id: the mutex of the earlier waits; other_id: the one used now (runtime convention).
      auto mutex = [&](uint32_t id) {
        return id == 0 ? std::string("another mutex")
                       : FindingContext::ShortLockName(ctx.MakeLockRef(id));
      };
      return {fmt::format("condition variable {} used with two different mutexes", lock),
              fmt::format("Thread {} waited on {}{} with {}, but earlier waits used {}. POSIX "
                          "requires every concurrent wait on a condvar to use one mutex.",
                          t, lock, at, mutex(m.other_id), mutex(m.lock_id))};
    }
  }
  return {"api misuse", ""};
}

Finding MakeMisuseFinding(FindingContext& ctx, const MisuseEvent& m) {
  Finding f;
  f.kind = FindingKind::kApiMisuse;
  f.subkind = MisuseSubkind(m.kind);
  f.severity = m.kind == tf::MisuseKind::kExitHoldingLock ? "warning" : "error";
  f.pid = ctx.trace().pid;
  f.trace_path = ctx.trace().path;
  f.locks.push_back(SubjectRef(ctx, m));
  if (m.kind == tf::MisuseKind::kCondTwoMutexes) {
    if (m.lock_id != 0) f.locks.push_back(ctx.MakeLockRef(m.lock_id));
    if (m.other_id != 0) f.locks.push_back(ctx.MakeLockRef(m.other_id));
  }
  f.threads.push_back(ctx.MakeThreadRef(m.tid));
  if (m.other_tid != 0 && m.other_tid != m.tid) f.threads.push_back(ctx.MakeThreadRef(m.other_tid));
  f.extra_stacks.push_back(ctx.StackOf(m.stack_id));
  f.extra_stack_titles.push_back(m.kind == tf::MisuseKind::kExitHoldingLock
                                     ? "where the lock still held at exit was taken"
                                     : "misuse site");
  std::string where = FindingContext::Where(f.extra_stacks[0]);
  auto [summary, story] = Describe(ctx, m, FindingContext::ShortLockName(f.locks[0]), where);
  f.summary = summary;
  f.story = story;
  if (m.kind == tf::MisuseKind::kRelockNonRecursive &&
      SelfBlockedSlot(ctx.trace(), m.tid, m.lock_id) != nullptr) {
    f.hung = true;
    f.story += " The process was observed blocked right there.";
  }
  return f;
}

// A relock by T of a lock that another thread unlocked on T's behalf (unlock-not-owner) is the
// runtime still counting T as the owner: T really locks a free mutex and does not hang. The
// earlier unlock-not-owner finding is the bug to report; the "relock" is its echo.
const MisuseEvent* ForeignUnlockBefore(const Trace& trace, const MisuseEvent& relock) {
  if (relock.kind != tf::MisuseKind::kRelockNonRecursive) return nullptr;
  if (SelfBlockedSlot(trace, relock.tid, relock.lock_id) != nullptr) return nullptr;  // it hung
  for (const MisuseEvent& m : trace.misuses) {
    if (m.seq >= relock.seq) break;  // sorted by seq
    if (m.kind == tf::MisuseKind::kUnlockNotOwner && m.lock_id == relock.lock_id &&
        m.other_tid == relock.tid) {
      return &m;
    }
  }
  return nullptr;
}

SuppressedCandidate RelockAfterForeignUnlock(FindingContext& ctx, const MisuseEvent& relock,
                                             const MisuseEvent& cause) {
  SuppressedCandidate s;
  s.kind = FindingKind::kApiMisuse;
  s.reason_id = "after-foreign-unlock";
  s.locks.push_back(ctx.MakeLockRef(relock.lock_id));
  s.tids = {relock.tid, cause.tid};
  s.reason = fmt::format(
      "thread {} re-locked {} after thread {} had unlocked it for it (reported as "
      "unlock-not-owner); the lock was free, so this is not a self-deadlock",
      ctx.ThreadLabel(relock.tid), FindingContext::ShortLockName(s.locks[0]),
      ctx.ThreadLabel(cause.tid));
  return s;
}

// Holding, releasing or destroying a binary semaphore that signals between threads is how a
// signal works (the waiter never posts it back), not lock misuse.
SuppressedCandidate SemaphoreSignalMisuse(FindingContext& ctx, const MisuseEvent& m,
                                          const SemSignalInfo& signal) {
  SuppressedCandidate s;
  s.kind = FindingKind::kApiMisuse;
  s.reason_id = "semaphore-signal";
  s.locks.push_back(ctx.MakeLockRef(m.lock_id));
  s.tids = {m.tid, signal.tid};
  s.reason = fmt::format(
      "{} by thread {} on {}, a semaphore that thread {} posted without having waited on it "
      "(a signal between threads, not a lock)",
      MisuseSubkind(m.kind), ctx.ThreadLabel(m.tid), FindingContext::ShortLockName(s.locks[0]),
      ctx.ThreadLabel(signal.tid));
  return s;
}

}  // namespace

const char* MisuseSubkind(tf::MisuseKind kind) {
  switch (kind) {
    case tf::MisuseKind::kUnlockNotHeld:
      return "unlock-not-held";
    case tf::MisuseKind::kUnlockNotOwner:
      return "unlock-not-owner";
    case tf::MisuseKind::kDestroyHeld:
      return "destroy-held";
    case tf::MisuseKind::kRelockNonRecursive:
      return "relock-non-recursive";
    case tf::MisuseKind::kExitHoldingLock:
      return "exit-holding-lock";
    case tf::MisuseKind::kCondTwoMutexes:
      return "cond-two-mutexes";
  }
  return "unknown";
}

void AddMisuseFindings(FindingContext& ctx, std::vector<Finding>* out,
                       std::vector<SuppressedCandidate>* suppressed) {
  const Trace& trace = ctx.trace();
  std::set<std::tuple<int, uint32_t, uint64_t, uint32_t>> seen;  // kind, lock, object, stack
  std::set<std::pair<uint32_t, uint32_t>> relocks;               // tid, lock with a record
  std::set<uint32_t> signalling;  // semaphores with a "semaphore-signal" candidate already
  for (const MisuseEvent& m : trace.misuses) {
    if (m.kind == tf::MisuseKind::kRelockNonRecursive) relocks.emplace(m.tid, m.lock_id);
    if (const MisuseEvent* cause = ForeignUnlockBefore(trace, m)) {
      suppressed->push_back(RelockAfterForeignUnlock(ctx, m, *cause));
      continue;
    }
    if (const SemSignalInfo* signal = trace.FindSemSignal(m.lock_id)) {
      if (signalling.insert(m.lock_id).second) {
        suppressed->push_back(SemaphoreSignalMisuse(ctx, m, *signal));
      }
      continue;
    }
    if (!seen.emplace(static_cast<int>(m.kind), m.lock_id, m.object, m.stack_id).second) continue;
    out->push_back(MakeMisuseFinding(ctx, m));
  }
  // A thread blocked on a lock it holds exclusively is a relock that hung, even when the Misuse
  // record is missing (dropped, or the runtime lost the race with SIGKILL).
  for (const SlotSnapshot& s : trace.slots) {
    if (s.wait_kind != tf::WaitKind::kLock || relocks.count({s.tid, s.wait_lock_id}) != 0) continue;
    if (SelfBlockedSlot(trace, s.tid, s.wait_lock_id) == nullptr) continue;
    const LockInfo* info = trace.FindLock(s.wait_lock_id);
    if (info != nullptr && (info->attrs & tf::kAttrRecursive) != 0) continue;  // torn snapshot
    MisuseEvent m;
    m.tid = s.tid;
    m.kind = tf::MisuseKind::kRelockNonRecursive;
    m.lock_id = s.wait_lock_id;
    m.stack_id = s.wait_stack_id;
    m.object = info != nullptr ? info->address : 0;
    relocks.emplace(s.tid, s.wait_lock_id);
    out->push_back(MakeMisuseFinding(ctx, m));
  }
}

}  // namespace analysis
}  // namespace lockscope
