// init_sites.h — the per-call-site cap on traced lock instances (runtime option
// max_lock_instances).
//
// Why: a C server that gives each request an object with its own mutex (malloc,
// pthread_mutex_init, lock, unlock, destroy, free) makes a new lock per request. Tracing each one
// costs two stack captures, a kLockDef and a kAcquire per request: the trace grows without bound
// and the program runs two orders of magnitude slower. Once `cap` traced instances from one init
// call site have been destroyed, new ones from there are not traced (thread_state.cpp:
// AfterLockInit), and the trace says so once. Destroyed, not initialised: a program that makes
// 100 000 long-lived locks in one loop (a sharded table's bucket locks) keeps all of them traced;
// only churn — locks made and destroyed over and over at one site — is capped.
//
// A site is the return address of the *_init call in the program (exact and free to get: a
// helper like init_obj() called from many places is one site). Counts live in a fixed global
// table: atomic, no malloc, bounded probe. When the table is full, a new site is not counted:
// it has no cap (traced as before), which is the safe side.

#ifndef LOCKSCOPE_RUNTIME_INIT_SITES_H_
#define LOCKSCOPE_RUNTIME_INIT_SITES_H_

#include <cstdint>

namespace lockscope {
namespace rt {

enum class InitVerdict {
  kTrace,         // under the cap (or no cap, an unknown site, the table full)
  kFirstOverCap,  // the first instance beyond the cap: say so once, then do not trace it
  kOverCap,       // beyond the cap, already said: do not trace it
};

// One *_init at `site`: traced unless `cap` (0 = no cap) traced locks from there were destroyed
// already. `*slot` (0: none) names the site for CountDestroyedAt. Async-signal-safe, lock-free.
InitVerdict CountInitSite(uintptr_t site, uint32_t cap, uint32_t* slot);
// A traced lock made at `slot` (from CountInitSite) was destroyed.
void CountDestroyedAt(uint32_t slot);

// Forgets every count (fork child: its trace starts afresh; tests).
void InitSitesReset();

}  // namespace rt
}  // namespace lockscope

#endif  // LOCKSCOPE_RUNTIME_INIT_SITES_H_
