#!/usr/bin/env python3
"""--suppressions FILE end to end: on the AB-BA sample, a rule by lock name, by function (with its
kind) and by file drops the finding; the summary counts it, -v and JSON name the rule and line;
`run` then exits with the program's own status even with --error-exitcode. A rule that matches
nothing changes nothing. An unreadable or malformed file is one error line (with the line number)
and exit 2, before the program runs.
"""
import json
import os
import shutil
import sys
import tempfile

from hostlib import arg_parser, Checker, run

C = Checker()


def write(path, text):
    with open(path, "w") as f:
        f.write(text)
    return path


def main():
    a = arg_parser().parse_args()
    ls = a.lockscope
    sample = os.path.join(a.build_dir, "samples", "abba_mutex")
    tmp = tempfile.mkdtemp(prefix="lockscope-supp-")
    try:
        tdir = os.path.join(tmp, "traces")
        r = run([ls, "run", "-o", tdir, "--", sample])
        C.check("baseline: the AB-BA sample is reported", "lock-order-inversion" in r.stderr
                and "1 lock-order-inversion" in r.stderr, r.stderr[-2000:])

        for name, rules in [
                ("lock name", "# the audit lock is known\nlock:g_audit_mu\n"),
                ("kind + function", "lock-order-inversion:fun:Audit*   # BUG-1\n"),
                ("file glob", "file:*/samples/abba_mutex.cpp\n"),
                ("TSan style kind:pattern", "deadlock:g_accounts_mu\n")]:
            supp = write(os.path.join(tmp, "supp.txt"), rules)
            r = run([ls, "analyze", "--suppressions", supp, tdir])
            C.check(f"analyze: {name} rule suppresses the finding (exit 0, counted)",
                    r.returncode == 0 and "WARNING" not in r.stdout
                    and "no findings in 1 process (1 finding suppressed by rules; --verbose lists "
                        "them)" in r.stdout,
                    f"  rc={r.returncode}\n{r.stdout[-1500:]}{r.stderr}")

        supp = write(os.path.join(tmp, "supp.txt"), "\n\nlock:g_audit_mu\n")
        r = run([ls, "analyze", "-v", "--suppressions", supp, tdir])
        C.check("-v lists the suppressed finding with its rule and line",
                "1 finding suppressed by rules:" in r.stdout
                and f"rule 'lock:g_audit_mu' ({supp}:3) matched lock g_audit_mu" in r.stdout,
                r.stdout[-1500:])
        r = run([ls, "analyze", "--format", "json", "--suppressions", supp, tdir])
        doc = json.loads(r.stdout) if r.stdout.startswith("{") else {}
        sup = doc.get("suppressed_by_rules", [])
        C.check("JSON: finding moved to suppressed_by_rules with the rule",
                r.returncode == 0 and doc.get("findings") == [] and len(sup) == 1
                and sup[0]["kind"] == "lock-order-cycle"
                and sup[0]["rule"] == {"text": "lock:g_audit_mu", "file": supp, "line": 3}
                and doc["summary"]["suppressed_by_rules"] == 1, r.stdout[:1500])

        r = run([ls, "run", "-o", os.path.join(tmp, "t2"), "--error-exitcode", "66",
                 "--suppressions", supp, "--", sample])
        C.check("run: suppressed findings do not trigger --error-exitcode",
                r.returncode == 0 and "1 finding suppressed by rules" in r.stderr,
                f"  rc={r.returncode}\n{r.stderr[-1500:]}")

        other = write(os.path.join(tmp, "other.txt"), "lock:no_such_lock\nfun:*NoSuch*\n")
        r = run([ls, "analyze", "--suppressions", other, tdir])
        C.check("rules that match nothing leave the finding", r.returncode == 1
                and "1 lock-order-inversion" in r.stdout and "suppressed by rules" not in r.stdout,
                r.stdout[-800:])

        bad = write(os.path.join(tmp, "bad.txt"), "lock:g_audit_mu\n# ok\nlock-order:fun:x\n")
        marker = os.path.join(tmp, "ran")
        for cmd in ([ls, "analyze", "--suppressions", bad, tdir],
                    [ls, "run", "-o", os.path.join(tmp, "t3"), "--suppressions", bad, "--",
                     "/bin/sh", "-c", f"touch {marker}"]):
            r = run(cmd)
            lines = r.stderr.strip().splitlines()
            C.check(f"{cmd[1]}: malformed file -> one error line naming line 3, exit 2",
                    r.returncode == 2 and len(lines) == 1
                    and lines[0].startswith(f"lockscope: error: {bad}:3: unknown kind or field "
                                            "'lock-order'")
                    and not os.path.exists(marker), f"  rc={r.returncode}\n{r.stderr}")
        r = run([ls, "analyze", "--suppressions", os.path.join(tmp, "missing.txt"), tdir])
        C.check("missing file -> one error line, exit 2", r.returncode == 2
                and r.stderr.strip() == f"lockscope: error: {tmp}/missing.txt: cannot read "
                                        "suppressions: No such file or directory", r.stderr)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return C.summary()


if __name__ == "__main__":
    sys.exit(main())
