// progress.h — a one-line progress indicator on stderr for analyses that take more than a second.
//
// Shown only when stderr is a terminal (never in pipes, files or CI logs), and only once the
// work has run for kDelay: a quick analysis prints nothing. A background thread redraws
// "lockscope: <stage> (<elapsed> s)" a few times a second with '\r'; the line is erased when the
// work ends, so the report that follows starts on a clean line.
// LOCKSCOPE_PROGRESS_DELAY_MS overrides the delay (tests use 0).
// Thread-safety: Stage() may be called from the owning thread while the redraw thread runs.

#ifndef LOCKSCOPE_ANALYZER_CLI_PROGRESS_H_
#define LOCKSCOPE_ANALYZER_CLI_PROGRESS_H_

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

namespace lockscope {
namespace cli {

class Progress {
 public:
  Progress();
  ~Progress() { Finish(); }
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;
  // What the analysis is doing now ("reading trace 2/3: x.lstrace", "analyzing", ...).
  void Stage(std::string stage);
  // Stops redrawing and erases the line, if one was drawn. Idempotent.
  void Finish();

 private:
  void Run();
  void Draw();  // with mu_ held
  bool enabled_ = false;
  std::chrono::steady_clock::time_point start_;
  std::chrono::milliseconds delay_{1000};
  std::mutex mu_;
  std::condition_variable cv_;
  std::string stage_;
  bool done_ = false;
  bool drawn_ = false;
  std::thread thread_;
};

}  // namespace cli
}  // namespace lockscope

#endif  // LOCKSCOPE_ANALYZER_CLI_PROGRESS_H_
