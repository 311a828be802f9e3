// channel_waits.h — the words and the evidence for threads blocked on channels (issue #4): pipes,
// FIFOs, eventfds, socketpairs (kFd waits on an fd) and user channels (lockscope/annotations.h).
//
// What: a kFd slot names its channel by ident (Trace::channels: kind, fds, where it was made,
// who read/wrote/closed it). A reader can be woken only by a write to the channel or by the close
// of its last write end; a writer (a full pipe) only by a read or by the close of the read end;
// for a user channel, a send / a receive / a close. ChannelWakers lists the threads that did such
// an operation before (kChannelUse), so a report can say who was expected to wake the waiter and
// what that thread does now.
// Identity: channels by ident (pipe inode, socket inode, eventfd number, user object address).
// Thread-safety: pure functions of the trace, except for the context's symbolizer.

#ifndef LOCKSCOPE_ANALYZER_CHANNEL_WAITS_H_
#define LOCKSCOPE_ANALYZER_CHANNEL_WAITS_H_

#include <string>
#include <vector>

#include "finding_context.h"
#include "findings.h"
#include "trace_model.h"

namespace lockscope {
namespace analysis {

// "pipe:[123456]", "socket:[77]", "eventfd", "FIFO (inode 12)", "\"jobs\"" — the channel alone.
std::string ChannelName(const Trace& trace, const SlotSnapshot& s);

// "reading pipe fd 5 (pipe:[123456])", "writing socketpair fd 4 (socket:[77])", "receiving from
// channel \"jobs\" (0x5555...)": what a blocked kFd slot waits for.
std::string DescribeChannelWait(const Trace& trace, const SlotSnapshot& s);

// The uses of the channel of slot `s` by other threads that could end its wait (writes or sends
// for a reader, reads or receives for a writer, closes of another end for both), in seq order.
std::vector<ChannelUseEvent> ChannelWakers(const Trace& trace, const SlotSnapshot& s);

// Sentences for a report: "Only a write to pipe:[123] or the close of its write end can end
// thread T1's wait; thread T0 wrote to it before (at main.cpp:12) and is now blocked joining
// thread T1." or "...; no other thread ever wrote to it nor closed its write end (fd 4)."
// Adds the stacks (where the channel was made, each waker's use) to `f`.
std::string ChannelWaitStory(FindingContext& context, const SlotSnapshot& s, Finding* f);

}  // namespace analysis
}  // namespace lockscope

#endif  // LOCKSCOPE_ANALYZER_CHANNEL_WAITS_H_
