#!/usr/bin/env python3
"""Thread dumps on demand (issue #4): `kill -SIG PID` of a program running under the preloaded
runtime writes a dump into its trace and the program goes on unchanged; several dumps are all
shown; the signal is configurable (dump_signal); a program with its own handler for the signal
keeps it (lockscope stands down and says so once).

The program (tests/e2e/programs/dump_target.c) is driven through stdin and reports on stdout; the
test waits for each step by polling the trace header (dump_signal, dumps_written) or the
program's output, always with a deadline, never with a sleep that decides an interleaving.
"""
import json
import os
import select
import signal
import struct
import subprocess
import sys
import tempfile
import time

from hostlib import arg_parser, Checker, compile_c, run, traced_env

DEADLINE_S = 30
DUMPS = 8  # each taken while two threads lock and malloc in a loop
STATUS_OFFSET, DUMP_SIGNAL_OFFSET, DUMPS_WRITTEN_OFFSET = 92, 112, 116
STATUS_STOOD_DOWN = 1 << 4
C = Checker()


def header(trace_dir):
    """(status_flags, dump_signal, dumps_written) of the one trace in trace_dir, or None."""
    names = [n for n in os.listdir(trace_dir) if n.endswith(".lstrace")]
    if len(names) != 1:
        return None
    with open(os.path.join(trace_dir, names[0]), "rb") as f:
        data = f.read(128)
    if len(data) < 120:
        return None
    status = struct.unpack_from("<I", data, STATUS_OFFSET)[0]
    sig, written = struct.unpack_from("<II", data, DUMP_SIGNAL_OFFSET)
    return status, sig, written


def wait_for(pred):
    start = time.monotonic()
    while time.monotonic() - start < DEADLINE_S:
        value = pred()
        if value:
            return value
        time.sleep(0.02)
    return None


class Target:
    """dump_target under the runtime, driven line by line."""

    def __init__(self, binary, runtime, trace_dir, sig, options=None, early=False):
        os.makedirs(trace_dir, exist_ok=True)
        env = dict(os.environ, **traced_env(runtime, trace_dir, options=options))
        args = [binary, str(sig)] + (["early"] if early else [])
        self.proc = subprocess.Popen(args, env=env, stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.trace_dir = trace_dir
        self.ready = self.readline() == "ready"

    def readline(self):
        return self.proc.stdout.readline().strip()

    def send(self, line):
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()

    def own_handler_ran(self):
        """Asks until the program's own handler has run once (deadline)."""
        def ask():
            self.send("calls")
            return self.readline() == "calls=1"
        return wait_for(ask)

    def finish(self):
        self.send("go")
        try:
            out, err = self.proc.communicate(timeout=DEADLINE_S)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            out, err = self.proc.communicate()
        return self.proc.returncode, out.strip(), err


def analyze(lockscope, trace_dir, fmt="text"):
    return run([lockscope, "analyze", "--format", fmt, trace_dir])


def test_two_dumps(lockscope, runtime, binary, tmp):
    d = os.path.join(tmp, "two")
    t = Target(binary, runtime, d, 62)
    armed = wait_for(lambda: (h := header(d)) and h[1] == 62 and h)
    C.check("dump signal 62 armed once the watchdog runs", t.ready and armed, f"header={armed}")
    t.send("query")
    C.check("the program sees SIG_DFL for the dump signal", t.readline() == "disposition=default")
    for n in range(1, DUMPS + 1):
        os.kill(t.proc.pid, 62)
        got = wait_for(lambda: (h := header(d)) and h[2] >= n and h)
        if not C.check(f"kill -62: dump {n} written", got is not None, f"header={header(d)}"):
            break
    rc, out, err = t.finish()
    C.check("the program went on unchanged (exit 0, its own output, its locking consistent)",
            rc == 0 and out == "done own_calls=0 churn=consistent",
            f"rc={rc} out={out!r} err={err[-500:]}")
    C.check("the runtime said where each dump went",
            err.count("lockscope: thread dump") == DUMPS, err[-800:])
    r = analyze(lockscope, d)
    text = r.stdout + r.stderr
    C.check(f"analyze shows the last 5 of {DUMPS} dumps, reason signal",
            f"Thread dump {DUMPS} at +" in text and f"Thread dump {DUMPS - 4} at +" in text and
            f"Thread dump {DUMPS - 5} at +" not in text and
            f"{DUMPS} thread dumps, the last 5 shown" in text and
            "(reason: signal;" in text, text[-3000:])
    C.check("the spinning thread is running with its stack in Spin",
            "running\n      #0 Spin " in text, text[-3000:])
    C.check("the worker holds g_mu", "holds g_mu, acquired at:" in text, text[-3000:])
    j = analyze(lockscope, d, "json").stdout
    try:
        dumps = json.loads(j)["traces"][0]["thread_dumps"]
    except (ValueError, KeyError, IndexError):
        dumps = []
    C.check(f"JSON carries all {DUMPS} dumps, each with every thread",
            [x["number"] for x in dumps] == list(range(1, DUMPS + 1)) and
            all(len(x["threads"]) == 5 and x["reason"] == "signal" for x in dumps),
            str([(len(x["threads"]), x["reason"]) for x in dumps]) + j[-300:])


def test_other_signal(lockscope, runtime, binary, tmp):
    d = os.path.join(tmp, "usr1")
    t = Target(binary, runtime, d, signal.SIGUSR1, options="dump_signal=10")
    armed = wait_for(lambda: (h := header(d)) and h[1] == 10 and h)
    C.check("dump_signal=10 arms SIGUSR1", t.ready and armed, f"header={header(d)}")
    os.kill(t.proc.pid, signal.SIGUSR1)
    got = wait_for(lambda: (h := header(d)) and h[2] >= 1 and h)
    rc, out, err = t.finish()
    C.check("kill -USR1 wrote a dump, the program went on", got and rc == 0 and
            out == "done own_calls=0 churn=consistent", f"rc={rc} out={out!r} err={err[-500:]}")


def test_refused_signal(lockscope, runtime, binary, tmp):
    """SIGTERM keeps its default action even when asked for as the dump signal."""
    d = os.path.join(tmp, "term")
    t = Target(binary, runtime, d, signal.SIGTERM, options="dump_signal=15")
    # The watchdog thread refuses it when it starts: wait for its line, then send SIGTERM.
    ready, _, _ = select.select([t.proc.stderr], [], [], DEADLINE_S)
    line = t.proc.stderr.readline() if ready else ""
    h = header(d)
    C.check("dump_signal=15: refused with one line, no dump signal armed",
            t.ready and "dump_signal=15 cannot be used" in line and h and h[1] == 0,
            f"line={line!r} header={h}")
    os.kill(t.proc.pid, signal.SIGTERM)
    try:
        t.proc.communicate(timeout=DEADLINE_S)
    except subprocess.TimeoutExpired:
        t.proc.kill()
        t.proc.communicate()
    C.check("dump_signal=15: SIGTERM still terminates the program",
            t.proc.returncode == -signal.SIGTERM, f"rc={t.proc.returncode}")


def test_own_handler_early(lockscope, runtime, binary, tmp):
    d = os.path.join(tmp, "early")
    t = Target(binary, runtime, d, 62, early=True)
    C.check("early handler: program ready", t.ready)
    stood = wait_for(lambda: (h := header(d)) and h[0] & STATUS_STOOD_DOWN and h)
    C.check("early handler: lockscope stood down (status bit, no dump signal)",
            stood and stood[1] == 0, f"header={header(d)}")
    os.kill(t.proc.pid, 62)
    C.check("early handler: the program's handler ran", t.own_handler_ran())
    rc, out, err = t.finish()
    C.check("early handler: no dump, the program went on", rc == 0 and
            out == "done own_calls=1 churn=consistent" and "lockscope: thread dump" not in err,
            f"rc={rc} out={out!r} err={err[-500:]}")
    C.check("early handler: said so once", err.count("handles signal 62 itself") == 1, err[-500:])
    text = analyze(lockscope, d).stdout + analyze(lockscope, d).stderr
    C.check("early handler: analyze says lockscope stood down", "stood down" in text, text[-800:])


def test_own_handler_late(lockscope, runtime, binary, tmp):
    d = os.path.join(tmp, "late")
    t = Target(binary, runtime, d, 62)
    armed = wait_for(lambda: (h := header(d)) and h[1] == 62 and h)
    C.check("late handler: armed first", t.ready and armed)
    t.send("install")
    C.check("late handler: installed", t.readline() == "installed")
    t.send("query")
    C.check("late handler: the program sees its own handler", t.readline() == "disposition=handler")
    h = header(d)
    C.check("late handler: stood down", h and h[1] == 0 and h[0] & STATUS_STOOD_DOWN, f"h={h}")
    os.kill(t.proc.pid, 62)
    C.check("late handler: the program's handler ran", t.own_handler_ran())
    rc, out, err = t.finish()
    C.check("late handler: no dump, the program went on",
            rc == 0 and out == "done own_calls=1 churn=consistent" and "lockscope: thread dump" not in err,
            f"rc={rc} out={out!r} err={err[-500:]}")
    C.check("late handler: said so once", err.count("handles signal 62 itself") == 1, err[-500:])


def main():
    a = arg_parser().parse_args()
    tmp = tempfile.mkdtemp(prefix="lockscope-dump-")
    binary = compile_c(a.source_dir, tmp, "dump_target")
    test_two_dumps(a.lockscope, a.runtime, binary, tmp)
    test_other_signal(a.lockscope, a.runtime, binary, tmp)
    test_refused_signal(a.lockscope, a.runtime, binary, tmp)
    test_own_handler_early(a.lockscope, a.runtime, binary, tmp)
    test_own_handler_late(a.lockscope, a.runtime, binary, tmp)
    return C.summary()


if __name__ == "__main__":
    sys.exit(main())
