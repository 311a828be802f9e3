// test_window.cpp — see test_window.h.

#include "test_window.h"

#include <fmt/format.h>

#include <algorithm>
#include <limits>
#include <map>

namespace lockscope {
namespace analysis {
namespace {

namespace tf = ::lockscope::trace;

const char* WaitName(tf::WaitKind kind) {
  switch (kind) {
    case tf::WaitKind::kLock:
      return "acquiring a lock";
    case tf::WaitKind::kCond:
      return "in pthread_cond_wait";
    case tf::WaitKind::kSem:
      return "in sem_wait";
    case tf::WaitKind::kBarrier:
      return "in pthread_barrier_wait";
    case tf::WaitKind::kJoin:
      return "in pthread_join";
    case tf::WaitKind::kFd:
      return "on a file descriptor";
    case tf::WaitKind::kNone:
      break;
  }
  return "waiting";
}

const SlotSnapshot* SlotOf(const Trace& trace, uint32_t tid) {
  for (const SlotSnapshot& s : trace.slots) {
    if (s.tid == tid) return &s;
  }
  return nullptr;
}

}  // namespace

std::vector<TestWindow> TestWindows(const Trace& trace) {
  std::vector<TestWindow> windows;
  std::map<uint32_t, TestWindow> open;  // tid -> its running test
  for (const TestMarkerEvent& m : trace.test_markers) {
    if (!m.end) {
      open[m.tid] = TestWindow{m.seq, std::numeric_limits<uint64_t>::max(), m.name, false};
      continue;
    }
    auto it = open.find(m.tid);
    if (it == open.end() || it->second.name != m.name) continue;  // an end without its begin
    it->second.end = m.seq;
    it->second.failed = m.failed;
    windows.push_back(it->second);
    open.erase(it);
  }
  for (const auto& [tid, w] : open) windows.push_back(w);  // the process died inside the test
  std::sort(windows.begin(), windows.end(),
            [](const TestWindow& a, const TestWindow& b) { return a.begin < b.begin; });
  return windows;
}

void AttributeToTests(const std::vector<TestWindow>& windows, std::vector<Finding>* findings,
                      size_t first) {
  for (size_t i = first; i < findings->size(); ++i) {
    Finding& f = (*findings)[i];
    if (f.seq == 0 || !f.test.empty()) continue;
    for (const TestWindow& w : windows) {
      if (f.seq > w.begin && f.seq < w.end) {
        f.test = w.name;
        break;
      }
    }
  }
}

const ThreadInfo* ChildOf(const Trace& trace, const ThreadCreateEvent& c) {
  for (const auto& [tid, info] : trace.threads) {
    if (info.started && info.parent_tid == c.parent_tid && info.parent_epoch == c.parent_epoch &&
        tid != c.parent_tid) {
      return &info;
    }
  }
  return nullptr;
}

// "it is still blocked in pthread_cond_wait at Flush cache.cc:40 (mutex 0x...)", with the wait's
// stack added to `f`.
std::string ThreadState(FindingContext& ctx, const ThreadInfo& info, const std::string& label,
                        Finding* f) {
  if (info.exited) return "it has exited, but nobody joined it (its resources stay allocated)";
  const SlotSnapshot* slot = SlotOf(ctx.trace(), info.tid);
  if (slot == nullptr || slot->state != tf::ThreadState::kBlocked) return "it is still running";
  Stack wait = ctx.StackOf(slot->wait_stack_id);
  std::string at = FindingContext::Where(wait);
  std::string state =
      fmt::format("it is still blocked {}{}", WaitName(slot->wait_kind), at.empty() ? "" : " at " + at);
  if (slot->wait_lock_id != 0) {
    state += fmt::format(" ({})",
                         FindingContext::ShortLockName(ctx.MakeLockRef(slot->wait_lock_id)));
  }
  f->extra_stacks.push_back(std::move(wait));
  f->extra_stack_titles.push_back(fmt::format("{} is blocked here", label));
  return state;
}

void AddTestLeakFindings(FindingContext& ctx, const TestWindow& window,
                         std::vector<Finding>* out) {
  const Trace& trace = ctx.trace();
  for (const ThreadCreateEvent& c : trace.thread_creates) {
    if (c.seq <= window.begin || c.seq >= window.end || c.detached) continue;
    const ThreadInfo* child = ChildOf(trace, c);
    if (child != nullptr) {
      bool joined = child->joined && child->join_seq != 0 && child->join_seq < window.end;
      bool detached = child->detached && child->detach_seq < window.end;
      if (joined || detached) continue;
    }
    Finding f;
    f.kind = FindingKind::kLeakedThread;
    f.subkind = "test-leak";
    f.severity = "error";
    f.pid = trace.pid;
    f.trace_path = trace.path;
    f.seq = c.seq;
    f.test = window.name;
    Stack created_stack = ctx.StackOf(c.stack_id);
    std::string created = FindingContext::Where(created_stack);
    std::string label = child != nullptr ? ctx.ThreadLabel(child->tid) : "(not started yet)";
    std::string state = "it had not even started running when the test ended";
    if (child != nullptr) {
      f.threads.push_back(ctx.MakeThreadRef(child->tid));
      state = ThreadState(ctx, *child, label, &f);
    } else {
      f.extra_stacks.push_back(created_stack);
      f.extra_stack_titles.push_back("the thread was created here");
    }
    f.summary = fmt::format(
        "thread {} started by test {} was neither joined nor detached when the test ended", label,
        window.name);
    f.story = fmt::format(
        "Test {} started thread {}{} and ended without joining or detaching it; {}. A test must "
        "leave no thread behind: stop and join the threads it starts (or the object that owns "
        "them) before it returns.",
        window.name, label, created.empty() ? "" : " at " + created, state);
    out->push_back(std::move(f));
  }
}

}  // namespace analysis
}  // namespace lockscope
