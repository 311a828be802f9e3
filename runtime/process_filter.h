// process_filter.h — which processes the runtime records: LOCKSCOPE_OPTIONS only= / exclude=
// (`lockscope run --only GLOBS --exclude GLOBS`). Each is a ','-separated list of fnmatch(3)
// globs matched against the executable's name (the basename of /proc/self/exe), or against its
// full path when the glob holds a '/'. A process is recorded when `only` is empty or one of its
// globs matches, and no `exclude` glob matches. An unselected process stays pass-through: no
// trace file, every call goes straight to libc, but LD_PRELOAD stays in its environment so the
// programs it starts are judged on their own (`lockscope run --only 'my_test*' -- ctest`).
// Called once at init (not on a lock path); allocation-free in the C locale.

#ifndef LOCKSCOPE_RUNTIME_PROCESS_FILTER_H_
#define LOCKSCOPE_RUNTIME_PROCESS_FILTER_H_

namespace lockscope {
namespace rt {

// `exe` is the executable's path.
bool ProcessSelected(const char* only, const char* exclude, const char* exe);

}  // namespace rt
}  // namespace lockscope

#endif  // LOCKSCOPE_RUNTIME_PROCESS_FILTER_H_
