// lock_classes.cpp — see lock_classes.h.

#include "lock_classes.h"

#include <fmt/format.h>

#include <map>

#include <tuple>
#include <utility>

#include "finding_context.h"

namespace lockscope {
namespace analysis {
namespace {

uint32_t Rep(const LockClasses& c, uint32_t id) {
  auto it = c.representative.find(id);
  return it == c.representative.end() ? id : it->second;
}

void FoldHeld(const LockClasses& c, std::vector<HeldLock>* held) {
  std::vector<HeldLock> out;
  for (HeldLock h : *held) {
    h.lock_id = Rep(c, h.lock_id);
    bool dup = false;
    for (HeldLock& o : out) {
      if (o.lock_id != h.lock_id) continue;
      o.count += h.count;  // two instances of one class held at once: one class entry
      dup = true;
    }
    if (!dup) out.push_back(h);
  }
  *held = std::move(out);
}

const char* Plural(const std::string& kind) {
  if (kind == "mutex") return "mutexes";
  if (kind == "rwlock") return "rwlocks";
  if (kind == "spin") return "spinlocks";
  if (kind == "semaphore") return "semaphores";
  return "locks";
}

void Rename(const LockClasses& c, LockRef* ref, int* folded) {
  auto it = c.instances.find(ref->lock_id);
  if (it == c.instances.end() || it->second < 2) return;
  std::string where = FindingContext::Where(ref->first_stack);
  ref->name = fmt::format("class of {} {}{}", it->second, Plural(ref->kind),
                          where.empty() ? "" : " first locked at " + where);
  ref->name_from_symbol = false;
  ++*folded;
}

}  // namespace

LockClasses ComputeLockClasses(const Trace& trace) {
  LockClasses c;
  std::map<std::pair<int, uint32_t>, uint32_t> by_key;  // (kind, stack) -> representative
  for (const auto& [id, lock] : trace.locks) {  // ascending ids: the first is the smallest
    uint32_t rep = id;
    if (lock.stack_id != 0 && lock.name.empty()) {
      rep = by_key.emplace(std::make_pair(static_cast<int>(lock.kind), lock.stack_id), id)
                .first->second;
    }
    c.representative[id] = rep;
    ++c.instances[rep];
  }
  return c;
}

Trace FoldLockClasses(const Trace& trace, const LockClasses& classes) {
  Trace t = trace;
  for (auto it = t.locks.begin(); it != t.locks.end();) {
    it = Rep(classes, it->first) == it->first ? std::next(it) : t.locks.erase(it);
  }
  for (AcquireEvent& a : t.acquires) {
    a.lock_id = Rep(classes, a.lock_id);
    FoldHeld(classes, &a.held);
  }
  for (SlotSnapshot& s : t.slots) {
    if (s.wait_lock_id != 0) s.wait_lock_id = Rep(classes, s.wait_lock_id);
    FoldHeld(classes, &s.held);
  }
  for (MisuseEvent& m : t.misuses) {
    if (m.lock_id != 0) m.lock_id = Rep(classes, m.lock_id);
    if (m.other_id != 0) m.other_id = Rep(classes, m.other_id);
  }
  // A class with one signalling semaphore signals: keep the earliest post per class.
  std::map<uint32_t, SemSignalInfo> signals;
  for (const auto& [id, info] : trace.sem_signals) {
    auto [it, fresh] = signals.emplace(Rep(classes, id), info);
    if (!fresh && info.seq < it->second.seq) it->second = info;
  }
  t.sem_signals = std::move(signals);
  return t;
}

void AnnotateClasses(const LockClasses& classes, int32_t pid, Report* report) {
  for (Finding& f : report->findings) {
    if (f.pid != pid) continue;
    int folded = 0;
    for (LockRef& l : f.locks) Rename(classes, &l, &folded);
    if (folded == 0) continue;
    uint64_t instances = 0;
    for (const LockRef& l : f.locks) {
      auto it = classes.instances.find(l.lock_id);
      if (it != classes.instances.end()) instances += it->second;
    }
    f.summary += fmt::format(" [--group=class: {} lock instances in {} classes]", instances,
                             f.locks.size());
    f.story += fmt::format(
        " Each lock here is a class (locks created or first locked at the same place); the "
        "pattern was seen across {} lock instances.",
        instances);
  }
  for (SuppressedCandidate& s : report->suppressed) {
    int folded = 0;
    for (LockRef& l : s.locks) {
      if (l.pid == pid) Rename(classes, &l, &folded);
    }
  }
  LockGraphView& graph = report->graph;
  graph.instances.resize(graph.locks.size(), 0);
  for (size_t i = 0; i < graph.locks.size(); ++i) {
    LockRef& l = graph.locks[i];
    if (l.pid != pid) continue;
    auto it = classes.instances.find(l.lock_id);
    if (it != classes.instances.end()) graph.instances[i] = static_cast<uint32_t>(it->second);
    int folded = 0;
    Rename(classes, &l, &folded);
  }
}

}  // namespace analysis
}  // namespace lockscope
