// process_filter.cpp — see process_filter.h.

#include "process_filter.h"

#include <fnmatch.h>

#include <cstring>

namespace lockscope {
namespace rt {
namespace {

// True when one glob of the ','-separated `list` matches `exe` (or its basename).
bool AnyMatch(const char* list, const char* exe) {
  const char* slash = strrchr(exe, '/');
  const char* base = slash ? slash + 1 : exe;
  char glob[256];
  for (const char* p = list; *p;) {
    const char* comma = strchr(p, ',');
    size_t len = comma ? static_cast<size_t>(comma - p) : strlen(p);
    if (len > 0 && len < sizeof(glob)) {
      memcpy(glob, p, len);
      glob[len] = '\0';
      const char* subject = strchr(glob, '/') ? exe : base;
      if (fnmatch(glob, subject, 0) == 0) return true;
    }
    if (!comma) break;
    p = comma + 1;
  }
  return false;
}

}  // namespace

bool ProcessSelected(const char* only, const char* exclude, const char* exe) {
  if (exe == nullptr) exe = "";
  if (only != nullptr && *only && !AnyMatch(only, exe)) return false;
  return exclude == nullptr || !*exclude || !AnyMatch(exclude, exe);
}

}  // namespace rt
}  // namespace lockscope
