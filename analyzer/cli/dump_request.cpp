// dump_request.cpp — see dump_request.h.

#include "dump_request.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>

#include <cstring>
#include <vector>

#include "command.h"
#include "lockscope/trace_format.h"
#include "program_check.h"

namespace lockscope {
namespace cli {
namespace {

namespace tf = ::lockscope::trace;

bool ReadHeader(const std::string& path, tf::FileHeader* h) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) return false;
  bool ok = pread(fd, h, sizeof(*h), 0) == static_cast<ssize_t>(sizeof(*h)) &&
            std::memcmp(h->magic, tf::kMagic, sizeof(tf::kMagic)) == 0;
  close(fd);
  return ok;
}

double Now() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

struct Asked {
  std::string path;
  int32_t pid;
  uint32_t before;  // dumps_written when asked
  bool done = false;
};

}  // namespace

void RequestThreadDumps(const std::string& dir, const std::set<std::string>& earlier,
                        double wait_s) {
  std::vector<Asked> asked;
  for (const std::string& name : ListTraceFiles(dir)) {
    if (earlier.count(name) != 0) continue;
    const std::string path = dir + "/" + name;
    tf::FileHeader h;
    if (!ReadHeader(path, &h) || (h.status_flags & tf::kStatusCleanExit) != 0 || h.pid <= 0 ||
        kill(h.pid, 0) != 0) {
      continue;
    }
    if (h.dump_signal == 0) {
      PrintNote(fmt::format("no thread dump of pid {}: {}", h.pid,
                            (h.status_flags & tf::kStatusDumpStoodDown) != 0
                                ? "it handles the dump signal itself"
                                : "it has no watchdog thread (it never created a thread)"));
      continue;
    }
    sigval value;
    value.sival_int = tf::kDumpTimeoutCookie;
    if (sigqueue(h.pid, static_cast<int>(h.dump_signal), value) == 0) {
      asked.push_back(Asked{path, h.pid, h.dumps_written});
    }
  }
  const double deadline = Now() + wait_s;
  size_t left = asked.size();
  while (left > 0 && Now() < deadline) {
    for (Asked& a : asked) {
      tf::FileHeader h;
      if (!a.done && ReadHeader(a.path, &h) && h.dumps_written != a.before) {
        a.done = true;
        --left;
      }
    }
    if (left == 0) break;
    timespec ts = {0, 10 * 1000 * 1000};
    nanosleep(&ts, nullptr);
  }
  for (const Asked& a : asked) {
    if (!a.done) {
      PrintNote(fmt::format("pid {} wrote no thread dump within {} s", a.pid, wait_s));
    }
  }
}

}  // namespace cli
}  // namespace lockscope
