#!/usr/bin/env python3
"""Channels that must NOT be reported (issue #4): a parent talking to its child over pipes (the
pipe was made before the fork, so the child may write it: an external wait), and ordinary file
I/O (no channel at all). The hanging channel samples and their twins are in samples/.

No sleep decides anything: the harness watches the parent's trace (`lockscope dump`) until the
talker thread has been blocked reading the pipe for longer than 20 watchdog periods (while main
joins it, so the watchdog runs), then lets the child answer. The run and the SIGKILLed variant
must both come out without a finding.
"""
import glob
import os
import signal
import subprocess
import sys
import tempfile
import time

from hostlib import arg_parser, Checker, compile_c, run, traced_env

C = Checker()
DEADLINE_S = 60
WATCHDOG_MS = 50
BLOCKED_FOR_NS = 1_000_000_000  # 20 watchdog periods


def parent_trace(d, pid):
    found = glob.glob(os.path.join(d, f"pipe_to_child.{pid}.lstrace"))
    return found[0] if found else None


def wait_blocked_on_pipe(lockscope, d, pid):
    """Polls the parent's trace until its slot shows a pipe read blocked for BLOCKED_FOR_NS.
    Returns the last dump line of that slot (or the whole dump on failure)."""
    start = time.monotonic()
    dump = ""
    while time.monotonic() - start < DEADLINE_S:
        trace = parent_trace(d, pid)
        if trace:
            dump = run([lockscope, "dump", trace]).stdout
            for line in dump.splitlines():
                if line.startswith("slot") and "wait=fd" in line and "wait_since_ns=" in line:
                    since = int(line.split("wait_since_ns=")[1].split()[0])
                    if time.monotonic_ns() - since > BLOCKED_FOR_NS:
                        return True, line
        time.sleep(0.05)
    return False, dump


def start(program, runtime, d):
    env = dict(os.environ, **traced_env(runtime, d, options=f"watchdog_ms={WATCHDOG_MS}"))
    return subprocess.Popen([program], env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)


def pipe_to_child(a, program, tmp, kill):
    name = "killed" if kill else "answered"
    d = os.path.join(tmp, name)
    os.makedirs(d)
    proc = start(program, a.runtime, d)
    blocked, detail = wait_blocked_on_pipe(a.lockscope, d, proc.pid)
    C.check(f"fork+pipe ({name}): the parent's talker thread is seen blocked reading the pipe, as an "
            "external wait", blocked and "process-shared" in detail, detail[-2000:])
    if kill:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        proc.stdin.close()  # the child reads EOF and gives up
        out, err = b"", proc.stderr.read()
    else:
        out, err = proc.communicate(b"go\n", timeout=DEADLINE_S)
    err = err.decode(errors="replace")
    C.check(f"fork+pipe ({name}): no watchdog verdict", "WATCHDOG" not in err, err[-2000:])
    if not kill:
        C.check("fork+pipe (answered): the program ran as usual",
                proc.returncode == 0 and out.decode() == "reply 42\n", f"{proc.returncode} {out}")
    r = run([a.lockscope, "analyze", parent_trace(d, proc.pid) or d])
    C.check(f"fork+pipe ({name}): the parent's trace has no finding",
            r.returncode == 0 and "comm-deadlock" not in r.stdout + r.stderr,
            r.stdout[-2000:] + r.stderr[-2000:])


def file_io(a, tmp):
    program = compile_c(a.source_dir, tmp, "file_io_threads")
    d = os.path.join(tmp, "fileio")
    r = run([a.lockscope, "run", "-o", d, "--", program])
    C.check("file I/O from threads: no finding, the program's output unchanged",
            r.returncode == 0 and "SUMMARY: lockscope: no findings" in r.stderr
            and r.stdout.count("read 1048576 bytes") == 2, r.stdout + r.stderr[-2000:])
    traces = glob.glob(os.path.join(d, "*.lstrace"))
    dump = run([a.lockscope, "dump", traces[0]]).stdout if traces else ""
    lines = dump.splitlines()
    C.check("file I/O from threads: no channel and no fd wait in the trace",
            bool(traces) and any(l.startswith("slot ") for l in lines)
            and not any(l.startswith(("channel ", "channel_use ")) for l in lines)
            and "wait=fd" not in dump, dump[-2000:])


def main():
    a = arg_parser().parse_args()
    with tempfile.TemporaryDirectory(prefix="lockscope-channels-") as tmp:
        program = compile_c(a.source_dir, tmp, "pipe_to_child")
        pipe_to_child(a, program, tmp, kill=False)
        pipe_to_child(a, program, tmp, kill=True)
        file_io(a, tmp)
    return C.summary()


if __name__ == "__main__":
    sys.exit(main())
