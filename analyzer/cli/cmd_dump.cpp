// cmd_dump.cpp — `lockscope dump [--json] TRACE`: every decoded item of a trace, one per line
// (rr dump, uftrace dump). Each item is built once as an ordered JSON object whose first field is
// "type"; --json prints it as is (JSON Lines), the human form prints `type key=value ...` with lock
// ids as L<n> and stack ids as s<n>. It shows the decoded Trace model, not raw bytes.

#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "command.h"
#include "trace_model.h"
#include "trace_reader.h"

namespace lockscope {
namespace cli {
namespace {

using analysis::HeldLock;
using analysis::Trace;
using Item = nlohmann::ordered_json;

constexpr const char* kDumpHelp =
    "Prints the decoded trace, one item per line: header, module, slot (live thread state at the\n"
    "end of the trace: state=running|blocked|exited, held locks, what it waits for), stack,\n"
    "lockdef, capped_site (an init site past max_lock_instances), thread, acquire, join, misuse,\n"
    "test_begin/test_end (unit-test markers), thread_created, fork,\n"
    "lockstats (per-lock contention counters summed over threads), stats and warning. Lock ids print as L<n>,\n"
    "stack ids as s<n>; held=[L1(x,s12)] is lock 1 held exclusively (s: shared), taken at stack "
    "12.\n"
    "--json prints one JSON object per line with a \"type\" field (JSON Lines).\n"
    "\n"
    "Exit codes: 0 ok, 2 the trace cannot be read at all, 3 internal error.\n";

std::string Hex(uint64_t v) { return fmt::format("0x{:x}", v); }

const char* KindName(trace::LockKind k) {
  switch (k) {
    case trace::LockKind::kMutex:
      return "mutex";
    case trace::LockKind::kRwLock:
      return "rwlock";
    case trace::LockKind::kSpin:
      return "spin";
    case trace::LockKind::kSemaphore:
      return "semaphore";
    case trace::LockKind::kAnnotated:
      return "annotated";
    default:
      return "unknown";
  }
}

const char* ModeName(trace::LockMode m) {
  return m == trace::LockMode::kShared ? "shared" : "exclusive";
}

const char* StateName(trace::ThreadState s) {
  switch (s) {
    case trace::ThreadState::kFree:
      return "free";
    case trace::ThreadState::kRunning:
      return "running";
    case trace::ThreadState::kBlocked:
      return "blocked";
    case trace::ThreadState::kExited:
      return "exited";
  }
  return "unknown";
}

const char* WaitName(trace::WaitKind w) {
  switch (w) {
    case trace::WaitKind::kNone:
      return "none";
    case trace::WaitKind::kLock:
      return "lock";
    case trace::WaitKind::kCond:
      return "cond";
    case trace::WaitKind::kSem:
      return "sem";
    case trace::WaitKind::kBarrier:
      return "barrier";
    case trace::WaitKind::kJoin:
      return "join";
    case trace::WaitKind::kFd:
      return "fd";
  }
  return "unknown";
}

const char* ChannelKindName(trace::ChannelKind k) {
  switch (k) {
    case trace::ChannelKind::kNone:
      return "none";
    case trace::ChannelKind::kPipe:
      return "pipe";
    case trace::ChannelKind::kFifo:
      return "fifo";
    case trace::ChannelKind::kEventfd:
      return "eventfd";
    case trace::ChannelKind::kSocketpair:
      return "socketpair";
    case trace::ChannelKind::kUser:
      return "user";
  }
  return "unknown";
}

const char* ChannelOpName(trace::ChannelOp op) {
  switch (op) {
    case trace::ChannelOp::kReceive:
      return "receive";
    case trace::ChannelOp::kSend:
      return "send";
    case trace::ChannelOp::kClose:
      return "close";
  }
  return "unknown";
}

const char* MisuseName(trace::MisuseKind k) {
  switch (k) {
    case trace::MisuseKind::kUnlockNotHeld:
      return "unlock-not-held";
    case trace::MisuseKind::kUnlockNotOwner:
      return "unlock-not-owner";
    case trace::MisuseKind::kDestroyHeld:
      return "destroy-held";
    case trace::MisuseKind::kRelockNonRecursive:
      return "relock-non-recursive";
    case trace::MisuseKind::kExitHoldingLock:
      return "exit-holding-lock";
    case trace::MisuseKind::kCondTwoMutexes:
      return "cond-two-mutexes";
  }
  return "unknown";
}

struct BitName {
  uint32_t bit;
  const char* name;
};

Item Bits(uint32_t value, std::initializer_list<BitName> names) {
  Item out = Item::array();
  for (const BitName& b : names) {
    if (value & b.bit) {
      out.push_back(b.name);
      value &= ~b.bit;
    }
  }
  if (value != 0) out.push_back(Hex(value));
  return out;
}

Item HeldJson(const std::vector<HeldLock>& held) {
  Item out = Item::array();
  for (const HeldLock& h : held) {
    out.push_back(Item{{"lock", h.lock_id},
                       {"mode", ModeName(h.mode)},
                       {"stack", h.stack_id},
                       {"count", h.count}});
  }
  return out;
}

void AddHeader(const Trace& t, std::vector<Item>* items) {
  items->push_back(Item{{"type", "header"},
                        {"path", t.path},
                        {"version", t.version},
                        {"pid", t.pid},
                        {"ppid", t.ppid},
                        {"exe", t.exe_path},
                        {"cmdline", t.cmdline},
                        {"stack_depth", t.stack_depth},
                        {"status", Bits(t.status_flags, {{trace::kStatusCleanExit, "clean-exit"},
                                                         {trace::kStatusDisabled, "disabled"},
                                                         {trace::kStatusTruncated, "truncated"},
                                                         {trace::kStatusForkChild, "fork-child"},
                                                         {trace::kStatusDumpStoodDown,
                                                          "dump-stood-down"}})},
                        {"dump_signal", t.dump_signal},
                        {"start_monotonic_ns", t.start_monotonic_ns},
                        {"start_realtime_ns", t.start_realtime_ns},
                        {"end_monotonic_ns", t.end_monotonic_ns}});
  for (const auto& m : t.modules) {
    items->push_back(Item{{"type", "module"},
                          {"start", Hex(m.start)},
                          {"end", Hex(m.end)},
                          {"load_bias", Hex(m.load_bias)},
                          {"path", m.path}});
  }
}

void AddSlots(const Trace& t, std::vector<Item>* items) {
  for (const auto& s : t.slots) {
    Item item{{"type", "slot"},
              {"tid", s.tid},
              {"state", StateName(s.state)},
              {"pthread_self", Hex(s.pthread_self)},
              {"held", HeldJson(s.held)}};
    if (s.held_overflow) item["held_overflow"] = true;
    if (s.wait_kind != trace::WaitKind::kNone) {
      item["wait"] = WaitName(s.wait_kind);
      item["wait_mode"] = ModeName(s.wait_mode);
      item["wait_lock"] = s.wait_lock_id;
      item["wait_object"] = Hex(s.wait_object);
      item["wait_since_ns"] = s.wait_since_ns;
      item["wait_stack"] = s.wait_stack_id;
      item["wait_flags"] = Bits(s.wait_flags, {{trace::kWaitTimed, "timed"},
                                               {trace::kWaitJoinPthread, "join-by-pthread"},
                                               {trace::kWaitShared, "process-shared"}});
      if (s.wait_kind == trace::WaitKind::kFd) {
        item["wait_fd"] = s.wait_fd;
        item["wait_channel"] = ChannelKindName(s.wait_channel);
        item["wait_dir"] = ChannelOpName(s.wait_dir);
      }
      if (s.lost_signal_tid != 0) {
        item["lost_signal"] = Item{{"tid", s.lost_signal_tid},
                                   {"stack", s.lost_signal_stack_id},
                                   {"time_ns", s.lost_signal_ns}};
      }
    }
    items->push_back(std::move(item));
  }
}

const char* VerdictName(trace::WatchdogVerdict v) {
  switch (v) {
    case trace::WatchdogVerdict::kCycle:
      return "cycle";
    case trace::WatchdogVerdict::kAllAsleep:
      return "all-asleep";
    case trace::WatchdogVerdict::kLongBlock:
      return "long-block";
  }
  return "unknown";
}

// kWatchdogReport records (issue #4): what the runtime's live watchdog saw.
void AddWatchdogReports(const Trace& t, std::vector<Item>* items) {
  for (const auto& w : t.watchdog_reports) {
    items->push_back(Item{{"type", "watchdog"},
                          {"seq", w.seq},
                          {"time_ns", w.time_ns},
                          {"verdict", VerdictName(w.verdict)},
                          {"tids", w.tids}});
  }
}

// kThreadDump / kThreadDumpThread records (issue #4): one line per dump, one per thread in it.
void AddThreadDumps(const Trace& t, std::vector<Item>* items) {
  for (const auto& d : t.thread_dumps) {
    items->push_back(Item{{"type", "thread-dump"},
                          {"dump", d.dump_id},
                          {"seq", d.seq},
                          {"time_ns", d.time_ns},
                          {"reason", d.reason == trace::DumpReason::kTimeout ? "timeout" : "signal"},
                          {"threads", d.expected}});
    for (const auto& th : d.threads) {
      Item held = Item::array();
      for (const auto& h : th.slot.held) held.push_back(h.lock_id);
      items->push_back(Item{
          {"type", "dump-thread"},
          {"dump", d.dump_id},
          {"tid", th.slot.tid},
          {"state", th.slot.state == trace::ThreadState::kBlocked ? "blocked" : "running"},
          {"stack", th.stack_id},
          {"flags", Bits(th.flags, {{trace::kDumpStackLive, "live-stack"},
                                    {trace::kDumpStackWait, "wait-stack"},
                                    {trace::kDumpInKernel, "in-kernel"},
                                    {trace::kDumpNoAnswer, "no-answer"},
                                    {trace::kDumpSignalBlocked, "signal-blocked"}})},
          {"syscall", th.syscall_nr},
          {"wait_lock", th.slot.wait_lock_id},
          {"held", held}});
    }
  }
}

void AddDefinitions(const Trace& t, std::vector<Item>* items) {
  for (const auto& [id, pcs] : t.stacks) {
    Item frames = Item::array();
    for (uint64_t pc : pcs) frames.push_back(Hex(pc));
    items->push_back(Item{{"type", "stack"}, {"stack", id}, {"pcs", frames}});
  }
  for (const auto& [id, l] : t.locks) {
    items->push_back(
        Item{{"type", "lockdef"},
             {"lock", id},
             {"kind", KindName(l.kind)},
             {"address", Hex(l.address)},
             {"generation", l.generation},
             {"attrs", Bits(l.attrs, {{trace::kAttrRecursive, "recursive"},
                                      {trace::kAttrErrorCheck, "errorcheck"},
                                      {trace::kAttrPreferWriter, "prefer-writer"},
                                      {trace::kAttrInitCalled, "init"},
                                      {trace::kAttrStaticInitializer, "static-init"}})},
             {"stack", l.stack_id},
             {"destroyed", l.destroyed}});
    if (!l.name.empty()) items->back()["name"] = l.name;  // kLockName (annotations.h)
  }
  for (const auto& [site, c] : t.capped_init_sites) {  // max_lock_instances
    items->push_back(Item{{"type", "capped_site"},
                          {"site", Hex(site)},
                          {"kind", KindName(c.kind)},
                          {"cap", c.cap},
                          {"stack", c.stack_id}});
  }
}

void AddThreads(const Trace& t, std::vector<Item>* items) {
  for (const auto& [tid, th] : t.threads) {
    items->push_back(Item{{"type", "thread"},
                          {"tid", tid},
                          {"parent", th.parent_tid},
                          {"name", th.name},
                          {"create_stack", th.create_stack_id},
                          {"parent_epoch", th.parent_epoch},
                          {"pthread_self", Hex(th.pthread_self)},
                          {"start_routine", Hex(th.start_routine)},
                          {"started", th.started},
                          {"start_seq", th.start_seq},
                          {"exited", th.exited},
                          {"via_pthread_exit", th.via_pthread_exit},
                          {"exit_seq", th.exit_seq},
                          {"held_at_exit", th.held_at_exit},
                          {"detached", th.detached},
                          {"detached_at_create", th.detached_at_create},
                          {"joined", th.joined},
                          {"joiner", th.joiner_tid},
                          {"join_seq", th.join_seq}});
  }
}

void AddEvents(const Trace& t, std::vector<Item>* items) {
  for (const auto& a : t.acquires) {
    items->push_back(Item{{"type", "acquire"},
                          {"tid", a.tid},
                          {"seq", a.seq},
                          {"lock", a.lock_id},
                          {"mode", ModeName(a.mode)},
                          {"flags", Bits(a.flags, {{trace::kAcqTry, "try"},
                                                   {trace::kAcqTimed, "timed"},
                                                   {trace::kAcqFailed, "failed"},
                                                   {trace::kAcqContended, "contended"},
                                                   {trace::kAcqReentrant, "reentrant"}})},
                          {"held", HeldJson(a.held)},
                          {"stack", a.stack_id},
                          {"epoch", a.epoch},
                          {"time_ns", a.time_ns}});
  }
  for (const auto& j : t.joins) {
    items->push_back(Item{{"type", "join"},
                          {"joiner", j.joiner_tid},
                          {"joined", j.joined_tid},
                          {"seq", j.seq},
                          {"stack", j.stack_id},
                          {"epoch_after", j.epoch_after},
                          {"failed", j.failed},
                          {"time_ns", j.time_ns}});
  }
  for (const auto& d : t.detaches) {
    items->push_back(Item{{"type", "detach"},
                          {"tid", d.tid},
                          {"seq", d.seq},
                          {"target_self", Hex(d.target_self)},
                          {"detached", d.resolved_tid},
                          {"stack", d.stack_id}});
  }
  for (const auto& m : t.misuses) {
    items->push_back(Item{{"type", "misuse"},
                          {"tid", m.tid},
                          {"kind", MisuseName(m.kind)},
                          {"seq", m.seq},
                          {"lock", m.lock_id},
                          {"object", Hex(m.object)},
                          {"stack", m.stack_id},
                          {"other_tid", m.other_tid},
                          {"other_id", m.other_id},
                          {"time_ns", m.time_ns}});
  }
  for (const analysis::TestMarkerEvent& m : t.test_markers) {
    items->push_back(Item{{"type", m.end ? "test_end" : "test_begin"},
                          {"seq", m.seq},
                          {"tid", m.tid},
                          {"name", m.name},
                          {"failed", m.failed},
                          {"time_ns", m.time_ns}});
  }
  for (const analysis::ThreadCreateEvent& c : t.thread_creates) {
    items->push_back(Item{{"type", "thread_created"},
                          {"seq", c.seq},
                          {"parent", c.parent_tid},
                          {"parent_epoch", c.parent_epoch},
                          {"pthread_self", Hex(c.pthread_self)},
                          {"stack", c.stack_id},
                          {"detached", c.detached}});
  }
  for (int32_t child : t.forked_children) {
    items->push_back(Item{{"type", "fork"}, {"child", child}});
  }
  for (const auto& [ident, c] : t.channels) {
    Item item{{"type", "channel"},
              {"ident", Hex(ident)},
              {"kind", ChannelKindName(c.kind)},
              {"fds", {c.fds[0], c.fds[1]}},
              {"tid", c.creator_tid},
              {"stack", c.stack_id}};
    if (c.external) item["external"] = true;
    if (!c.name.empty()) item["name"] = c.name;
    items->push_back(std::move(item));
    for (const auto& u : c.uses) {
      items->push_back(Item{{"type", "channel_use"},
                            {"ident", Hex(ident)},
                            {"tid", u.tid},
                            {"op", ChannelOpName(u.op)},
                            {"fd", u.fd},
                            {"stack", u.stack_id}});
    }
  }
  for (const auto& [lock_id, c] : t.contention) {
    items->push_back(Item{{"type", "lockstats"},
                          {"lock", lock_id},
                          {"acquisitions", c.acquisitions},
                          {"contended", c.contended},
                          {"wait_total_ns", c.wait_total_ns},
                          {"wait_max_ns", c.wait_max_ns},
                          {"hold_samples", c.hold_samples},
                          {"hold_total_ns", c.hold_total_ns},
                          {"hold_max_ns", c.hold_max_ns},
                          {"owner_changes", c.owner_changes},
                          {"records", c.records}});
  }
}

void AddStats(const Trace& t, std::vector<Item>* items) {
  const analysis::ReadStats& s = t.stats;
  items->push_back(Item{{"type", "stats"},
                        {"file_bytes", s.file_bytes},
                        {"chunks", s.chunks},
                        {"records", s.records},
                        {"unknown_records", s.unknown_records},
                        {"bad_chunks", s.bad_chunks},
                        {"dropped_records", s.dropped_records},
                        {"seq_gaps", s.seq_gaps},
                        {"threads_without_slot", s.threads_without_slot},
                        {"clean_exit", s.clean_exit},
                        {"runtime_disabled", s.runtime_disabled},
                        {"truncated", s.truncated}});
  for (const std::string& w : s.warnings) {
    items->push_back(Item{{"type", "warning"}, {"text", w}});
  }
}

// Human form of a string: bare when it is a plain token, else JSON-quoted (escapes included).
std::string HumanString(const std::string& s) {
  bool plain = !s.empty();
  for (unsigned char c : s) {
    if (c <= ' ' || c == '"' || c == '\\' || c >= 0x7f) plain = false;
  }
  return plain ? s : Item(s).dump(-1, ' ', false, Item::error_handler_t::replace);
}

std::string HumanValue(const std::string& key, const Item& v) {
  bool is_stack = key.size() >= 5 && key.compare(key.size() - 5, 5, "stack") == 0;
  if (v.is_string()) return HumanString(v.get<std::string>());
  if (v.is_boolean()) return v.get<bool>() ? "1" : "0";
  if (v.is_number_unsigned() && (key == "lock" || key == "wait_lock")) {
    return fmt::format("L{}", v.get<uint64_t>());
  }
  if (v.is_number_unsigned() && is_stack) return fmt::format("s{}", v.get<uint64_t>());
  if (v.is_array() && key == "held") {
    std::string out;
    for (const Item& h : v) {
      out += fmt::format("{}L{}({},s{}", out.empty() ? "" : ",", h["lock"].get<uint64_t>(),
                         h["mode"] == "shared" ? "s" : "x", h["stack"].get<uint64_t>());
      uint64_t count = h["count"].get<uint64_t>();
      out += count > 1 ? fmt::format(",n={})", count) : ")";
    }
    return "[" + out + "]";
  }
  if (v.is_array()) {  // bit names joined with '|'; addresses listed
    std::string out;
    for (const Item& e : v)
      out += (out.empty() ? "" : key == "pcs" ? "," : "|") + HumanValue("", e);
    return key == "pcs" ? "[" + out + "]" : (out.empty() ? "none" : out);
  }
  return v.dump(-1, ' ', false, Item::error_handler_t::replace);
}

std::string HumanLine(const Item& item) {
  std::string line;
  for (const auto& [key, value] : item.items()) {
    if (key == "type") {
      line = value.get<std::string>();
    } else {
      line += " " + key + "=" + HumanValue(key, value);
    }
  }
  return line;
}

class DumpCommand : public Command {
 public:
  DumpCommand() : Command("dump", "print every decoded item of a trace file", 30) {}

  void Setup(CLI::App* app) override {
    app->footer(kDumpHelp);
    app->add_flag("--json", json_, "one JSON object per line (JSON Lines)");
    app->add_option("TRACE", path_, "the trace file")->type_name("")->required();
  }

  int Run() override {
    Trace trace;
    std::string error;
    if (!analysis::ReadTrace(path_, &trace, &error)) {
      PrintError(error.empty() ? path_ + ": cannot read trace" : error);
      return kExitUsage;
    }
    std::vector<Item> items;
    AddHeader(trace, &items);
    AddSlots(trace, &items);
    AddDefinitions(trace, &items);
    AddThreads(trace, &items);
    AddEvents(trace, &items);
    AddWatchdogReports(trace, &items);
    AddThreadDumps(trace, &items);
    AddStats(trace, &items);
    for (const Item& item : items) {
      std::string line =
          json_ ? item.dump(-1, ' ', false, Item::error_handler_t::replace) : HumanLine(item);
      std::fputs((line + "\n").c_str(), stdout);
    }
    return std::fflush(stdout) == 0 ? kExitOk : kExitUsage;
  }

 private:
  bool json_ = false;
  std::string path_;
};

DumpCommand g_dump_command;

}  // namespace
}  // namespace cli
}  // namespace lockscope
