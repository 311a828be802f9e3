// AB-BA between a pthread mutex and a lock declared through lockscope/annotations.h; a pipe
// runs the two threads one after the other, so the inversion is found without a real hang.
#include <lockscope/annotations.h>

#include <unistd.h>

#include <mutex>
#include <thread>

namespace {
std::mutex g_table_mu;
std::mutex g_remote_impl;  // stands in for a lock lockscope cannot see
int g_baton[2];            // a pipe: b runs after a, so the run itself never deadlocks

void LockRemote() {
  g_remote_impl.lock();
  LOCKSCOPE_ACQUIRE(&g_remote_impl, "remote/orders");
}
void UnlockRemote() {
  LOCKSCOPE_RELEASE(&g_remote_impl);
  g_remote_impl.unlock();
}
}  // namespace

int main() {
  if (pipe(g_baton) != 0) return 2;
  std::thread a([] {  // table -> remote
    {
      std::lock_guard<std::mutex> l(g_table_mu);
      LockRemote();
      UnlockRemote();
    }
    char c = 1;
    if (write(g_baton[1], &c, 1) != 1) _exit(2);
  });
  std::thread b([] {  // remote -> table
    char c;
    if (read(g_baton[0], &c, 1) != 1) _exit(2);
    LockRemote();
    { std::lock_guard<std::mutex> l(g_table_mu); }
    UnlockRemote();
  });
  a.join();
  b.join();
  return 0;
}
