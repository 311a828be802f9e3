// finding_context.cpp — see finding_context.h.

#include "finding_context.h"

#include <fmt/format.h>

#include <algorithm>
#include <limits>
#include <tuple>
#include <vector>

namespace lockscope {
namespace analysis {
namespace {

bool StartsWith(const std::string& s, const char* prefix) { return s.rfind(prefix, 0) == 0; }

// Frames of the C++ standard library / libc wrappers (std::mutex::lock inlined at -O0, ...) are
// not where the user locked: skip them when naming a site.
bool IsLibraryFrame(const Frame& f) {
  return StartsWith(f.function, "std::") || StartsWith(f.function, "__gthread") ||
         StartsWith(f.function, "__gnu_cxx::") || StartsWith(f.file, "/usr/include/") ||
         StartsWith(f.function, "pthread_");
}

std::string Basename(const std::string& path) {
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

std::string FrameLabel(const Frame& f) {
  std::string fn = f.function;
  if (fn.empty()) {
    fn = f.module.empty() ? fmt::format("{:#x}", f.pc)
                          : fmt::format("{}+{:#x}", Basename(f.module), f.module_offset);
  }
  if (f.file.empty()) return fn;
  return fmt::format("{} {}:{}", fn, Basename(f.file), f.line);
}

}  // namespace

std::vector<uint32_t> ThreadNumberingOrder(const Trace& trace) {
  // Main thread first (tid == pid, or the started thread without a parent), then start order.
  std::vector<std::tuple<int, uint64_t, uint32_t>> keys;
  for (const auto& [tid, info] : trace.threads) {
    bool main = tid == static_cast<uint32_t>(trace.pid) || (info.started && info.parent_tid == 0);
    uint64_t start = info.started ? info.start_seq : std::numeric_limits<uint64_t>::max();
    keys.emplace_back(main ? 0 : 1, start, tid);
  }
  std::sort(keys.begin(), keys.end());
  std::vector<uint32_t> order;
  for (const auto& key : keys) order.push_back(std::get<2>(key));
  // A child records its own ThreadStart, so two siblings started back to back may swap seq from
  // run to run. Their creator's epoch at pthread_create (parent_epoch) does not race: within each
  // parent's children, reassign the observed positions in creation order. Numbers then stay the
  // same across runs of the same program.
  std::map<uint32_t, std::vector<size_t>> positions;  // parent -> indices into `order`
  for (size_t i = 0; i < order.size(); ++i) {
    const ThreadInfo& info = trace.threads.at(order[i]);
    if (info.started && info.parent_tid != 0) positions[info.parent_tid].push_back(i);
  }
  for (const auto& [parent, slots] : positions) {
    std::vector<uint32_t> children;
    for (size_t i : slots) children.push_back(order[i]);
    std::stable_sort(children.begin(), children.end(), [&](uint32_t a, uint32_t b) {
      return trace.threads.at(a).parent_epoch < trace.threads.at(b).parent_epoch;
    });
    for (size_t k = 0; k < slots.size(); ++k) order[slots[k]] = children[k];
  }
  return order;
}

const char* LockKindName(LockKind kind) {
  switch (kind) {
    case LockKind::kMutex:
      return "mutex";
    case LockKind::kRwLock:
      return "rwlock";
    case LockKind::kSpin:
      return "spin";
    case LockKind::kSemaphore:
      return "semaphore";
    case LockKind::kAnnotated:
      return "annotated";
    case LockKind::kUnknown:
      break;
  }
  return "unknown";
}

FindingContext::FindingContext(const Trace& trace, Symbolizer* symbolizer)
    : trace_(trace), symbolizer_(symbolizer) {
  std::vector<uint32_t> order = ThreadNumberingOrder(trace);
  for (size_t i = 0; i < order.size(); ++i) thread_numbers_.emplace(order[i], static_cast<int>(i));
}

Stack FindingContext::StackOf(uint32_t stack_id) {
  const std::vector<uint64_t>* pcs = trace_.FindStack(stack_id);
  if (pcs == nullptr) return Stack{};
  if (trace_.synthetic_sites.empty()) return symbolizer_->SymbolizeStack(*pcs);
  Stack stack;  // an imported trace: its locations, not code addresses
  for (uint64_t pc : *pcs) {
    Frame f;
    f.pc = pc;
    auto it = trace_.synthetic_sites.find(pc);
    if (it != trace_.synthetic_sites.end()) {
      f.function = it->second.function;
      f.file = it->second.file;
      f.line = it->second.line;
    }
    stack.push_back(std::move(f));
  }
  return stack;
}

std::string FindingContext::Where(const Stack& stack) {
  if (stack.empty()) return "";
  auto user =
      std::find_if(stack.begin(), stack.end(), [](const Frame& f) { return !IsLibraryFrame(f); });
  return FrameLabel(user != stack.end() ? *user : stack.front());
}

LockRef FindingContext::MakeLockRef(uint32_t lock_id) {
  if (auto it = lock_cache_.find(lock_id); it != lock_cache_.end()) return it->second;
  LockRef ref;
  ref.lock_id = lock_id;
  ref.pid = trace_.pid;
  const LockInfo* info = trace_.FindLock(lock_id);
  if (info == nullptr) {
    ref.kind = "unknown";
    ref.name = fmt::format("lock #{} (not defined in the trace)", lock_id);
  } else {
    ref.address = info->address;
    ref.kind = LockKindName(info->kind);
    ref.first_stack = StackOf(info->stack_id);
    if (!info->name.empty()) {
      ref.name = info->name;  // the program named it (lockscope/annotations.h)
    } else if (auto symbol = symbolizer_->DataSymbol(info->address)) {
      ref.name = *symbol;
      ref.name_from_symbol = true;
    } else {
      ref.name = fmt::format("{} {:#x}", ref.kind, ref.address);
      std::string where = Where(ref.first_stack);
      if (!where.empty()) {
        bool created = (info->attrs & trace::kAttrInitCalled) != 0;
        ref.name += fmt::format(" {} at {}", created ? "created" : "first locked", where);
      }
    }
  }
  lock_cache_.emplace(lock_id, ref);
  return ref;
}

LockRef FindingContext::MakeObjectRef(uint64_t address, const std::string& kind) {
  LockRef ref;
  ref.pid = trace_.pid;
  ref.address = address;
  ref.kind = kind;
  if (auto symbol = symbolizer_->DataSymbol(address)) {
    ref.name = *symbol;
    ref.name_from_symbol = true;
  } else {
    ref.name = fmt::format("{} {:#x}", kind, address);
  }
  return ref;
}

std::string FindingContext::ThreadLabel(uint32_t tid) const {
  auto it = thread_numbers_.find(tid);
  std::string label =
      it == thread_numbers_.end() ? fmt::format("tid {}", tid) : fmt::format("T{}", it->second);
  const ThreadInfo* info = trace_.FindThread(tid);
  // An imported trace names its threads "T3" itself: say it once when the numbers agree.
  if (info != nullptr && !info->name.empty() && info->name != label) {
    label += fmt::format(" ({})", info->name);
  }
  return label;
}

ThreadRef FindingContext::MakeThreadRef(uint32_t tid) {
  ThreadRef ref;
  ref.tid = tid;
  ref.name = ThreadLabel(tid);
  if (const ThreadInfo* info = trace_.FindThread(tid)) {
    ref.parent_tid = info->parent_tid;
    ref.create_stack = StackOf(info->create_stack_id);
  }
  return ref;
}

std::string FindingContext::ShortLockName(const LockRef& lock) {
  if (lock.name_from_symbol || lock.kind == "annotated") return lock.name;
  if (lock.address == 0) return lock.name;
  return fmt::format("{} {:#x}", lock.kind, lock.address);
}

}  // namespace analysis
}  // namespace lockscope
