#!/usr/bin/env python3
"""GoogleTest integration (lockscope/gtest.h, samples/gtest/leaky_cache_test.cpp): under
`lockscope run`, the test that leaks its flusher thread fails with a report naming the test, the
thread and where it is blocked, and the other tests pass; run plainly, every test passes (the
listener is a no-op without the runtime). With gtest sharding, only the shard holding the leaky
test fails, and two shards run at once (separate processes, separate traces) give the same
verdicts. The final report of the whole run attributes the leak to the test as well. In
samples/gtest/lock_order_test.cpp, the test that closes an AB-BA cycle fails with the cycle.
"""
import os
import shutil
import sys
import tempfile

from hostlib import arg_parser, Checker, run

C = Checker()
LEAKY = "LeakyCache.ForgetsToStopItsFlusher"


def failed_tests(out):
    return sorted({l.split()[3] for l in out.splitlines()
                   if l.startswith("[  FAILED  ] ") and len(l.split()) >= 4
                   and "." in l.split()[3] and not l.split()[3].endswith(",")})


def main():
    a = arg_parser().parse_args()
    ls = a.lockscope
    binary = os.path.join(a.build_dir, "samples", "gtest", "leaky_cache_test")
    tmp = tempfile.mkdtemp(prefix="lockscope-gtest-")
    try:
        r = run([binary])
        C.check("without lockscope every test passes", r.returncode == 0
                and "[  PASSED  ] 3 tests." in r.stdout, r.stdout + r.stderr)

        r = run([ls, "run", "-o", os.path.join(tmp, "all"), "--", binary])
        out = r.stdout + r.stderr
        C.check("under lockscope the leaky test fails, the others pass",
                r.returncode == 1 and failed_tests(r.stdout) == [LEAKY]
                and "[  PASSED  ] 2 tests." in r.stdout, out)
        flat = " ".join(r.stdout.split())  # the story is word-wrapped
        C.check("the failure carries the report: test, thread, creation and wait sites",
                f"lockscope found problems left by {LEAKY}:" in r.stdout
                and "leaked-thread (test-leak)" in r.stdout
                and f"in test {LEAKY}" in r.stdout
                and f"Test {LEAKY} started thread T1 at (anonymous namespace)::Cache::Cache() "
                    "leaky_cache_test.cpp:19" in flat
                and "still blocked in pthread_cond_wait at (anonymous namespace)::Cache::"
                    "FlushLoop() leaky_cache_test.cpp:41" in flat, r.stdout)
        C.check("the window report has no 'did not exit cleanly' noise",
                "did not exit cleanly" not in r.stdout, r.stdout)
        C.check("the run's own report attributes the leak to the test",
                f"WARNING: lockscope: leaked-thread (test-leak) (pid=" in r.stderr
                and f"in test {LEAKY}" in r.stderr, r.stderr)

        supp = os.path.join(tmp, "known.supp")
        with open(supp, "w") as f:
            f.write("leaked-thread:fun:*Cache::FlushLoop*   # tracked elsewhere\n")
        r = run([ls, "run", "-o", os.path.join(tmp, "supp"), "--suppressions", supp, "--", binary])
        C.check("run --suppressions reaches the listener: the known leak no longer fails the test",
                r.returncode == 0 and failed_tests(r.stdout) == []
                and "1 finding suppressed by rules" in r.stderr, r.stdout[-2000:] + r.stderr[-800:])

        verdicts = {}
        for index in ("0", "1"):
            env = {"GTEST_TOTAL_SHARDS": "2", "GTEST_SHARD_INDEX": index}
            r = run([ls, "run", "-o", os.path.join(tmp, "shard" + index), "--", binary], env=env)
            verdicts[index] = (r.returncode, failed_tests(r.stdout), LEAKY in r.stdout)
        leaky = [i for i, v in verdicts.items() if v[2]]
        ok = len(leaky) == 1 and verdicts[leaky[0]][:2] == (1, [LEAKY])
        other = "1" if leaky == ["0"] else "0"
        C.check("sharded: only the shard with the leaky test fails",
                ok and verdicts[other][:2] == (0, []), repr(verdicts))

        # Two shards at once under one `lockscope run` (like ctest -j2): one trace per process.
        script = (f"GTEST_TOTAL_SHARDS=2 GTEST_SHARD_INDEX=0 {binary} > {tmp}/s0.out 2>&1 & "
                  f"GTEST_TOTAL_SHARDS=2 GTEST_SHARD_INDEX=1 {binary} > {tmp}/s1.out 2>&1 & "
                  "wait")
        tdir = os.path.join(tmp, "parallel")
        r = run([ls, "run", "-o", tdir, "--", "/bin/sh", "-c", script])
        outs = [open(os.path.join(tmp, f"s{i}.out")).read() for i in (0, 1)]
        fails = sorted(sum((failed_tests(o) for o in outs), []))
        traces = [f for f in os.listdir(tdir) if f.startswith("leaky_cache_test.")]
        C.check("parallel shards: separate traces, the leaky test fails once",
                fails == [LEAKY] and len(traces) == 2, f"{fails} {traces}\n{outs}")
        # A test that closes a lock-order cycle fails with the cycle; the test that took only the
        # first half of it, earlier, is not blamed.
        order = os.path.join(a.build_dir, "samples", "gtest", "lock_order_test")
        r = run([order])
        C.check("lock_order_test: every test passes without lockscope", r.returncode == 0, r.stdout)
        r = run([ls, "run", "-o", os.path.join(tmp, "order"), "--", order])
        culprit = "Ledger.AuditTakesLocksInTheOtherOrder"
        C.check("the test that closes the cycle fails with it, the others pass",
                r.returncode == 1 and failed_tests(r.stdout) == [culprit]
                and f"lockscope found problems left by {culprit}:" in r.stdout
                and "Cycle in lock order graph: M0 ((anonymous namespace)::g_accounts_mu) => "
                    "M1 ((anonymous namespace)::g_audit_mu) => M0" in r.stdout
                and f"in test {culprit}" in r.stdout, r.stdout[-4000:])
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return C.summary()


if __name__ == "__main__":
    sys.exit(main())
