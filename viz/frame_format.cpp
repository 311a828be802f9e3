// frame_format.cpp — see frame_format.h.

#include "frame_format.h"

#include <sstream>

namespace lockscope {
namespace viz {

using analysis::Frame;
using analysis::Stack;

std::string FrameText(const Frame& f) {
  std::ostringstream os;
  if (!f.function.empty()) {
    os << f.function;
  } else {
    os << (f.module.empty() ? "?" : f.module) << "+0x" << std::hex << f.module_offset << std::dec;
  }
  if (!f.file.empty()) {
    auto slash = f.file.rfind('/');
    os << " " << (slash == std::string::npos ? f.file : f.file.substr(slash + 1)) << ":" << f.line;
  }
  return os.str();
}

std::string StackText(const Stack& stack, size_t max_frames) {
  std::string out;
  for (size_t i = 0; i < stack.size() && i < max_frames; ++i) {
    const Frame& f = stack[i];
    out += "#" + std::to_string(i) + " " + (f.function.empty() ? FrameText(f) : f.function);
    if (!f.file.empty()) out += " " + f.file + ":" + std::to_string(f.line);
    out += "\n";
  }
  if (stack.size() > max_frames) out += "(" + std::to_string(stack.size() - max_frames) + " more)\n";
  return out;
}

namespace {

// Headers of the toolchain and libraries (std::mutex wrappers, gthr-default.h) are where the lock
// call lands, not where the user's code took the lock.
bool IsSystemFile(const std::string& file) {
  return file.rfind("/usr/include/", 0) == 0 || file.rfind("/usr/lib/", 0) == 0;
}

}  // namespace

const Frame* SiteFrame(const Stack& stack) {
  for (const auto& f : stack) {
    if (!f.file.empty() && !IsSystemFile(f.file)) return &f;
  }
  for (const auto& f : stack) {
    if (!f.file.empty()) return &f;
  }
  return stack.empty() ? nullptr : &stack.front();
}

std::string SiteText(const Stack& stack) {
  const Frame* f = SiteFrame(stack);
  return f == nullptr ? std::string() : FrameText(*f);
}

std::string ThreadName(const analysis::Finding& finding, uint32_t tid) {
  for (const auto& t : finding.threads) {
    if (t.tid == tid && !t.name.empty()) return t.name;
  }
  return "thread " + std::to_string(tid);
}

std::string ModesText(const analysis::EdgeEvidence& edge) {
  if (edge.from_mode != "shared" && edge.to_mode != "shared") return "";
  auto word = [](const std::string& mode) { return mode == "shared" ? "read" : "write"; };
  return std::string(word(edge.from_mode)) + " \xE2\x86\x92 " + word(edge.to_mode);
}

bool IsCycleKind(analysis::FindingKind kind) {
  return kind == analysis::FindingKind::kLockOrderCycle ||
         kind == analysis::FindingKind::kActualDeadlock ||
         kind == analysis::FindingKind::kCommDeadlock;
}

bool EdgeInRange(const analysis::Finding& finding, const analysis::EdgeEvidence& edge) {
  return edge.from >= 0 && edge.to >= 0 && static_cast<size_t>(edge.from) < finding.locks.size() &&
         static_cast<size_t>(edge.to) < finding.locks.size();
}

}  // namespace viz
}  // namespace lockscope
