// progress.cpp — see progress.h.

#include "progress.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>

namespace lockscope {
namespace cli {

Progress::Progress() : start_(std::chrono::steady_clock::now()) {
  enabled_ = isatty(STDERR_FILENO) == 1;
  if (const char* d = std::getenv("LOCKSCOPE_PROGRESS_DELAY_MS")) {
    delay_ = std::chrono::milliseconds(std::atol(d));
  }
  if (enabled_) thread_ = std::thread([this] { Run(); });
}

void Progress::Finish() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    done_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  if (drawn_) {
    std::fputs("\r\033[K", stderr);  // erase the progress line
    std::fflush(stderr);
    drawn_ = false;
  }
}

void Progress::Stage(std::string stage) {
  std::lock_guard<std::mutex> lock(mu_);
  stage_ = std::move(stage);
  // A new stage after the delay shows at once (the redraw thread may be asleep).
  if (enabled_ && !done_ && std::chrono::steady_clock::now() >= start_ + delay_) Draw();
}

void Progress::Draw() {
  const double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  std::fprintf(stderr, "\r\033[Klockscope: %s (%.1f s)", stage_.c_str(), secs);
  std::fflush(stderr);
  drawn_ = true;
}

void Progress::Run() {
  std::unique_lock<std::mutex> lock(mu_);
  // Nothing for the first `delay_`: most analyses end before it.
  if (cv_.wait_until(lock, start_ + delay_, [this] { return done_; })) return;
  while (!done_) {
    Draw();
    cv_.wait_for(lock, std::chrono::milliseconds(250), [this] { return done_; });
  }
}

}  // namespace cli
}  // namespace lockscope
