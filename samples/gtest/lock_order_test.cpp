// A GoogleTest binary whose second test closes a lock-order cycle (AB-BA across two threads,
// serialized by a pipe so the run never actually deadlocks), linked with lockscope::gtest_main.
// Under lockscope, Ledger.AuditTakesLocksInTheOtherOrder fails with the cycle report naming it;
// Ledger.TransferTakesAccountsThenAudit (the first half of the cycle alone) and
// Ledger.ConsistentOrder pass. Without lockscope every test passes.
// tests/e2e/test_gtest.py runs it.

#include <gtest/gtest.h>
#include <unistd.h>

#include <mutex>
#include <thread>

namespace {

std::mutex g_accounts_mu;
std::mutex g_audit_mu;

void Transfer() {
  std::lock_guard<std::mutex> accounts(g_accounts_mu);
  std::lock_guard<std::mutex> audit(g_audit_mu);
}

void Audit() {
  std::lock_guard<std::mutex> audit(g_audit_mu);
  std::lock_guard<std::mutex> accounts(g_accounts_mu);  // should report: closes the cycle
}

TEST(Ledger, TransferTakesAccountsThenAudit) {
  std::thread t(Transfer);
  t.join();
}

// The cycle closes here: audit -> accounts, while the earlier test took accounts -> audit. Two
// threads, the second waiting on a pipe until the first is done: no real hang, and no
// create/join order between them either.
TEST(Ledger, AuditTakesLocksInTheOtherOrder) {
  int baton[2];
  ASSERT_EQ(pipe(baton), 0);
  std::thread first([&] {
    Transfer();
    char c = 1;
    EXPECT_EQ(write(baton[1], &c, 1), 1);
  });
  std::thread second([&] {
    char c;
    EXPECT_EQ(read(baton[0], &c, 1), 1);
    Audit();
  });
  first.join();
  second.join();
  close(baton[0]);
  close(baton[1]);
}

TEST(Ledger, ConsistentOrder) {
  std::thread t(Transfer);
  Transfer();
  t.join();
}

}  // namespace
