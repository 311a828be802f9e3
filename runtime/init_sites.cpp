#include "init_sites.h"

#include <atomic>

namespace lockscope {
namespace rt {
namespace {

constexpr uint32_t kSiteSlots = 1024;  // distinct init sites counted; more are not capped
constexpr uint32_t kMaxProbe = 16;

struct SiteCount {
  std::atomic<uint64_t> site;   // 0 = empty slot
  std::atomic<uint64_t> count;  // *_init calls seen at the site (64 bits: never wraps)
};

SiteCount g_sites[kSiteSlots];  // zero-initialised static storage: usable before any constructor

uint32_t SiteHash(uint64_t a) {
  a ^= a >> 29;
  a *= 0xbf58476d1ce4e5b9ull;
  return static_cast<uint32_t>(a >> 40);
}

}  // namespace

InitVerdict CountInitSite(uintptr_t site, uint32_t cap) {
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
    // Past the cap the count stays put: the steady state of a capped site only reads the line
    // (threads of a server initialising at one site do not bounce it between cores).
    if (s->count.load(std::memory_order_relaxed) > cap) return InitVerdict::kOverCap;
    const uint64_t n = s->count.fetch_add(1, std::memory_order_relaxed) + 1;
    if (n <= cap) return InitVerdict::kTrace;
    return n == uint64_t{cap} + 1 ? InitVerdict::kFirstOverCap : InitVerdict::kOverCap;
  }
  return InitVerdict::kTrace;  // the table is full around this site: no cap for it
}

void InitSitesReset() {
  for (SiteCount& s : g_sites) {
    s.site.store(0, std::memory_order_relaxed);
    s.count.store(0, std::memory_order_relaxed);
  }
}

}  // namespace rt
}  // namespace lockscope
