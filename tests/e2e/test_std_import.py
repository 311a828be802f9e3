#!/usr/bin/env python3
"""STD trace import end to end (`lockscope analyze --input-format std`, or a *.std name): the
AB-BA trace is reported with its Java sites, the fork/join-ordered inversions are silent, the
wait/notify nested-monitor cycle is reported and its fixed twin is silent, a bad line is one error
line naming the line (exit 2) while the events before it are still analyzed, and suppressions
apply to imported traces too.
"""
import json
import os
import shutil
import sys
import tempfile

from hostlib import arg_parser, Checker, run

C = Checker()


def main():
    a = arg_parser().parse_args()
    ls = a.lockscope
    data = os.path.join(a.source_dir, "tests", "data", "std")
    tmp = tempfile.mkdtemp(prefix="lockscope-std-")
    try:
        # A name without .std: the format must be given.
        plain = os.path.join(tmp, "abba.txt")
        shutil.copy(os.path.join(data, "abba.std"), plain)
        r = run([ls, "analyze", "--input-format", "std", plain])
        C.check("abba: lock-order inversion with lock names and Java sites", r.returncode == 1
                and "Cycle in lock order graph: M0 (A) => M1 (B) => M0" in r.stdout
                and "Bank.java:22" in r.stdout and "Audit.java:41" in r.stdout
                and "1 lock-order-inversion" in r.stdout, r.stdout + r.stderr)
        r = run([ls, "analyze", plain])
        C.check("without --input-format a text file is not read as a lockscope trace",
                r.returncode == 2 and r.stderr.startswith(f"lockscope: error: {plain}: "), r.stderr)

        for name, rc, needle in [
                ("fork_join_ordered.std", 0, "no findings in 1 process (2 suppressed candidates"),
                ("reentrant.std", 0, "no findings in 1 process (1 suppressed candidate"),
                ("wait_notify.std", 1, "1 lock-order-inversion"),
                ("wait_notify_fixed.std", 0, "no findings in 1 process"),
                ("hung.std", 1, "Thread T1 is blocked at loc 11 acquiring B, held by thread T2")]:
            r = run([ls, "analyze", os.path.join(data, name)])
            C.check(f"{name}: exit {rc}, '{needle}'", r.returncode == rc and needle in r.stdout
                    and r.stderr == "", f"  rc={r.returncode}\n{r.stdout}{r.stderr}")

        r = run([ls, "analyze", "-v", os.path.join(data, "fork_join_ordered.std")])
        C.check("-v says why the ordered inversions are not reported",
                r.stdout.count("[happens-before]") == 2, r.stdout)

        bad = os.path.join(data, "bad_line.std")
        r = run([ls, "analyze", bad])
        lines = r.stderr.strip().splitlines()
        C.check("bad line: one error line naming it, exit 2", r.returncode == 2 and len(lines) == 1
                and lines[0].startswith(f"lockscope: error: {bad}:9: unknown operation 'lock(C)'"),
                f"  rc={r.returncode}\n{r.stderr}")
        C.check("bad line: the events before it are analyzed and the report says so",
                "Cycle in lock order graph" in r.stdout
                and "read stopped at line 9" in r.stdout, r.stdout)

        supp = os.path.join(tmp, "supp.txt")
        with open(supp, "w") as f:
            f.write("file:Audit.java\n")
        r = run([ls, "analyze", "--format", "json", "--suppressions", supp,
                 os.path.join(data, "abba.std")])
        doc = json.loads(r.stdout) if r.stdout.startswith("{") else {}
        C.check("suppressions apply to STD traces", r.returncode == 0
                and len(doc.get("suppressed_by_rules", [])) == 1
                and doc["suppressed_by_rules"][0]["matched"] == "file Audit.java", r.stdout[:800])
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return C.summary()


if __name__ == "__main__":
    sys.exit(main())
