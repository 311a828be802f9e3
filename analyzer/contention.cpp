// contention.cpp — see contention.h.

#include "contention.h"

#include <fmt/format.h>

#include <algorithm>

namespace lockscope {
namespace analysis {
namespace {

std::string Duration(uint64_t ns) {
  if (ns >= 1'000'000'000) return fmt::format("{:.2f} s", ns / 1e9);
  if (ns >= 1'000'000) return fmt::format("{:.1f} ms", ns / 1e6);
  if (ns >= 1'000) return fmt::format("{:.1f} us", ns / 1e3);
  return fmt::format("{} ns", ns);
}

bool Hot(const ContentionRow& r) {
  return r.contended >= kHotMinContended && r.contended * 100 >= r.acquisitions * kHotMinPercent;
}

Finding MakeHotFinding(FindingContext& ctx, const ContentionRow& r) {
  Finding f;
  f.kind = FindingKind::kContention;
  f.severity = "warning";
  f.pid = ctx.trace().pid;
  f.trace_path = ctx.trace().path;
  f.locks.push_back(r.lock);
  const std::string name = FindingContext::ShortLockName(r.lock);
  const double percent = r.acquisitions ? 100.0 * r.contended / r.acquisitions : 0;
  f.summary = fmt::format(
      "lock contention: {} waited in {} of {} acquisitions ({:.0f}%), total wait {}", name,
      r.contended, r.acquisitions, percent, Duration(r.wait_total_ns));
  f.story = fmt::format(
      "{}{} is contended: {} of its {} acquisitions had to wait (longest wait {}, {} in total), "
      "and it changed owner {} times. Threads serialize on it; shorten what runs under it, or "
      "split it (for example one lock per shard of the data it protects).",
      name, r.first_used_at.empty() ? "" : " (first used at " + r.first_used_at + ")",
      r.contended, r.acquisitions, Duration(r.wait_max_ns), Duration(r.wait_total_ns),
      r.owner_changes);
  return f;
}

}  // namespace

void AddContention(FindingContext& ctx, std::vector<ContentionRow>* rows,
                   std::vector<Finding>* findings) {
  std::vector<ContentionRow> mine;
  for (const auto& [lock_id, c] : ctx.trace().contention) {
    if (c.acquisitions == 0) continue;
    ContentionRow r;
    r.lock = ctx.MakeLockRef(lock_id);
    r.first_used_at = FindingContext::Where(r.lock.first_stack);
    r.acquisitions = c.acquisitions;
    r.contended = c.contended;
    r.wait_total_ns = c.wait_total_ns;
    r.wait_max_ns = c.wait_max_ns;
    r.hold_samples = c.hold_samples;
    r.hold_total_ns = c.hold_total_ns;
    r.hold_max_ns = c.hold_max_ns;
    r.owner_changes = c.owner_changes;
    r.hot = Hot(r);
    mine.push_back(std::move(r));
  }
  auto before = [](const ContentionRow& a, const ContentionRow& b) {
    if (a.contended != b.contended) return a.contended > b.contended;
    if (a.wait_total_ns != b.wait_total_ns) return a.wait_total_ns > b.wait_total_ns;
    return a.lock.lock_id < b.lock.lock_id;
  };
  std::sort(mine.begin(), mine.end(), before);
  for (const ContentionRow& r : mine) {
    if (r.hot) findings->push_back(MakeHotFinding(ctx, r));
  }
  rows->insert(rows->end(), mine.begin(), mine.end());
  std::stable_sort(rows->begin(), rows->end(), before);
}

}  // namespace analysis
}  // namespace lockscope
