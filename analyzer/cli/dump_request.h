// dump_request.h — `lockscope run --timeout`: a thread dump of every traced process before the
// kill.
//
// What: for every trace in the run's directory (not one of `earlier`) whose process is still
// running and whose header names a dump signal (thread_dump.h in the runtime), sends that signal
// with sigqueue() and the timeout cookie (the dump then says "reason: timeout"), and waits until
// each header's dumps_written moved, at most `wait_s` seconds (polling the file every 10 ms).
// A process without a dump signal (single-threaded so far: no watchdog thread; or it handles the
// signal itself) is not signalled: the signal's default action would kill it. One note per process
// says what happened. Never throws; unreadable files are skipped.

#ifndef LOCKSCOPE_CLI_DUMP_REQUEST_H_
#define LOCKSCOPE_CLI_DUMP_REQUEST_H_

#include <set>
#include <string>

namespace lockscope {
namespace cli {

void RequestThreadDumps(const std::string& dir, const std::set<std::string>& earlier,
                        double wait_s);

}  // namespace cli
}  // namespace lockscope

#endif  // LOCKSCOPE_CLI_DUMP_REQUEST_H_
