// mmap_alloc.h — the runtime's only allocator: anonymous mappings, never malloc.

#ifndef LOCKSCOPE_RUNTIME_INTERNAL_MMAP_ALLOC_H_
#define LOCKSCOPE_RUNTIME_INTERNAL_MMAP_ALLOC_H_

#include <sys/mman.h>

#include <cstddef>

namespace lockscope {
namespace rt {
namespace internal {

// Zero-filled, page-granular; null on failure. MAP_NORESERVE: big tables cost only touched pages.
inline void* MmapZeroed(size_t bytes) {
  void* p = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
                 -1, 0);
  return p == MAP_FAILED ? nullptr : p;
}

inline void MunmapSafe(void* p, size_t bytes) {
  if (p) munmap(p, bytes);
}

}  // namespace internal
}  // namespace rt
}  // namespace lockscope

#endif  // LOCKSCOPE_RUNTIME_INTERNAL_MMAP_ALLOC_H_
