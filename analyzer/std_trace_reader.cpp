// std_trace_reader.cpp — see std_trace_reader.h.

#include "std_trace_reader.h"

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "text_input.h"

namespace lockscope {
namespace analysis {
namespace {

namespace tf = ::lockscope::trace;

constexpr size_t kMaxLineBytes = 64 * 1024;
constexpr size_t kMaxWarnings = 8;  // distinct warnings listed; the rest are counted

enum class Op { kAcq, kRel, kReq, kFork, kJoin, kWait, kNotify, kRead, kWrite, kMarker };

struct OpName {
  const char* name;
  Op op;
  bool takes_arg;
};
constexpr OpName kOps[] = {
    {"acq", Op::kAcq, true},       {"rel", Op::kRel, true},        {"req", Op::kReq, true},
    {"fork", Op::kFork, true},     {"join", Op::kJoin, true},      {"wait", Op::kWait, true},
    {"notify", Op::kNotify, true}, {"notifyAll", Op::kNotify, true}, {"r", Op::kRead, true},
    {"w", Op::kWrite, true},       {"enter", Op::kMarker, true},   {"exit", Op::kMarker, true},
    {"begin", Op::kMarker, false}, {"end", Op::kMarker, false},    {"branch", Op::kMarker, false},
};

struct Event {
  std::string_view thread;
  Op op = Op::kMarker;
  std::string_view arg;
  std::string_view loc;
};

bool HasBlank(std::string_view s) {
  return s.find_first_of(" \t") != std::string_view::npos;
}

// Parses one line into `ev`; returns "" or the problem (names the offending part).
std::string ParseLine(std::string_view line, Event* ev) {
  size_t bar1 = line.find('|');
  if (bar1 == std::string_view::npos) return "expected THREAD|OP(ARG)|LOC";
  size_t bar2 = line.find('|', bar1 + 1);
  if (bar2 != std::string_view::npos && line.find('|', bar2 + 1) != std::string_view::npos) {
    return "more than three '|'-separated fields";
  }
  ev->thread = TrimBlanks(line.substr(0, bar1));
  std::string_view op = TrimBlanks(line.substr(
      bar1 + 1, bar2 == std::string_view::npos ? std::string_view::npos : bar2 - bar1 - 1));
  ev->loc = bar2 == std::string_view::npos ? std::string_view() : TrimBlanks(line.substr(bar2 + 1));
  if (ev->thread.empty() || HasBlank(ev->thread)) {
    return fmt::format("bad thread '{}'", ShownInError(ev->thread));
  }
  size_t paren = op.find('(');
  std::string_view name = paren == std::string_view::npos ? op : op.substr(0, paren);
  if (paren != std::string_view::npos) {
    if (op.back() != ')') return fmt::format("'{}': missing ')'", ShownInError(op));
    ev->arg = TrimBlanks(op.substr(paren + 1, op.size() - paren - 2));
  }
  for (const OpName& o : kOps) {
    if (name != o.name) continue;
    if (o.takes_arg && (paren == std::string_view::npos || ev->arg.empty())) {
      return fmt::format("'{}' needs an argument: {}(...)", ShownInError(op), o.name);
    }
    if (o.takes_arg && (HasBlank(ev->arg) || ev->arg.find_first_of("()") != std::string_view::npos)) {
      return fmt::format("bad argument in '{}'", ShownInError(op));
    }
    ev->op = o.op;
    return "";
  }
  return fmt::format(
      "unknown operation '{}' (known: acq rel req fork join wait notify notifyAll r w begin end "
      "branch enter exit)",
      ShownInError(op));
}

struct HeldMonitor {
  uint32_t lock_id;
  uint32_t stack_id;
  uint32_t count;
};

struct ThreadState {
  uint32_t tid = 0;
  uint32_t epoch = 0;
  std::vector<HeldMonitor> held;  // outermost first
  uint32_t pending_req = 0;       // lock id of a req(L) not yet followed by acq(L), 0 if none
  uint32_t pending_stack = 0;
  uint32_t waiting_on = 0;  // lock id of a wait(L) the thread has not returned from, 0 if none
  uint32_t wait_count = 0;  // L's re-entry count to restore when it returns
  uint32_t wait_stack = 0;
  bool joined = false;
};

class StdImporter {
 public:
  StdImporter(const std::string& name, Trace* out) : out_(out) {
    out_->path = name;
    out_->stats.clean_exit = true;
  }

  void Apply(const Event& ev, uint64_t line_no);
  void Finish();

 private:
  ThreadState& Thread(std::string_view name, uint64_t line_no);
  uint32_t Lock(std::string_view name, uint32_t stack_id);
  uint32_t Site(std::string_view loc);
  void Record(const ThreadState& t, uint32_t lock, uint32_t stack, uint64_t line_no,
              uint8_t flags);
  void Acquire(ThreadState& t, uint32_t lock, uint32_t stack, uint64_t line_no, uint8_t flags);
  void Release(ThreadState& t, uint32_t lock, uint64_t line_no, std::string_view what);
  void Wait(ThreadState& t, uint32_t lock, uint32_t stack, uint64_t line_no);
  void ReturnFromWait(ThreadState& t, uint64_t line_no);
  void Fork(ThreadState& t, std::string_view child, uint32_t stack, uint64_t line_no);
  void Join(ThreadState& t, std::string_view child, uint32_t stack, uint64_t line_no);
  void Warn(uint64_t line_no, const std::string& what);
  std::string LockName(uint32_t id) const { return out_->locks.at(id).name; }

  Trace* out_;
  std::unordered_map<std::string, ThreadState> threads_;
  std::unordered_map<std::string, uint32_t> lock_ids_;
  std::unordered_map<std::string, uint32_t> site_ids_;
  std::unordered_map<uint32_t, uint32_t> owner_;  // lock id -> tid holding it
  std::unordered_set<std::string> acquire_keys_;
  std::vector<std::string> thread_names_;  // tid - 1 -> STD name
  uint64_t warnings_ = 0;
  uint64_t last_line_ = 0;
};

ThreadState& StdImporter::Thread(std::string_view name, uint64_t line_no) {
  auto [it, inserted] = threads_.try_emplace(std::string(name));
  if (inserted) {
    thread_names_.emplace_back(name);
    it->second.tid = static_cast<uint32_t>(thread_names_.size());
    ThreadInfo& info = out_->threads[it->second.tid];
    info.tid = it->second.tid;
    info.name = std::string(name);
    info.started = true;
    info.start_seq = line_no;
  }
  return it->second;
}

uint32_t StdImporter::Site(std::string_view loc) {
  if (loc.empty()) return 0;
  auto [it, inserted] = site_ids_.try_emplace(std::string(loc), 0);
  if (!inserted) return it->second;
  uint32_t id = static_cast<uint32_t>(site_ids_.size());
  it->second = id;
  SyntheticSite site;
  size_t colon = loc.rfind(':');
  std::string_view digits = colon == std::string_view::npos ? "" : loc.substr(colon + 1);
  bool file_line = colon != std::string_view::npos && colon > 0 && !digits.empty() &&
                   digits.size() < 9 &&
                   std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; });
  if (file_line) {
    site.file = std::string(loc.substr(0, colon));
    site.line = std::stoi(std::string(digits));
  } else {
    site.function = fmt::format("loc {}", loc);
  }
  out_->synthetic_sites[id] = site;
  out_->stacks[id] = {id};  // the synthetic pc is the site id
  return id;
}

uint32_t StdImporter::Lock(std::string_view name, uint32_t stack_id) {
  auto [it, inserted] = lock_ids_.try_emplace(std::string(name), 0);
  if (!inserted) return it->second;
  uint32_t id = static_cast<uint32_t>(lock_ids_.size());
  it->second = id;
  LockInfo& info = out_->locks[id];
  info.id = id;
  info.kind = LockKind::kMutex;
  info.attrs = tf::kAttrRecursive;  // Java monitors are reentrant
  info.stack_id = stack_id;
  info.name = std::string(name);
  return id;
}

void StdImporter::Warn(uint64_t line_no, const std::string& what) {
  if (++warnings_ <= kMaxWarnings) {
    out_->stats.warnings.push_back(fmt::format("line {}: {}", line_no, what));
  }
}

// One dependency: "holding t.held, thread t acquired (or requested) `lock` at `stack`".
void StdImporter::Record(const ThreadState& t, uint32_t lock, uint32_t stack, uint64_t line_no,
                         uint8_t flags) {
  AcquireEvent a;
  a.tid = t.tid;
  a.seq = line_no;
  a.lock_id = lock;
  a.stack_id = stack;
  a.epoch = t.epoch;
  a.flags = flags;
  for (const HeldMonitor& h : t.held) {
    a.held.push_back({h.lock_id, h.stack_id, LockMode::kExclusive, h.count});
  }
  std::string key = fmt::format("{}/{}/{}/{}/{}", a.tid, a.epoch, a.lock_id, a.stack_id, a.flags);
  for (const HeldLock& h : a.held) key += fmt::format("/{}:{}", h.lock_id, h.stack_id);
  if (acquire_keys_.insert(std::move(key)).second) out_->acquires.push_back(std::move(a));
}

void StdImporter::Acquire(ThreadState& t, uint32_t lock, uint32_t stack, uint64_t line_no,
                          uint8_t flags) {
  auto own = std::find_if(t.held.begin(), t.held.end(),
                          [&](const HeldMonitor& h) { return h.lock_id == lock; });
  if (own == t.held.end()) {
    auto owner = owner_.find(lock);
    if (owner != owner_.end() && owner->second != t.tid) {
      Warn(line_no, fmt::format("{} acquires {} while {} holds it (event skipped)",
                                thread_names_[t.tid - 1], LockName(lock),
                                thread_names_[owner->second - 1]));
      return;
    }
  } else {
    flags |= tf::kAcqReentrant;
  }
  Record(t, lock, stack, line_no, flags);
  if (own != t.held.end()) {
    ++own->count;
  } else {
    t.held.push_back({lock, stack, 1});
    owner_[lock] = t.tid;
  }
}

void StdImporter::Release(ThreadState& t, uint32_t lock, uint64_t line_no, std::string_view what) {
  auto own = std::find_if(t.held.begin(), t.held.end(),
                          [&](const HeldMonitor& h) { return h.lock_id == lock; });
  if (own == t.held.end()) {
    Warn(line_no, fmt::format("{} {} {}, which it does not hold (event skipped)",
                              thread_names_[t.tid - 1], what, LockName(lock)));
    return;
  }
  if (--own->count > 0) return;
  t.held.erase(own);
  owner_.erase(lock);
}

// wait(L): release L completely; the thread sleeps until notified, and the monitor is free for
// the others meanwhile (the notifier must take it). The wait returns when the thread's next event
// comes: ReturnFromWait() takes L back then, while the thread still holds its other monitors, an
// order edge other -> L (the nested-monitor hazard).
void StdImporter::Wait(ThreadState& t, uint32_t lock, uint32_t stack, uint64_t line_no) {
  auto own = std::find_if(t.held.begin(), t.held.end(),
                          [&](const HeldMonitor& h) { return h.lock_id == lock; });
  if (own == t.held.end()) {
    Warn(line_no, fmt::format("{} waits on {} without holding it (event skipped)",
                              thread_names_[t.tid - 1], LockName(lock)));
    return;
  }
  t.waiting_on = lock;
  t.wait_count = own->count;
  t.wait_stack = stack;
  t.held.erase(own);
  owner_.erase(lock);
}

void StdImporter::ReturnFromWait(ThreadState& t, uint64_t line_no) {
  uint32_t lock = t.waiting_on;
  t.waiting_on = 0;
  Acquire(t, lock, t.wait_stack, line_no, 0);
  auto back = std::find_if(t.held.begin(), t.held.end(),
                           [&](const HeldMonitor& h) { return h.lock_id == lock; });
  if (back != t.held.end()) back->count = t.wait_count;
}

void StdImporter::Fork(ThreadState& t, std::string_view child_name, uint32_t stack,
                       uint64_t line_no) {
  bool known = threads_.count(std::string(child_name)) != 0;
  ThreadState& child = Thread(child_name, line_no);
  if (known || child.tid == t.tid) {
    Warn(line_no, fmt::format("fork of {}, which already ran (ignored)", child_name));
    return;
  }
  ThreadInfo& info = out_->threads[child.tid];
  info.parent_tid = t.tid;
  info.parent_epoch = t.epoch;  // the creator's events up to here happen before the child
  info.create_stack_id = stack;
  ++t.epoch;
}

void StdImporter::Join(ThreadState& t, std::string_view child_name, uint32_t stack,
                       uint64_t line_no) {
  auto it = threads_.find(std::string(child_name));
  if (it == threads_.end() || it->second.tid == t.tid) {
    Warn(line_no, fmt::format("join of {}, which never ran (ignored)", child_name));
    return;
  }
  ThreadState& child = it->second;
  ++t.epoch;  // the joined thread's events happen before the joiner's from here on
  JoinEvent j;
  j.joiner_tid = t.tid;
  j.joined_tid = child.tid;
  j.seq = line_no;
  j.stack_id = stack;
  j.epoch_after = t.epoch;
  out_->joins.push_back(j);
  ThreadInfo& info = out_->threads[child.tid];
  info.joined = true;
  info.joiner_tid = t.tid;
  info.join_seq = line_no;
  info.joiner_epoch_after = t.epoch;
  info.exited = true;
  child.joined = true;
}

void StdImporter::Apply(const Event& ev, uint64_t line_no) {
  ThreadState& t = Thread(ev.thread, line_no);
  ++out_->stats.records;
  last_line_ = line_no;
  if (t.joined) Warn(line_no, fmt::format("{} runs after it was joined", ev.thread));
  uint32_t site = Site(ev.loc);
  out_->threads[t.tid].exit_seq = line_no;
  if (t.waiting_on != 0) ReturnFromWait(t, line_no);
  switch (ev.op) {
    case Op::kReq:
      t.pending_req = Lock(ev.arg, site);
      t.pending_stack = site;
      return;
    case Op::kAcq:
      t.pending_req = 0;
      Acquire(t, Lock(ev.arg, site), site, line_no, 0);
      return;
    case Op::kRel:
      Release(t, Lock(ev.arg, site), line_no, "releases");
      return;
    case Op::kWait:
      Wait(t, Lock(ev.arg, site), site, line_no);
      return;
    case Op::kNotify: {
      uint32_t lock = Lock(ev.arg, site);
      auto owner = owner_.find(lock);
      if (owner == owner_.end() || owner->second != t.tid) {
        Warn(line_no, fmt::format("{} notifies {} without holding it", ev.thread, ev.arg));
      }
      return;
    }
    case Op::kFork:
      Fork(t, ev.arg, site, line_no);
      return;
    case Op::kJoin:
      Join(t, ev.arg, site, line_no);
      return;
    case Op::kRead:
    case Op::kWrite:
    case Op::kMarker:
      return;
  }
}

// The final state: a thread with a request it never got is blocked on that lock (the trace of a
// program that hung); the others ran to their end.
void StdImporter::Finish() {
  std::vector<const ThreadState*> by_tid;
  for (const auto& [name, t] : threads_) by_tid.push_back(&t);
  std::sort(by_tid.begin(), by_tid.end(),
            [](const ThreadState* a, const ThreadState* b) { return a->tid < b->tid; });
  for (const ThreadState* tp : by_tid) {
    const ThreadState& t = *tp;
    SlotSnapshot s;
    s.tid = t.tid;
    s.state = t.joined ? tf::ThreadState::kExited : tf::ThreadState::kRunning;
    if (t.pending_req != 0) {
      // As the runtime does before it blocks: the dependency is recorded, so the cycle a hung
      // trace ends in is reported (and marked as observed) too.
      Record(t, t.pending_req, t.pending_stack, last_line_ + 1, 0);
      s.state = tf::ThreadState::kBlocked;
      s.wait_kind = tf::WaitKind::kLock;
      s.wait_lock_id = t.pending_req;
      s.wait_stack_id = t.pending_stack;
      out_->stats.clean_exit = false;
    } else if (t.waiting_on != 0) {  // still in wait(L): asleep until someone notifies
      s.state = tf::ThreadState::kBlocked;
      s.wait_kind = tf::WaitKind::kCond;
      s.wait_lock_id = t.waiting_on;
      s.wait_object = t.waiting_on;
      s.wait_stack_id = t.wait_stack;
      out_->stats.clean_exit = false;
    }
    for (const HeldMonitor& h : t.held) {
      s.held.push_back({h.lock_id, h.stack_id, LockMode::kExclusive, h.count});
    }
    out_->slots.push_back(std::move(s));
    ThreadInfo& info = out_->threads[t.tid];
    if (!info.joined) info.detached = true;  // a Java thread needs no join: not a leak
  }
  if (warnings_ > kMaxWarnings) {
    out_->stats.warnings.push_back(
        fmt::format("{} more events broke the monitor discipline (skipped)", warnings_ - kMaxWarnings));
  }
}

}  // namespace

bool ReadStdTraceFromStream(std::istream& in, const std::string& name, Trace* out,
                            std::string* error) {
  *out = Trace{};
  error->clear();
  StdImporter importer(name, out);
  // Block reads, split at '\n' here: fast on multi-GB benchmark traces, and a hostile file
  // without newlines is never read into one unbounded string.
  std::vector<char> block(1 << 20);
  std::string pending;
  uint64_t line_no = 0;
  auto handle = [&](std::string_view raw) {
    ++line_no;
    std::string_view text = TrimBlanks(raw);
    if (text.empty() || text[0] == '#') return true;
    Event ev;
    std::string problem = ParseLine(text, &ev);
    if (!problem.empty()) {
      *error = fmt::format("{}:{}: {}", name, line_no, problem);
      return false;
    }
    importer.Apply(ev, line_no);
    return true;
  };
  bool ok = true;
  while (ok && in) {
    in.read(block.data(), static_cast<std::streamsize>(block.size()));
    size_t got = static_cast<size_t>(in.gcount());
    if (got == 0) break;
    out->stats.file_bytes += got;
    std::string_view data(block.data(), got);
    while (ok) {
      size_t nl = data.find('\n');
      if (nl == std::string_view::npos) {
        pending.append(data);
        break;
      }
      if (pending.empty()) {
        ok = handle(data.substr(0, nl));
      } else {
        pending.append(data.substr(0, nl));
        ok = handle(pending);
        pending.clear();
      }
      data.remove_prefix(nl + 1);
    }
    if (ok && pending.size() > kMaxLineBytes) {
      *error = fmt::format("{}:{}: line longer than {} bytes", name, line_no + 1, kMaxLineBytes);
      ok = false;
    }
  }
  if (ok && !pending.empty()) ok = handle(pending);  // last line without '\n'
  if (ok && in.bad()) *error = fmt::format("{}: read error after line {}", name, line_no);
  if (!error->empty()) {
    out->stats.truncated = true;
    out->stats.warnings.push_back(
        fmt::format("read stopped at line {}: only the events before it were analyzed", line_no));
  }
  importer.Finish();
  return true;
}

bool ReadStdTrace(const std::string& path, Trace* out, std::string* error) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    *error = fmt::format("{}: is a directory, not an STD trace", path);
    return false;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    *error = fmt::format("{}: cannot read: {}", path, std::strerror(errno));
    return false;
  }
  return ReadStdTraceFromStream(in, path, out, error);
}

}  // namespace analysis
}  // namespace lockscope
