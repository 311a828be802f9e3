// Fixed twin of request_threads_never_joined: the handlers are created detached (their resources go
// back to the system when they finish), so nothing needs to join them. Nothing is reported.
//
// RUN: %lockscope run -o %T/trace -- %t 2>&1 | FileCheck %s
//
// CHECK: serving
// CHECK-NOT: WARNING
// CHECK: SUMMARY: lockscope: no findings
#include <pthread.h>
#include <stdio.h>

pthread_mutex_t g_log_mu = PTHREAD_MUTEX_INITIALIZER;
long g_bytes_served = 0;

void* HandleRequest(void* arg) {
  long request = reinterpret_cast<long>(arg);
  pthread_mutex_lock(&g_log_mu);
  g_bytes_served += 100 + request;
  pthread_mutex_unlock(&g_log_mu);
  return nullptr;
}

int main() {
  pthread_attr_t detached;
  pthread_attr_init(&detached);
  pthread_attr_setdetachstate(&detached, PTHREAD_CREATE_DETACHED);
  for (long request = 0; request < 4; ++request) {
    pthread_t t;
    pthread_create(&t, &detached, HandleRequest, reinterpret_cast<void*>(request));
  }
  pthread_attr_destroy(&detached);
  puts("serving");
  fflush(stdout);
  pthread_exit(nullptr);  // the process exits when the last handler has finished
}
