#!/usr/bin/env python3
"""The runtime's live watchdog: on_deadlock=abort, watchdog_ms=0, no false alarm under stress, and
a fork child's own watchdog.

Runs the hanging samples directly with LD_PRELOAD (not through `lockscope run`). Every run is
bounded by a deadline so a broken runtime fails the test instead of hanging it; no assertion is
about time. Programs that hang are killed once the expectation is met or the deadline passed.
"""
import os
import signal
import subprocess
import sys
import tempfile
import time

from hostlib import arg_parser

PASSED = 0
FAILED = 0
DEADLINE_S = 30


def check(name, cond, detail=""):
    global PASSED, FAILED
    if cond:
        PASSED += 1
        print(f"ok   {name}")
    else:
        FAILED += 1
        print(f"FAIL {name}\n{detail}")


def env_for(runtime, tmp, options):
    env = dict(os.environ, LD_PRELOAD=runtime, LOCKSCOPE_TRACE=os.path.join(tmp, "%e.%p.lstrace"))
    env["LOCKSCOPE_OPTIONS"] = options
    return env


def run_until(cmd, env, needle):
    """Runs cmd until `needle` shows up on its stderr (then SIGKILL) or it exits or the deadline
    passes. Returns (returncode or None if killed, stderr text, needle_seen)."""
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    os.set_blocking(proc.stderr.fileno(), False)
    err = b""
    start = time.monotonic()
    while time.monotonic() - start < DEADLINE_S:
        chunk = proc.stderr.read() or b""
        err += chunk
        if needle is not None and needle.encode() in err:
            break
        if proc.poll() is not None:
            err += proc.stderr.read() or b""
            return proc.returncode, err.decode(errors="replace"), False
        time.sleep(0.02)
    seen = needle is not None and needle.encode() in err
    if proc.poll() is None:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        return None, err.decode(errors="replace"), seen
    return proc.returncode, err.decode(errors="replace"), seen


def main():
    a = arg_parser().parse_args()
    samples = os.path.join(a.build_dir, "samples")
    hang = os.path.join(samples, "abba_real_hang")
    join = os.path.join(samples, "join_holding_lock")
    fixed = os.path.join(samples, "unbuffered_channel_fixed")
    tmp = tempfile.mkdtemp(prefix="lockscope-watchdog-")

    # on_deadlock=abort: the diagnosis first, then SIGABRT (the program would hang forever).
    proc = subprocess.run([hang], env=env_for(a.runtime, tmp, "on_deadlock=abort"),
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                          errors="replace", timeout=DEADLINE_S)
    check("on_deadlock=abort aborts after printing",
          proc.returncode == -signal.SIGABRT and "WATCHDOG: deadlock: 2 threads" in proc.stderr
          and "on_deadlock=abort: aborting" in proc.stderr,
          f"  exit={proc.returncode}\n  stderr={proc.stderr!r}")

    # watchdog_ms=0: no watchdog thread, no diagnosis. The hang itself is observed through the
    # trace (a blocked slot), as kill_when_blocked.py does, before we stop the program.
    tool = os.path.join(a.source_dir, "tests", "e2e", "kill_when_blocked.py")
    env = dict(os.environ, LOCKSCOPE_OPTIONS="watchdog_ms=0")
    r = subprocess.run([sys.executable, tool, a.lockscope, a.runtime, join,
                        os.path.join(tmp, "nowd")], env=env, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, text=True, errors="replace", timeout=120)
    check("watchdog_ms=0: no watchdog output", r.returncode == 0 and "WATCHDOG" not in r.stderr
          and "state=blocked" in r.stdout, f"  exit={r.returncode}\n  stderr={r.stderr!r}")

    # The default watchdog sees the join cycle and keeps the program hanging.
    code, err, seen = run_until([join], env_for(a.runtime, tmp, ""), "WATCHDOG: deadlock")
    check("default: diagnosis printed, program keeps hanging", seen and code is None,
          f"  exit={code}\n  stderr={err!r}")

    # No false alarm: a correct program whose threads block on a condvar all the time, scanned
    # every millisecond.
    bad = []
    for i in range(10):
        p = subprocess.run([fixed], env=env_for(a.runtime, tmp, "watchdog_ms=1"),
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                           errors="replace", timeout=DEADLINE_S)
        if p.returncode != 0 or "WATCHDOG" in p.stderr or "sum=5050" not in p.stdout:
            bad.append((p.returncode, p.stderr))
    check("watchdog_ms=1: correct producer/consumer, no alarm in 10 runs", not bad, f"  {bad!r}")

    # A fork child that creates threads and deadlocks gets its own watchdog (its own pid).
    src = os.path.join(tmp, "fork_hang.c")
    with open(src, "w") as f:
        f.write(FORK_HANG_C)
    exe = os.path.join(tmp, "fork_hang")
    if subprocess.run(["cc", "-O0", "-pthread", "-o", exe, src]).returncode == 0:
        code, err, seen = run_until([exe], env_for(a.runtime, tmp, ""), "WATCHDOG: deadlock")
        # SIGKILL of the parent also ends the child (PR_SET_PDEATHSIG in the program).
        check("fork child: its own watchdog reports its deadlock", seen, f"  stderr={err!r}")
    print(f"{PASSED} passed, {FAILED} failed")
    return 1 if FAILED else 0


# The parent starts a thread (so it has a watchdog), then forks; the child deadlocks (join while
# holding the lock the joined thread needs) and the parent waits for it.
FORK_HANG_C = r"""
#include <pthread.h>
#include <stdio.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static void* Noop(void* p) { return p; }
static void* Worker(void* p) { pthread_mutex_lock(&mu); pthread_mutex_unlock(&mu); return p; }
int main(void) {
  pthread_t t;
  pthread_create(&t, 0, Noop, 0);
  pthread_join(t, 0);
  pid_t pid = fork();
  if (pid == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    pthread_mutex_lock(&mu);
    pthread_create(&t, 0, Worker, 0);
    pthread_join(t, 0);
    return 0;
  }
  int status;
  waitpid(pid, &status, 0);
  return 0;
}
"""

if __name__ == "__main__":
    sys.exit(main())
