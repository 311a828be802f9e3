#!/usr/bin/env python3
"""The runtime's hot path (runtime/hot_path.h) writes the trace the general path would write.

Runs tests/e2e/programs/hot_path.c scenarios under the runtime, compiled at -O0 and -O2 (with and
without frame pointers: the hot cache re-checks the frames of the call-site key), and checks the
decoded trace (`lockscope dump --json`): one dependency record per (held set, lock, site) however
often it repeats, exact acquisition counters, new lock identities after destroy + init, the
reversed order still reported, recursive and error-checking mutexes, the owner of a mutex taken
on the hot path known to the misuse check, and a blocked thread's slot showing the lock it took
on the hot path, with that lock's call site also after condition-variable waits on it (post
mortem, after SIGKILL), also when the lock it blocks on was itself a hot-path hit.
"""
import glob
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

from hostlib import arg_parser, Checker, run, traced_env

C = Checker()


def dump(ls, trace):
    r = run([ls, "dump", "--json", trace])
    return [json.loads(l) for l in r.stdout.splitlines() if l.startswith("{")]


def of(items, kind):
    return [i for i in items if i.get("type") == kind]


def trace_run(ls, rt, prog, scenario, tmp):
    tdir = tempfile.mkdtemp(dir=tmp)
    r = run([prog, scenario], env=traced_env(rt, tdir))
    traces = glob.glob(os.path.join(tdir, "*.lstrace"))
    ok = r.returncode == 0 and len(traces) == 1
    C.check(f"{scenario}: runs and leaves one trace", ok,
            f"  exit={r.returncode} traces={traces} stderr={r.stderr[-500:]!r}")
    return (dump(ls, traces[0]), traces[0]) if ok else ([], None)


def stats_by_lock(items):
    out = {}
    for s in of(items, "lockstats"):
        out[s["lock"]] = s
    return out


def check_scenarios(ls, rt, prog, tag, tmp):
    items, _ = trace_run(ls, rt, prog, "repeat", tmp)
    acq = of(items, "acquire")
    st = stats_by_lock(items)
    C.check(f"{tag} repeat: one dependency record, 1000 acquisitions counted",
            len(acq) == 1 and st.get(acq[0]["lock"], {}).get("acquisitions") == 1000,
            f"  acquires={acq} stats={st}")

    items, _ = trace_run(ls, rt, prog, "nested", tmp)
    acq = of(items, "acquire")
    inner = [a for a in acq if a["held"]]
    st = stats_by_lock(items)
    C.check(f"{tag} nested: the inner lock's dependency once, with the outer lock held",
            len(acq) == 2 and len(inner) == 1 and len(inner[0]["held"]) == 1
            and all(s["acquisitions"] == 1000 for s in st.values()) and len(st) == 2,
            f"  acquires={acq} stats={st}")

    items, _ = trace_run(ls, rt, prog, "deep", tmp)
    acq = of(items, "acquire")
    st = stats_by_lock(items)
    depths = sorted(len(a["held"]) for a in acq)
    C.check(f"{tag} deep: each of 40 nested locks' dependency once, at its depth, each counted "
            "100 times (hot below depth 32, general path above)",
            depths == list(range(40)) and len(st) == 40
            and all(s["acquisitions"] == 100 for s in st.values()),
            f"  depths={depths} stats={[s['acquisitions'] for s in st.values()]}")

    items, _ = trace_run(ls, rt, prog, "sites", tmp)
    acq = of(items, "acquire")
    C.check(f"{tag} sites: one record per call site, each with its own stack",
            len(acq) == 2 and acq[0]["stack"] != acq[1]["stack"], f"  acquires={acq}")

    items, _ = trace_run(ls, rt, prog, "reinit", tmp)
    defs = of(items, "lockdef")
    acq = of(items, "acquire")
    st = stats_by_lock(items)
    ids = sorted({a["lock"] for a in acq})
    C.check(f"{tag} reinit: a new lock after destroy + init, each locked 100 times",
            len(defs) >= 2 and len(ids) == 2
            and [st.get(i, {}).get("acquisitions") for i in ids] == [100, 100],
            f"  lockdefs={defs} acquires={acq} stats={st}")

    items, trace = trace_run(ls, rt, prog, "order", tmp)
    acq = of(items, "acquire")
    pairs = {(a["lock"], a["held"][0]["lock"]) for a in acq if a["held"]}
    C.check(f"{tag} order: both orders recorded (A under B after 1000 B-under-A)",
            len(pairs) == 2, f"  acquires={acq}")
    if trace:
        r = run([ls, "analyze", trace])
        C.check(f"{tag} order: the analysis reports the lock-order inversion",
                r.returncode == 1 and "deadlock" in r.stdout.lower(),
                f"  exit={r.returncode} stdout={r.stdout[-800:]!r}")

    items, _ = trace_run(ls, rt, prog, "recursive", tmp)
    st = stats_by_lock(items)
    mis = of(items, "misuse")
    C.check(f"{tag} recursive: 200 acquisitions, no misuse, nothing held at exit",
            [s["acquisitions"] for s in st.values()] == [200] and not mis
            and all(not s["held"] for s in of(items, "slot")),
            f"  stats={st} misuse={mis} slots={of(items, 'slot')}")

    items, _ = trace_run(ls, rt, prog, "relock", tmp)
    mis = of(items, "misuse")
    C.check(f"{tag} relock: the second lock of a held error-checking mutex is reported",
            len(mis) == 1 and "relock" in json.dumps(mis[0]), f"  misuse={mis}")

    items, _ = trace_run(ls, rt, prog, "notowner", tmp)
    mis = of(items, "misuse")
    holder = [t["tid"] for t in of(items, "thread") if t.get("parent")]
    C.check(f"{tag} notowner: unlock by a non-owner names the owner (taken on the hot path)",
            len(mis) == 1 and "not-owner" in json.dumps(mis[0]).replace("_", "-")
            and holder and json.dumps(mis[0]).find(str(holder[0])) >= 0,
            f"  misuse={mis} threads={of(items, 'thread')}")

    items, _ = trace_run(ls, rt, prog, "rwlock", tmp)
    acq = of(items, "acquire")
    st = stats_by_lock(items)
    C.check(f"{tag} rwlock: one shared and one exclusive record, 2000 acquisitions",
            sorted(a["mode"] for a in acq) == ["exclusive", "shared"]
            and [s["acquisitions"] for s in st.values()] == [2000],
            f"  acquires={acq} stats={st}")

    items, _ = trace_run(ls, rt, prog, "contended", tmp)
    st = stats_by_lock(items)
    C.check(f"{tag} contended: every acquisition of both threads counted",
            [s["acquisitions"] for s in st.values()] == [200000], f"  stats={st}")

    check_hang(ls, rt, prog, tag, tmp, "hang")
    check_hang(ls, rt, prog, tag, tmp, "hangcond")
    check_hang_hot(ls, rt, prog, tag, tmp)


def blocked_slot(ls, rt, prog, tmp, scenario):
    """Runs `scenario` until a thread's slot shows it blocked on a lock while holding one (or
    30 s pass), kills it; returns (that slot or None, the decoded trace)."""
    tdir = tempfile.mkdtemp(dir=tmp)
    proc = subprocess.Popen([prog, scenario], env=dict(os.environ, **traced_env(rt, tdir)),
                            stdout=subprocess.DEVNULL)
    seen = None
    items = []
    deadline = time.monotonic() + 30
    try:
        while time.monotonic() < deadline and proc.poll() is None and seen is None:
            for t in glob.glob(os.path.join(tdir, "*.lstrace")):
                items = dump(ls, t)
                for s in of(items, "slot"):
                    if s.get("state") == "blocked" and s.get("wait") == "lock" and s.get("held"):
                        seen = s
            time.sleep(0.05)  # polling the trace, not ordering threads
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    return seen, items


def check_hang_hot(ls, rt, prog, tag, tmp):
    """A thread holding A blocks on B on the hot path (B under A from a known call site): its
    slot shows the wait for B and holds A only, not the B it is waiting for."""
    seen, items = blocked_slot(ls, rt, prog, tmp, "hanghot")
    acq = [x for x in of(items, "acquire") if seen and x["tid"] == seen["tid"]]
    a = [x["lock"] for x in acq if not x["held"]]
    b = [x["lock"] for x in acq if x["held"]]
    C.check(f"{tag} hanghot: the slot waits for B and holds A only",
            seen is not None and len(a) == 1 and len(b) == 1 and seen["wait_lock"] == b[0]
            and [h["lock"] for h in seen["held"]] == a,
            f"  slot={seen} acquires={acq}")


def check_hang(ls, rt, prog, tag, tmp, scenario):
    """A thread holding A (taken on the hot path) blocks on B: its slot must say so, with the
    stack of A's lock call site (hangcond: also after condvar waits gave A's held entry the wait's
    site; the hot path may reuse a held entry only while it holds what it pushed)."""
    seen, items = blocked_slot(ls, rt, prog, tmp, scenario)
    C.check(f"{tag} {scenario}: the blocked thread's slot shows the lock it holds",
            seen is not None and len(seen["held"]) == 1, f"  slot={seen}")
    if seen is None or len(seen["held"]) != 1:
        return
    held = seen["held"][0]
    acq = sorted((a for a in of(items, "acquire")
                  if a["tid"] == seen["tid"] and a["lock"] == held["lock"]),
                 key=lambda a: a["seq"])
    # Two records each: hang's warm-up site and its last lock's; hangcond's lock site and the
    # waits' reacquire (the hot path locked it last from the lock site).
    want = (acq[-1] if scenario == "hang" else acq[0]) if acq else None
    C.check(f"{tag} {scenario}: ... with the stack of its lock call site",
            want is not None and len({a["stack"] for a in acq}) == 2
            and held["stack"] == want["stack"],
            f"  held={held} acquires={acq}")


def main():
    a = arg_parser().parse_args()
    tmp = tempfile.mkdtemp(prefix="lockscope-hot-")
    try:
        src = os.path.join(a.source_dir, "tests", "e2e", "programs", "hot_path.c")
        for tag, flags in (("O0", ["-O0"]), ("O2", ["-O2"]),
                           ("O2-fp", ["-O2", "-fno-omit-frame-pointer"])):
            prog = os.path.join(tmp, "hot_path_" + tag)
            r = run(["cc", *flags, "-g", "-pthread", "-o", prog, src])
            if r.returncode != 0:
                raise SystemExit(f"cannot compile hot_path.c: {r.stderr}")
            check_scenarios(a.lockscope, a.runtime, prog, tag, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return C.summary()


if __name__ == "__main__":
    sys.exit(main())
