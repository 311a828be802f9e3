// command.cpp — the registry behind command.h.

#include "command.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdio>

#include "lockscope/trace_format.h"

namespace lockscope {
namespace cli {
namespace {

// A function-local static: registration runs from other translation units' static constructors,
// whose order relative to a namespace-scope vector is unspecified.
std::vector<Command*>& Registry() {
  static std::vector<Command*> commands;
  return commands;
}

std::string OneLine(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '\n') {
      if (!out.empty() && out.back() != ' ') out += "; ";
    } else {
      out += c;
    }
  }
  while (!out.empty() && (out.back() == ' ' || out.back() == ';')) out.pop_back();
  return out;
}

}  // namespace

Command::Command(const char* name, const char* summary, int rank)
    : name_(name), summary_(summary), rank_(rank) {
  Registry().push_back(this);
}

std::vector<Command*> Command::All() {
  std::vector<Command*> all = Registry();
  std::sort(all.begin(), all.end(),
            [](const Command* a, const Command* b) { return a->rank() < b->rank(); });
  return all;
}

void PrintError(const std::string& message) {
  std::fflush(stdout);
  std::fprintf(stderr, "lockscope: error: %s\n", OneLine(message).c_str());
}

void PrintNote(const std::string& message) {
  std::fflush(stdout);
  std::fprintf(stderr, "lockscope: %s\n", message.c_str());
}

std::string VersionString() {
  return fmt::format("lockscope {} (trace format v{})", LOCKSCOPE_VERSION,
                     trace::kTraceFormatVersion);
}

}  // namespace cli
}  // namespace lockscope
