// False-positive filter "single-thread": one thread takes g_config_mu and g_cache_mu in both
// orders (startup, then reload). No other thread ever takes them, so there is nobody to deadlock
// with; a naive detector that looks only at the lock-order graph reports the cycle.
//
// RUN: %lockscope run -o %T/trace -- %t 2>&1 | FileCheck %s
// RUN: %lockscope analyze --verbose %T/trace 2>&1 | FileCheck %s --check-prefix=VERBOSE
//
// CHECK-NOT: WARNING
// CHECK: SUMMARY: lockscope: no findings
// VERBOSE-NOT: WARNING
// VERBOSE: [single-thread] lock-order-cycle on g_c{{[a-z]+}}_mu, g_c{{[a-z]+}}_mu
// VERBOSE-SAME: only thread T0 takes these locks in both orders
#include <mutex>

std::mutex g_config_mu;
std::mutex g_cache_mu;
int g_config_version = 0;
int g_cache_version = 0;

void LoadConfig() {
  std::lock_guard<std::mutex> config(g_config_mu);
  std::lock_guard<std::mutex> cache(g_cache_mu);
  g_cache_version = ++g_config_version;
}

void ReloadCache() {
  std::lock_guard<std::mutex> cache(g_cache_mu);
  std::lock_guard<std::mutex> config(g_config_mu);  // inverted, same thread only
  g_cache_version = g_config_version;
}

int main() {
  LoadConfig();
  ReloadCache();
  return g_cache_version == 1 ? 0 : 1;
}
