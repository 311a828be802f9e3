// channel_waits.cpp — see channel_waits.h.

#include "channel_waits.h"

#include <fmt/format.h>

#include <algorithm>

#include "wait_findings.h"

namespace lockscope {
namespace analysis {
namespace {

namespace tf = ::lockscope::trace;

const ChannelInfo* ChannelOf(const Trace& trace, const SlotSnapshot& s) {
  auto it = trace.channels.find(s.wait_object);
  return it == trace.channels.end() ? nullptr : &it->second;
}

const char* KindWord(tf::ChannelKind kind) {
  switch (kind) {
    case tf::ChannelKind::kPipe: return "pipe";
    case tf::ChannelKind::kFifo: return "FIFO";
    case tf::ChannelKind::kEventfd: return "eventfd";
    case tf::ChannelKind::kSocketpair: return "socketpair";
    case tf::ChannelKind::kUser: return "channel";
    default: return "fd";
  }
}

bool IsUser(const SlotSnapshot& s) { return s.wait_channel == tf::ChannelKind::kUser; }

// "wrote to" / "sent to" ... for a use.
std::string Verb(bool user, const ChannelUseEvent& u) {
  switch (u.op) {
    case tf::ChannelOp::kSend: return user ? "sent to it" : "wrote to it";
    case tf::ChannelOp::kReceive: return user ? "received from it" : "read from it";
    case tf::ChannelOp::kClose:
      return user ? "closed it" : fmt::format("closed its fd {}", u.fd);
  }
  return "used it";
}

}  // namespace

std::string ChannelName(const Trace& trace, const SlotSnapshot& s) {
  switch (s.wait_channel) {
    case tf::ChannelKind::kPipe: return fmt::format("pipe:[{}]", s.wait_object);
    case tf::ChannelKind::kSocketpair: return fmt::format("socket:[{}]", s.wait_object);
    case tf::ChannelKind::kEventfd: return "eventfd";
    case tf::ChannelKind::kFifo: return fmt::format("FIFO (inode {})", s.wait_object);
    case tf::ChannelKind::kUser: {
      const ChannelInfo* c = ChannelOf(trace, s);
      return fmt::format("\"{}\"", c != nullptr ? c->name : "");
    }
    default: return fmt::format("fd {}", s.wait_fd);
  }
}

std::string DescribeChannelWait(const Trace& trace, const SlotSnapshot& s) {
  const bool send = s.wait_dir == tf::ChannelOp::kSend;
  if (IsUser(s)) {
    return fmt::format("{} channel {} ({:#x})", send ? "sending to" : "receiving from",
                       ChannelName(trace, s), s.wait_object);
  }
  return fmt::format("{} {} fd {} ({})", send ? "writing" : "reading", KindWord(s.wait_channel),
                     s.wait_fd, ChannelName(trace, s));
}

std::vector<ChannelUseEvent> ChannelWakers(const Trace& trace, const SlotSnapshot& s) {
  std::vector<ChannelUseEvent> out;
  const ChannelInfo* c = ChannelOf(trace, s);
  if (c == nullptr) return out;
  const tf::ChannelOp wakes =
      s.wait_dir == tf::ChannelOp::kSend ? tf::ChannelOp::kReceive : tf::ChannelOp::kSend;
  for (const ChannelUseEvent& u : c->uses) {
    if (u.tid == s.tid && u.op != tf::ChannelOp::kClose) continue;  // not its own reads/writes
    // A close ends the wait only when it is another end (or a user channel's close); closing
    // the waiter's own fd number is not what it waits for.
    bool close = u.op == tf::ChannelOp::kClose && (IsUser(s) || u.fd != s.wait_fd);
    if (u.op == wakes || close) out.push_back(u);
  }
  return out;
}

std::string ChannelWaitStory(FindingContext& ctx, const SlotSnapshot& s, Finding* f) {
  const Trace& trace = ctx.trace();
  const bool user = IsUser(s);
  const bool send = s.wait_dir == tf::ChannelOp::kSend;
  const std::string name = ChannelName(trace, s);
  const std::string waiter = ctx.ThreadLabel(s.tid);
  std::string story;
  if (user) {
    story = fmt::format("Only a {} on channel {} or its close can end thread {}'s wait", 
                        send ? "receive" : "send", name, waiter);
  } else if (send) {
    story = fmt::format("Only a read from {} or the close of its read end can end thread {}'s "
                        "write (the {} is full)",
                        name, waiter, KindWord(s.wait_channel));
  } else {
    story = fmt::format("Only a write to {} or the close of its last write end can end thread "
                        "{}'s read",
                        name, waiter);
  }
  if (const ChannelInfo* c = ChannelOf(trace, s); c != nullptr && c->defined) {
    f->extra_stacks.push_back(ctx.StackOf(c->stack_id));
    f->extra_stack_titles.push_back(
        fmt::format("{} {} {} here by thread {}", user ? "channel" : KindWord(c->kind), name,
                    user ? "first used" : "created", ctx.ThreadLabel(c->creator_tid)));
  }
  std::vector<ChannelUseEvent> wakers = ChannelWakers(trace, s);
  if (wakers.empty()) {
    story += user ? fmt::format("; no other thread ever {} it, nor closed it.",
                                send ? "received from" : "sent to")
                  : fmt::format("; no other thread ever {} it, nor closed {}.",
                                send ? "read from" : "wrote to",
                                send ? "its read end" : "its write end");
    return story;
  }
  std::vector<std::string> parts;
  for (const ChannelUseEvent& u : wakers) {
    std::string who = ctx.ThreadLabel(u.tid);
    Stack stack = ctx.StackOf(u.stack_id);
    std::string at = FindingContext::Where(stack);
    std::string now;
    auto slot = std::find_if(trace.slots.begin(), trace.slots.end(),
                             [&](const SlotSnapshot& t) { return t.tid == u.tid; });
    if (slot != trace.slots.end() && slot->state == tf::ThreadState::kBlocked) {
      now = " and is now blocked " + DescribeWait(ctx, *slot);
    } else if (slot == trace.slots.end() || slot->state == tf::ThreadState::kExited) {
      now = " and has exited";
    }
    parts.push_back(fmt::format("thread {} {} before{}{}", who, Verb(user, u),
                                at.empty() ? "" : " (at " + at + ")", now));
    f->extra_stacks.push_back(std::move(stack));
    f->extra_stack_titles.push_back(fmt::format("thread {} {} here", who, Verb(user, u)));
  }
  std::string joined;
  for (size_t i = 0; i < parts.size(); ++i) joined += (i ? "; " : "") + parts[i];
  return story + "; " + joined + ".";
}

}  // namespace analysis
}  // namespace lockscope
