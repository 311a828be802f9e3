#!/usr/bin/env python3
"""max_lock_instances: a server that gives each request an object with its own mutex
(tests/e2e/programs/churn.c: malloc, pthread_mutex_init, lock under a table lock, destroy, free)
keeps a small trace under the runtime, says once on stderr that it stopped tracing new locks of
that init site, and the report names the site. With max_lock_instances=0 every instance is
traced again (the trace grows with the requests). An AB-BA among the first, traced instances of
the site is still reported. No timing assertions.
"""
import glob
import json
import os
import shutil
import tempfile

from hostlib import arg_parser, BAD_STDERR, Checker, compile_c, run, traced_env

C = Checker()
MB = 1 << 20


def init_line(src):
    """The line of churn.c's pthread_mutex_init (marked "the init site")."""
    with open(os.path.join(src, "tests/e2e/programs/churn.c")) as f:
        for n, line in enumerate(f, 1):
            if "the init site" in line and "pthread_mutex_init" in line:
                return n
    raise SystemExit("churn.c: no init site line")


def traced(rt, tmp, argv, options=None):
    """(completed run, trace path or None, lockscope stderr lines)."""
    tdir = tempfile.mkdtemp(dir=tmp)
    r = run(argv, env=traced_env(rt, tdir, options=options))
    traces = sorted(glob.glob(os.path.join(tdir, "*.lstrace")))
    lines = [l for l in r.stderr.splitlines() if l.startswith("lockscope")]
    return r, (traces[0] if len(traces) == 1 else None), lines


def main():
    a = arg_parser().parse_args()
    ls, rt = a.lockscope, a.runtime
    tmp = tempfile.mkdtemp(prefix="lockscope-cap-")
    try:
        churn = compile_c(a.source_dir, tmp, "churn")
        site = f"new_obj churn.c:{init_line(a.source_dir)}"
        warning = (f"more than 4096 mutexes initialised at {site} were destroyed: later ones "
                   "were not traced (max_lock_instances=4096)")

        r, capped, lines = traced(rt, tmp, [churn, "100000"])
        C.check("100 000 requests: the program runs as without the runtime",
                r.returncode == 0 and r.stdout == "100000 requests\n"
                and not any(b in r.stderr for b in BAD_STDERR), r.stderr[-600:])
        C.check("100 000 requests: one lockscope line on stderr, naming the option",
                len(lines) == 1 and "max_lock_instances" in lines[0], f"  lines={lines}")
        capped_size = os.path.getsize(capped) if capped else 0
        C.check("100 000 requests: one trace, smaller than 6 MB",
                capped is not None and capped_size < 6 * MB, f"  trace={capped} {capped_size}")
        if capped:
            rep = run([ls, "analyze", capped])
            C.check("100 000 requests: no finding, and the report names the capped init site",
                    rep.returncode == 0 and warning in rep.stdout + rep.stderr,
                    f"  exit={rep.returncode}\n  want {warning!r}\n"
                    f"  stdout={rep.stdout[-800:]!r}\n  stderr={rep.stderr[-800:]!r}")
            js = run([ls, "analyze", "--format", "json", capped])
            warnings = [w for t in json.loads(js.stdout).get("traces", [])
                        for w in t.get("warnings", [])] if js.returncode == 0 else []
            C.check("100 000 requests: the JSON report carries the warning",
                    any(warning in w for w in warnings), f"  warnings={warnings}")

        # The old behaviour on request: every instance traced, so the trace grows with the
        # requests (10 000 of them already outgrow 100 000 capped ones).
        r, full, lines = traced(rt, tmp, [churn, "10000"], options="max_lock_instances=0")
        full_size = os.path.getsize(full) if full else 0
        C.check("max_lock_instances=0, 10 000 requests: a bigger trace than 100 000 capped ones",
                r.returncode == 0 and full is not None and full_size > capped_size > 0,
                f"  uncapped={full_size} capped={capped_size} exit={r.returncode}")
        C.check("max_lock_instances=0: nothing said on stderr", not lines, f"  lines={lines}")
        if full:
            rep = run([ls, "analyze", full])
            C.check("max_lock_instances=0: no capped-site warning in the report",
                    rep.returncode == 0 and "max_lock_instances" not in rep.stdout + rep.stderr,
                    f"  exit={rep.returncode} stdout={rep.stdout[-600:]!r}")

        # Detection unchanged among the traced instances: the first two objects of the site, in
        # both orders, then 100 000 requests that go over the cap.
        r, abba, lines = traced(rt, tmp, [churn, "100000", "abba"])
        C.check("AB-BA among traced instances: the program runs", r.returncode == 0,
                r.stderr[-600:])
        if abba:
            rep = run([ls, "analyze", abba])
            out = rep.stdout + rep.stderr
            C.check("AB-BA among traced instances: reported, with the capped-site warning",
                    rep.returncode == 1 and "lock-order-inversion" in out
                    and f"created at {site}" in out and warning in out,
                    f"  exit={rep.returncode}\n  stdout={rep.stdout[-1500:]!r}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return C.summary()


if __name__ == "__main__":
    raise SystemExit(main())
