#include "init_sites.h"

#include <atomic>

namespace lockscope {
namespace rt {
namespace {

constexpr uint32_t kSiteSlots = 1024;  // distinct init sites counted; more are not capped
constexpr uint32_t kMaxProbe = 16;

struct SiteCount {
  std::atomic<uint64_t> site;       // 0 = empty slot
  std::atomic<uint64_t> destroyed;  // traced locks made here and destroyed (never wraps)
  std::atomic<uint32_t> said;       // 1 once the first init over the cap was reported
};

SiteCount g_sites[kSiteSlots];  // zero-initialised static storage: usable before any constructor

uint32_t SiteHash(uint64_t a) {
  a ^= a >> 29;
  a *= 0xbf58476d1ce4e5b9ull;
  return static_cast<uint32_t>(a >> 40);
}

}  // namespace

InitVerdict CountInitSite(uintptr_t site, uint32_t cap, uint32_t* slot) {
  *slot = 0;
  if (cap == 0 || site == 0) return InitVerdict::kTrace;
  const uint32_t h = SiteHash(site);
  for (uint32_t i = 0; i < kMaxProbe; ++i) {
    SiteCount* s = &g_sites[(h + i) & (kSiteSlots - 1)];
    uint64_t k = s->site.load(std::memory_order_acquire);
    if (k == 0 && !s->site.compare_exchange_strong(k, site, std::memory_order_acq_rel) &&
        k != site) {
      continue;  // another site took the slot first
    }
    if (k != 0 && k != site) continue;
    if (s->destroyed.load(std::memory_order_relaxed) < cap) {
      *slot = (h + i) & (kSiteSlots - 1);
      *slot += 1;
      return InitVerdict::kTrace;
    }
    // The steady state of a capped site only reads the line (threads of a server initialising
    // at one site do not bounce it between cores); the exchange happens once.
    if (s->said.load(std::memory_order_relaxed) != 0) return InitVerdict::kOverCap;
    return s->said.exchange(1, std::memory_order_relaxed) == 0 ? InitVerdict::kFirstOverCap
                                                                : InitVerdict::kOverCap;
  }
  return InitVerdict::kTrace;  // the table is full around this site: no cap for it
}

void CountDestroyedAt(uint32_t slot) {
  if (slot == 0 || slot > kSiteSlots) return;
  // Only traced locks count, and a capped site makes no more of them: a bounded number of
  // increments per site.
  g_sites[slot - 1].destroyed.fetch_add(1, std::memory_order_relaxed);
}

void InitSitesReset() {
  for (SiteCount& s : g_sites) {
    s.site.store(0, std::memory_order_relaxed);
    s.destroyed.store(0, std::memory_order_relaxed);
    s.said.store(0, std::memory_order_relaxed);
  }
}

}  // namespace rt
}  // namespace lockscope
