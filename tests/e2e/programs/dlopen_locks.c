// dlopen/dlclose (3 rounds) of a library whose function takes its own static mutex and one of
// ours. Usage: dlopen_locks PATH_TO_libuselocks.so
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>

static pthread_mutex_t g_mu = PTHREAD_MUTEX_INITIALIZER;

int main(int argc, char** argv) {
  if (argc < 2) return 2;
  for (int round = 0; round < 3; ++round) {
    void* h = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
    if (!h) {
      printf("dlopen failed: %s\n", dlerror());
      return 1;
    }
    int (*use)(pthread_mutex_t*) = (int (*)(pthread_mutex_t*))dlsym(h, "UseLocks");
    printf("round %d: %d\n", round, use ? use(&g_mu) : -1);
    dlclose(h);
  }
  return 0;
}
