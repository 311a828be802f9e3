#!/usr/bin/env python3
"""Runs a program that hangs under the runtime, SIGKILLs it from outside once lockscope's own trace
shows a thread blocked, then prints `lockscope dump` of the trace it left.

Usage: kill_when_blocked.py LOCKSCOPE RUNTIME PROGRAM OUTDIR

No sleep decides the interleaving: the program hangs by itself; we poll the trace (the runtime
mirrors every thread's state into its shared file mapping) until it says "blocked", with a deadline
so a broken runtime fails the test instead of hanging it.
"""
import glob
import os
import signal
import subprocess
import sys
import time

DEADLINE_S = 30


def main():
    lockscope, runtime, program, outdir = sys.argv[1:5]
    os.makedirs(outdir, exist_ok=True)
    for old in glob.glob(os.path.join(outdir, "*.lstrace*")):
        os.remove(old)
    env = dict(os.environ, LD_PRELOAD=runtime,
               LOCKSCOPE_TRACE=os.path.join(outdir, "%e.%p.lstrace"))
    proc = subprocess.Popen([program], env=env, stdout=subprocess.DEVNULL)
    start = time.monotonic()
    dump = ""
    blocked = False
    while time.monotonic() - start < DEADLINE_S and proc.poll() is None:
        traces = glob.glob(os.path.join(outdir, "*.lstrace*"))
        if traces:
            r = subprocess.run([lockscope, "dump", traces[0]], stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True, errors="replace")
            dump = r.stdout
            if "state=blocked" in dump:
                blocked = True
                break
        time.sleep(0.05)
    if proc.poll() is not None:
        print(f"kill_when_blocked: program exited by itself (status {proc.returncode})")
        return 1
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    if not blocked:
        print("kill_when_blocked: no blocked thread seen in the trace before the deadline")
        print(dump)
        return 1
    traces = glob.glob(os.path.join(outdir, "*.lstrace*"))
    r = subprocess.run([lockscope, "dump", traces[0]], stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, text=True, errors="replace")
    print(r.stdout)
    return r.returncode


if __name__ == "__main__":
    sys.exit(main())
