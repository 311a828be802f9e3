// contention_table.cpp — see contention_table.h.

#include "contention_table.h"

#include <fmt/format.h>

#include <algorithm>

namespace lockscope {
namespace viz {
namespace {

std::string Duration(uint64_t ns) {
  if (ns >= 1'000'000'000) return fmt::format("{:.2f}s", ns / 1e9);
  if (ns >= 1'000'000) return fmt::format("{:.1f}ms", ns / 1e6);
  if (ns >= 1'000) return fmt::format("{:.1f}us", ns / 1e3);
  return fmt::format("{}ns", ns);
}

// Names come from the traced program: control bytes print as \xNN (as in the text report), so
// a name cannot forge report lines.
std::string Printable(const std::string& s) {
  std::string out;
  for (unsigned char c : s) {
    if (c < 0x20 || c == 0x7f) {
      out += fmt::format("\\x{:02x}", c);
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

}  // namespace

std::string RenderContentionTable(const analysis::Report& report, size_t top) {
  if (report.contention.empty()) return "";
  const size_t n = std::min(top, report.contention.size());
  std::string out = fmt::format(
      "lockscope: contention profile ({} of {} locks, most contended first; hold times sampled "
      "1 in 64, fewer after 16 384 per thread)\n",
      n, report.contention.size());
  out += fmt::format("{:>10} {:>10} {:>5} {:>9} {:>9} {:>9} {:>9} {:>9}  {}\n", "acquired",
                     "contended", "%", "wait", "wait max", "hold avg", "hold max", "owner chg",
                     "lock (first used at)");
  for (size_t i = 0; i < n; ++i) {
    const analysis::ContentionRow& r = report.contention[i];
    const double percent = r.acquisitions ? 100.0 * r.contended / r.acquisitions : 0;
    const uint64_t hold_avg = r.hold_samples ? r.hold_total_ns / r.hold_samples : 0;
    std::string name = r.lock.name.empty() ? fmt::format("{} 0x{:x}", r.lock.kind, r.lock.address)
                                           : r.lock.name;
    std::string where = r.first_used_at.empty() ? "" : " (" + r.first_used_at + ")";
    std::string label = Printable(name + where);
    out += fmt::format("{:>10} {:>10} {:>5.1f} {:>9} {:>9} {:>9} {:>9} {:>9}  {}{}\n",
                       r.acquisitions, r.contended, percent, Duration(r.wait_total_ns),
                       Duration(r.wait_max_ns), r.hold_samples ? Duration(hold_avg) : "-",
                       r.hold_samples ? Duration(r.hold_max_ns) : "-", r.owner_changes, label,
                       r.hot ? "  <- hot" : "");
  }
  return out;
}

}  // namespace viz
}  // namespace lockscope
