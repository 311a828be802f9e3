// text_input.cpp — see text_input.h.

#include "text_input.h"

#include <fmt/format.h>

namespace lockscope {
namespace analysis {

std::string_view TrimBlanks(std::string_view s) {
  size_t b = s.find_first_not_of(" \t\r");
  if (b == std::string_view::npos) return {};
  size_t e = s.find_last_not_of(" \t\r");
  return s.substr(b, e - b + 1);
}

std::string ShownInError(std::string_view s) {
  constexpr size_t kMax = 60;
  std::string out;
  for (size_t i = 0; i < s.size() && i < kMax; ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    out += (c < 0x20 || c == 0x7f) ? fmt::format("\\x{:02x}", c) : std::string(1, s[i]);
  }
  if (s.size() > kMax) out += "...";
  return out;
}

}  // namespace analysis
}  // namespace lockscope
