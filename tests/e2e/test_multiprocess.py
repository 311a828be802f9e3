#!/usr/bin/env python3
"""Multi-process runs: `lockscope run -- ctest -j2` (a hand-written CTestTestfile.cmake running
the AB-BA sample and its fixed twin) and `lockscope run -- sh -c '...'` write one trace per
process, analyzed together with one report section per process; --only/--exclude choose the
traced executables by glob (the others run untraced, their children still judged on their own);
a filter that matches nothing is a note, not an error.
"""
import os
import shutil
import sys
import tempfile

from hostlib import arg_parser, Checker, run

C = Checker()


def traces(d):
    return sorted(f.split(".")[0] for f in os.listdir(d) if ".lstrace" in f)


def main():
    a = arg_parser().parse_args()
    ls = a.lockscope
    abba = os.path.join(a.build_dir, "samples", "abba_mutex")
    fixed = os.path.join(a.build_dir, "samples", "abba_mutex_fixed")
    shell = os.path.basename(os.path.realpath("/bin/sh"))  # dash on Debian
    tmp = tempfile.mkdtemp(prefix="lockscope-multi-")
    try:
        script = f"{abba} && {fixed}"
        d = os.path.join(tmp, "all")
        r = run([ls, "run", "-o", d, "--", "/bin/sh", "-c", script])
        C.check("sh + two programs: one trace per process",
                traces(d) == sorted(["abba_mutex", "abba_mutex_fixed", shell]), repr(traces(d)))
        C.check("one section per process, the finding under its own process",
                r.stderr.count("--- process ") == 3
                and f"({abba}): 1 finding ---" in r.stderr
                and f"({fixed}): no findings ---" in r.stderr
                and "1 lock-order-inversion, 0 other findings in 3 processes" in r.stderr,
                r.stderr[-3000:])
        sec = r.stderr.find(f"({abba}): 1 finding ---")
        C.check("the AB-BA report follows its section header",
                sec >= 0 and r.stderr.find("WARNING: lockscope: lock-order-inversion", sec) > sec,
                r.stderr[-3000:])

        d = os.path.join(tmp, "only")
        r = run([ls, "run", "-o", d, "--only", "abba_*", "--", "/bin/sh", "-c", script])
        C.check("--only 'abba_*': the shell is not traced, its children are",
                traces(d) == ["abba_mutex", "abba_mutex_fixed"]
                and "in 2 processes" in r.stderr, repr(traces(d)) + r.stderr[-500:])
        d = os.path.join(tmp, "exclude")
        r = run([ls, "run", "-o", d, "--exclude", f"{shell},*_fixed", "--", "/bin/sh", "-c",
                 script])
        C.check("--exclude 'SHELL,*_fixed': only the AB-BA program is traced",
                traces(d) == ["abba_mutex"] and "in 1 process" in r.stderr
                and "--- process" not in r.stderr, repr(traces(d)) + r.stderr[-500:])
        d = os.path.join(tmp, "path")
        r = run([ls, "run", "-o", d, "--only", f"{os.path.dirname(abba)}/*", "--", "/bin/sh",
                 "-c", script])
        C.check("a glob with '/' matches the full path", traces(d) == ["abba_mutex",
                                                                      "abba_mutex_fixed"],
                repr(traces(d)))
        d = os.path.join(tmp, "none")
        r = run([ls, "run", "-o", d, "--only", "no_such_program", "--", "/bin/sh", "-c",
                 "exit 3"])
        C.check("a filter that matches nothing: a note and the program's status",
                r.returncode == 3 and traces(d) == []
                and "no process matched --only/--exclude" in r.stderr, r.stderr)

        if shutil.which("ctest"):
            proj = os.path.join(tmp, "ctest")
            os.makedirs(proj)
            with open(os.path.join(proj, "CTestTestfile.cmake"), "w") as f:
                f.write(f'add_test(abba "{abba}")\nadd_test(fixed "{fixed}")\n')
            d = os.path.join(tmp, "ctest-traces")
            r = run([ls, "run", "-o", d, "--only", "abba_*", "--", "ctest", "-j2"], cwd=proj)
            C.check("lockscope run -- ctest -j2: both tests traced, ctest itself not",
                    r.returncode == 0 and traces(d) == ["abba_mutex", "abba_mutex_fixed"]
                    and "100% tests passed" in r.stdout, r.stdout + r.stderr[-1500:])
            C.check("ctest run: the AB-BA is reported in its own section",
                    f"({abba}): 1 finding ---" in r.stderr
                    and "lock-order-inversion" in r.stderr, r.stderr[-2000:])
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return C.summary()


if __name__ == "__main__":
    sys.exit(main())
