#!/usr/bin/env python3
"""Never break the host program: each program's stdout and exit status are identical with and
without liblockscope.so preloaded, the runtime adds no crash text, and every trace it wrote is
readable. Programs: tests/e2e/programs/*.c (fork, fork+exec, posix_spawn, daemon, a timer signal
storm with a locking handler, pthread_cancel, pthread_exit vs return, 10 000 threads, 1 000 held
locks, 1 M mutexes at reused addresses, exit() with locks held, dlopen/dlclose, jemalloc, ASan).
"""
import glob
import json
import os
import shutil
import subprocess
import sys
import tempfile

from hostlib import analyze_all, arg_parser, BAD_STDERR, Checker, compile_c, run, traced_env

C = Checker()


def same(name, lockscope, runtime, tmp, argv, min_traces=1, preload_extra=(), options=None):
    tdir = tempfile.mkdtemp(dir=tmp, prefix="t-")
    native = run(argv)
    traced = run(argv, env=traced_env(runtime, tdir, preload_extra, options))
    C.check(f"{name}: same stdout and exit status ({native.returncode})",
            native.stdout == traced.stdout and native.returncode == traced.returncode
            and not any(b in traced.stderr for b in BAD_STDERR),
            f"  native exit={native.returncode} out={native.stdout!r}\n"
            f"  traced exit={traced.returncode} out={traced.stdout!r}\n"
            f"  traced stderr={traced.stderr[-600:]!r}")
    n, bad = analyze_all(lockscope, tdir)
    C.check(f"{name}: {n} trace(s) written (>= {min_traces}) and all readable",
            n >= min_traces and not bad, f"  traces={n} unreadable={bad}")
    return tdir, traced


def main():
    a = arg_parser().parse_args()
    ls, rt, src = a.lockscope, a.runtime, a.source_dir
    tmp = tempfile.mkdtemp(prefix="lockscope-host-")
    try:
        b = {n: compile_c(src, tmp, n) for n in (
            "fork_child", "fork_exec_spawn", "signal_storm", "cancel_threads",
            "many_threads_locks", "million_mutexes", "exit_with_locks", "lock_work")}
        b["dlopen_locks"] = compile_c(src, tmp, "dlopen_locks", ["-ldl"])
        lib = os.path.join(tmp, "libuselocks.so")
        r = run(["cc", "-O1", "-g", "-shared", "-fPIC", "-pthread", "-o", lib,
                 os.path.join(src, "tests/e2e/programs/uselocks_lib.c")])
        assert r.returncode == 0, r.stderr

        tdir, _ = same("fork", ls, rt, tmp, [b["fork_child"]], min_traces=2)
        pids = {json.loads(run([ls, "dump", "--json", t]).stdout.splitlines()[0]).get("pid")
                for t in glob.glob(os.path.join(tdir, "*.lstrace"))}
        C.check("fork: parent and child traced into files of their own pids", len(pids) == 2,
                f"  pids={pids}")
        # parent, exec'd image, spawned image, first daemon fork, daemon: 5 processes.
        same("fork+exec, posix_spawn, daemon", ls, rt, tmp, [b["fork_exec_spawn"]], min_traces=4)
        same("timer signal storm, handler takes a lock", ls, rt, tmp, [b["signal_storm"]])
        same("pthread_cancel (condvar waiter, lock holder), pthread_exit vs return", ls, rt, tmp,
             [b["cancel_threads"]])
        same("10 000 short-lived threads, 1 000 locks held at once", ls, rt, tmp,
             [b["many_threads_locks"]])
        same("1 M mutexes created and destroyed", ls, rt, tmp, [b["million_mutexes"]])
        # Address reuse, checked on a 10 000-round run (the 1 M trace dumps to 3 M lines).
        tdir, _ = same("10 000 mutexes at reused addresses", ls, rt, tmp,
                       [b["million_mutexes"], "10000"])
        ids_by_addr = {}
        for t in glob.glob(os.path.join(tdir, "*.lstrace")):
            for line in run([ls, "dump", "--json", t]).stdout.splitlines():
                rec = json.loads(line)
                if rec.get("type") == "lockdef":
                    ids_by_addr.setdefault(rec["address"], set()).add(rec["lock"])
        reused = max((len(v) for v in ids_by_addr.values()), default=0)
        C.check("mutexes at reused addresses: a new lock at an old address gets a new lock id",
                reused >= 2, f"  most ids at one address: {reused}; addresses: {len(ids_by_addr)}")
        same("exit() while other threads hold locks", ls, rt, tmp, [b["exit_with_locks"]])
        same("dlopen/dlclose of a library that takes locks", ls, rt, tmp,
             [b["dlopen_locks"], lib])

        jemalloc = "/usr/lib/x86_64-linux-gnu/libjemalloc.so.2"
        if C.check("libjemalloc2 installed (scripts/deps.sh)", os.path.exists(jemalloc)):
            same("jemalloc preloaded after the runtime", ls, rt, tmp, [b["lock_work"]],
                 preload_extra=[jemalloc])
            tdir = tempfile.mkdtemp(dir=tmp)
            env = traced_env(rt, tdir)
            env["LD_PRELOAD"] = jemalloc + " " + rt
            r = run([b["lock_work"]], env=env)
            C.check("jemalloc preloaded before the runtime", r.returncode == 0
                    and r.stdout == run([b["lock_work"]]).stdout
                    and analyze_all(ls, tdir)[0] == 1, r.stderr[-400:])

        # Programs built with a dynamic sanitizer runtime (gcc's default): that runtime must come
        # first in the link map, so `lockscope run` preloads it ahead of liblockscope.so.
        for san, flag in (("ASan", "-fsanitize=address"), ("TSan", "-fsanitize=thread")):
            sbin = os.path.join(tmp, "lock_work_" + san.lower())
            r = run(["cc", "-O1", "-g", "-pthread", flag, "-o", sbin,
                     os.path.join(src, "tests/e2e/programs/lock_work.c")])
            if not C.check(f"a {san}-built program compiles", r.returncode == 0, r.stderr):
                continue
            native = run([sbin, "2000"])
            out = os.path.join(tmp, san.lower() + "-out")
            r = run([ls, "run", "-o", out, "--", sbin, "2000"])
            traces = [f for f in os.listdir(out) if ".lstrace" in f] if os.path.isdir(out) else []
            C.check(f"{san} program under lockscope run: same output and exit, no warning, "
                    "one trace analyzed",
                    r.returncode == native.returncode and native.stdout in r.stdout
                    and "counter 8000" in native.stdout and len(traces) == 1
                    and "cannot" not in r.stderr and "WARNING: ThreadSanitizer" not in r.stderr
                    and "SUMMARY: lockscope: no findings" in r.stderr,
                    f"  native={native.stdout!r} exit={r.returncode} traces={traces} "
                    f"stderr={r.stderr[-600:]!r}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return C.summary()


if __name__ == "__main__":
    sys.exit(main())
