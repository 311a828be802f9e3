#!/usr/bin/env python3
"""Resource faults: the traced program is unaffected, the runtime says one line, and whatever it
recorded stays readable.

- unwritable trace path (under a regular file: unwritable even for root);
- trace file size limit (RLIMIT_FSIZE just above the header + slot table) and, when mount is
  permitted, a full 8 MiB tmpfs: one warning line, the trace marked as stopped, still analyzable;
- more threads alive at once than max_threads: one line, the program unaffected, the report says
  how many threads had no live state (and nothing of the kind with the default max_threads);
- SIGKILL at 20 points of a lock-heavy run, delays from a seeded RNG (kill points, not
  interleaving control): every trace analyzes (exit 0/1) and says it did not exit cleanly.
"""
import json
import os
import random
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time

from hostlib import analyze_all, arg_parser, BAD_STDERR, Checker, compile_c, run, traced_env

C = Checker()


def lockscope_lines(stderr):
    return [l for l in stderr.splitlines() if l.startswith("lockscope")]


def faulty_run(name, ls, rt, argv, env, tdir, preexec=None, want_trace=True):
    native = run(argv, preexec_fn=preexec)
    traced = run(argv, env=env, preexec_fn=preexec)
    lines = lockscope_lines(traced.stderr)
    C.check(f"{name}: same stdout and exit status, exactly one lockscope line",
            native.stdout == traced.stdout and native.returncode == traced.returncode
            and len(lines) == 1 and not any(b in traced.stderr for b in BAD_STDERR),
            f"  native exit={native.returncode} traced exit={traced.returncode}\n"
            f"  stdout same: {native.stdout == traced.stdout}\n  stderr={traced.stderr[-800:]!r}")
    if want_trace:
        n, bad = analyze_all(ls, tdir)
        C.check(f"{name}: the trace is readable", n == 1 and not bad, f"  traces={n} bad={bad}")
        if n == 1:
            t = os.path.join(tdir, os.listdir(tdir)[0])
            r = run([ls, "analyze", t])
            C.check(f"{name}: the analysis says recording stopped",
                    "stopped recording" in r.stdout + r.stderr,
                    f"  stdout={r.stdout[-800:]!r}\n  stderr={r.stderr[-800:]!r}")
    return lines


def main():
    ap = arg_parser()
    ap.add_argument("--kills", type=int, default=20)
    a = ap.parse_args()
    ls, rt = a.lockscope, a.runtime
    tmp = tempfile.mkdtemp(prefix="lockscope-faults-")
    try:
        work = compile_c(a.source_dir, tmp, "lock_work")
        mm = compile_c(a.source_dir, tmp, "million_mutexes")

        blocker = os.path.join(tmp, "a_file")
        open(blocker, "w").close()
        env = {"LD_PRELOAD": rt, "LOCKSCOPE_TRACE": os.path.join(blocker, "t.%p.lstrace")}
        lines = faulty_run("unwritable trace directory", ls, rt, [work], env, None,
                           want_trace=False)
        C.check("unwritable trace directory: the line names the path",
                any(blocker in l for l in lines), f"  lines={lines}")

        # The header page and the thread-slot table are reserved at start; allow 1 MiB more.
        probe = tempfile.mkdtemp(dir=tmp)
        run([work, "1"], env=traced_env(rt, probe))
        base = os.path.getsize(os.path.join(probe, os.listdir(probe)[0]))
        limit = base + (1 << 20)

        def fsize():
            resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

        # Every one of the 1 M mutexes traced (no max_lock_instances cap), so the trace grows.
        uncapped = "max_lock_instances=0"
        tdir = tempfile.mkdtemp(dir=tmp)
        faulty_run(f"RLIMIT_FSIZE {limit} bytes, 1 M mutexes", ls, rt, [mm],
                   traced_env(rt, tdir, options=uncapped), tdir, preexec=fsize)

        mnt = os.path.join(tmp, "small")
        os.mkdir(mnt)
        size_mib = (base >> 20) + 2
        mounted = run(["mount", "-t", "tmpfs", "-o", f"size={size_mib}m", "tmpfs", mnt]
                      ).returncode == 0
        if mounted:
            try:
                faulty_run(f"disk full ({size_mib} MiB tmpfs), 1 M mutexes", ls, rt, [mm],
                           traced_env(rt, mnt, options=uncapped), mnt)
            finally:
                run(["umount", mnt])
        else:
            print("skip disk full on tmpfs: mount not permitted here (RLIMIT_FSIZE covers it)")

        alive = compile_c(a.source_dir, tmp, "threads_alive")
        for opts, want in (("max_threads=3", True), (None, False)):
            name = f"8 threads alive at once, {opts or 'default max_threads'}"
            tdir = tempfile.mkdtemp(dir=tmp)
            native = run([alive, "8"])
            traced = run([alive, "8"], env=traced_env(rt, tdir, options=opts))
            lines = lockscope_lines(traced.stderr)
            C.check(f"{name}: same stdout and exit status, "
                    f"{'one line naming max_threads' if want else 'no lockscope line'}",
                    native.stdout == traced.stdout and native.returncode == traced.returncode
                    and (len(lines) == 1 and "max_threads" in lines[0] if want else not lines),
                    f"  stdout native={native.stdout!r} traced={traced.stdout!r}\n"
                    f"  stderr={traced.stderr[-800:]!r}")
            traces = os.listdir(tdir)
            r = run([ls, "analyze", os.path.join(tdir, traces[0])]) if len(traces) == 1 else None
            said = r is not None and "live-state slots taken (max_threads)" in r.stdout + r.stderr
            # main + 8 workers, 3 slots: at least 6 threads without one (the watchdog has none).
            d = run([ls, "dump", "--json", os.path.join(tdir, traces[0])]) if r else None
            without = [json.loads(l).get("threads_without_slot") for l in
                       (d.stdout.splitlines() if d else []) if '"type":"stats"' in l]
            C.check(f"{name}: the report {'says' if want else 'does not say'} threads had no "
                    "live state", said == want and
                    (without and (without[0] >= 6 if want else without[0] == 0)),
                    f"  traces={traces} threads_without_slot={without}\n"
                    f"  analyze={(r.stdout + r.stderr)[-800:] if r else None!r}")

        rng = random.Random(20261122)
        failures = []
        for i in range(a.kills):
            tdir = tempfile.mkdtemp(dir=tmp)
            p = subprocess.Popen([work, "100000000"], env={**os.environ, **traced_env(rt, tdir)},
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            delay = rng.uniform(0.0, 0.5)
            deadline = time.monotonic() + delay
            while time.monotonic() < deadline and p.poll() is None:
                time.sleep(0.005)  # a kill point, not an interleaving
            p.send_signal(signal.SIGKILL)
            p.wait()
            n, bad = analyze_all(ls, tdir)
            if n > 0:
                r = run([ls, "analyze", os.path.join(tdir, os.listdir(tdir)[0])])
                if "did not exit cleanly" not in r.stdout + r.stderr:
                    bad.append(("no 'did not exit cleanly' note", r.returncode, r.stdout[-300:]))
            if bad or n > 1:
                failures.append((i, round(delay, 3), n, bad))
        C.check(f"SIGKILL at {a.kills} seeded points of a lock-heavy run: every trace readable "
                "and marked unclean", not failures, f"  failures={failures[:5]}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return C.summary()


if __name__ == "__main__":
    sys.exit(main())
