#include "stack_table.h"

#include <elf.h>
#include <execinfo.h>
#include <link.h>
#include <sched.h>
#include <unistd.h>

#include <atomic>
#include <cstring>

#include "internal/mmap_alloc.h"
#include "internal/spin_lock.h"
#include "lockscope/trace_format.h"
#include "runtime.h"

namespace lockscope {
namespace rt {
namespace {

constexpr uint64_t kStackSlots = 1u << 18;
constexpr uint32_t kMaxProbe = 1024;
constexpr int kMaxOwnFrames = 16;
constexpr uint32_t kMaxModules = 1024;

struct StackEntry {
  std::atomic<uint64_t> hash;  // 0 = empty
  std::atomic<uint32_t> id;    // 0 = being defined
  uint32_t reserved;
};

struct ModuleRange {
  uint64_t start;
  uint64_t end;
};

StackEntry* g_stacks = nullptr;
std::atomic<uint32_t> g_next_stack_id{1};
int g_depth = 8;

internal::SpinLock g_module_lock;
ModuleRange g_modules[kMaxModules];
std::atomic<uint32_t> g_n_modules{0};
unsigned long long g_seen_adds = 0;  // dl_phdr_info::dlpi_adds at the last scan
char g_exe_path[trace::kMaxPathBytes];

void ObjectRange(const dl_phdr_info* info, uint64_t* start, uint64_t* end) {
  *start = ~0ull;
  *end = 0;
  for (int i = 0; i < info->dlpi_phnum; ++i) {
    const ElfW(Phdr)& ph = info->dlpi_phdr[i];
    if (ph.p_type != PT_LOAD) continue;
    uint64_t s = info->dlpi_addr + ph.p_vaddr;
    uint64_t e = s + ph.p_memsz;
    if (s < *start) *start = s;
    if (e > *end) *end = e;
  }
}

struct SelfSearch {
  uint64_t pc;
  uint64_t start;
  uint64_t end;
};

int FindSelfCallback(dl_phdr_info* info, size_t, void* data) {
  auto* s = static_cast<SelfSearch*>(data);
  uint64_t start, end;
  ObjectRange(info, &start, &end);
  if (s->pc >= start && s->pc < end) {
    s->start = start;
    s->end = end;
    return 1;
  }
  return 0;
}

struct ScanContext {
  const ReentryGuard* g;
  EventBuffer* buf;
  int index;
};

bool KnownModule(uint64_t start) {
  uint32_t n = g_n_modules.load(std::memory_order_acquire);
  for (uint32_t i = 0; i < n; ++i) {
    if (g_modules[i].start == start) return true;
  }
  return false;
}

int ScanCallback(dl_phdr_info* info, size_t size, void* data) {
  auto* ctx = static_cast<ScanContext*>(data);
  const int index = ctx->index++;
  if (index == 0 && size >= offsetof(dl_phdr_info, dlpi_subs)) {
    if (info->dlpi_adds == g_seen_adds && g_n_modules.load(std::memory_order_relaxed) > 0) {
      return 1;  // nothing was loaded since the last scan
    }
    g_seen_adds = info->dlpi_adds;
  }
  const char* name = info->dlpi_name;
  if (!name || !*name) {
    if (index != 0) return 0;  // only the main program has an empty name that we want
    name = g_exe_path;
  }
  if (strstr(name, "linux-vdso") || strstr(name, "linux-gate")) return 0;
  uint64_t start, end;
  ObjectRange(info, &start, &end);
  if (end <= start || KnownModule(start)) return 0;
  uint32_t n = g_n_modules.load(std::memory_order_relaxed);
  if (n >= kMaxModules) return 1;
  g_modules[n] = {start, end};
  g_n_modules.store(n + 1, std::memory_order_release);
  auto r = MakeRecord<trace::Module>(trace::RecordKind::kModule);
  r.load_bias = info->dlpi_addr;
  r.start = start;
  r.end = end;
  size_t len = strnlen(name, trace::kMaxPathBytes);
  r.path_len = static_cast<uint32_t>(len);
  EmitRecord(*ctx->g, ctx->buf, r, name, r.path_len);
  return 0;
}

bool PcInKnownModule(uint64_t pc) {
  uint32_t n = g_n_modules.load(std::memory_order_acquire);
  for (uint32_t i = 0; i < n; ++i) {
    if (pc >= g_modules[i].start && pc < g_modules[i].end) return true;
  }
  return false;
}

uint64_t HashFrames(const uint64_t* f, uint32_t n) {
  uint64_t h = 0x9e3779b97f4a7c15ull ^ n;
  for (uint32_t i = 0; i < n; ++i) {
    h ^= f[i];
    h *= 0x100000001b3ull;
    h ^= h >> 29;
  }
  return h ? h : 1;
}

}  // namespace

uintptr_t g_self_start = 0;
uintptr_t g_self_end = 0;
int g_site_frames = 8;

bool StackTableInit(const ReentryGuard& g, const void* self_fn, int depth) {
  (void)g;
  g_depth = depth;
  // Five frames separate the call sites of std::mutex/std::unique_lock at -O0 (their
  // out-of-line wrappers are up to four frames deep).
  g_site_frames = depth < 5 ? depth : 5;
  if (!g_stacks) {
    g_stacks = static_cast<StackEntry*>(internal::MmapZeroed(kStackSlots * sizeof(StackEntry)));
  }
  ssize_t n = readlink("/proc/self/exe", g_exe_path, sizeof(g_exe_path) - 1);
  g_exe_path[n > 0 ? n : 0] = '\0';
  if (self_fn) {
    SelfSearch s{reinterpret_cast<uint64_t>(self_fn), 0, 0};
    dl_iterate_phdr(FindSelfCallback, &s);
    g_self_start = s.start;
    g_self_end = s.end;
  }
  // Warm up the unwinder: the first backtrace() dlopens libgcc_s and mallocs. We are under the
  // re-entry guard here, so anything it locks passes through.
  void* warm[4];
  backtrace(warm, 4);
  return g_stacks != nullptr;
}

void StackTableReset() {
  internal::MunmapSafe(g_stacks, kStackSlots * sizeof(StackEntry));
  g_stacks = static_cast<StackEntry*>(internal::MmapZeroed(kStackSlots * sizeof(StackEntry)));
  g_next_stack_id.store(1, std::memory_order_relaxed);
  g_module_lock.ResetAfterFork();
  g_n_modules.store(0, std::memory_order_relaxed);
  g_seen_adds = 0;
}

void RecordModules(const ReentryGuard& g, EventBuffer* buf) {
  internal::SpinLockHolder hold(&g_module_lock);
  ScanContext ctx{&g, buf, 0};
  dl_iterate_phdr(ScanCallback, &ctx);
}

uint32_t InternStack(const ReentryGuard& g, EventBuffer* buf, const uint64_t* frames,
                     uint32_t depth) {
  if (!g_stacks) return 0;
  const uint64_t h = HashFrames(frames, depth);
  for (uint32_t i = 0; i < kMaxProbe; ++i) {
    StackEntry* e = &g_stacks[(h + i) & (kStackSlots - 1)];
    uint64_t k = e->hash.load(std::memory_order_acquire);
    if (k == 0 && e->hash.compare_exchange_strong(k, h, std::memory_order_acq_rel)) {
      // We own the new entry: modules first (the analyzer needs them for these pcs), then the
      // definition, then publish the id.
      for (uint32_t f = 0; f < depth; ++f) {
        if (!PcInKnownModule(frames[f])) {
          RecordModules(g, buf);
          break;
        }
      }
      uint32_t id = g_next_stack_id.fetch_add(1, std::memory_order_relaxed);
      auto r = MakeRecord<trace::StackDef>(trace::RecordKind::kStackDef);
      r.stack_id = id;
      r.depth = depth;
      EmitRecord(g, buf, r, frames, depth * static_cast<uint32_t>(sizeof(uint64_t)));
      e->id.store(id, std::memory_order_release);
      return id;
    }
    if (k != h) continue;
    for (int spins = 0; spins < 1000000; ++spins) {
      uint32_t id = e->id.load(std::memory_order_acquire);
      if (id) return id;
      if (spins > 32) sched_yield();
    }
    return 0;
  }
  return 0;
}

uint32_t CaptureStackId(const ReentryGuard& g, EventBuffer* buf) {
  void* raw[trace::kMaxStackDepth + kMaxOwnFrames];
  int n = backtrace(raw, g_depth + kMaxOwnFrames);
  int skip = 0;
  if (g_self_end) {
    while (skip < n && reinterpret_cast<uint64_t>(raw[skip]) >= g_self_start &&
           reinterpret_cast<uint64_t>(raw[skip]) < g_self_end) {
      ++skip;
    }
  } else {
    skip = n > 0 ? 1 : 0;  // no self range (unit tests): drop only CaptureStackId itself
  }
  uint64_t frames[trace::kMaxStackDepth];
  uint32_t depth = 0;
  for (int i = skip; i < n && depth < static_cast<uint32_t>(g_depth); ++i) {
    frames[depth++] = reinterpret_cast<uint64_t>(raw[i]);
  }
  return InternStack(g, buf, frames, depth);
}

}  // namespace rt
}  // namespace lockscope
