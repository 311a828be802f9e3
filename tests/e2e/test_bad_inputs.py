#!/usr/bin/env python3
"""Bad input gets one clear line naming the problem and a non-zero exit, never a crash.

Covers the foundation's list: missing PROG, a statically linked PROG, a non-executable PROG, a
directory / empty file / wrong magic / truncated trace, an unwritable output path, an unknown
option. A truncated trace is still analyzed ("whatever part is readable").
"""
import os
import shutil
import subprocess
import sys
import tempfile

from hostlib import arg_parser

PASSED = 0
FAILED = 0


def run(cmd, **kw):
    return subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                          errors="replace", timeout=60, **kw)


def check(name, cond, detail=""):
    global PASSED, FAILED
    if cond:
        PASSED += 1
        print(f"ok   {name}")
    else:
        FAILED += 1
        print(f"FAIL {name}\n{detail}")


def one_line_error(name, r, expect_code, needle):
    err = r.stderr.strip()
    lines = [l for l in err.splitlines() if l.strip()]
    ok = (r.returncode == expect_code and len(lines) >= 1 and needle.lower() in err.lower()
          and "terminate called" not in err and "Segmentation" not in err and len(lines) <= 3)
    check(name, ok, f"  exit={r.returncode} (want {expect_code})\n  stderr={err!r}")


def main():
    a = arg_parser().parse_args()
    ls = a.lockscope
    tmp = tempfile.mkdtemp(prefix="lockscope-bad-")
    try:
        one_line_error("run: missing program", run([ls, "run", "--", os.path.join(tmp, "nope")]),
                       2, "nope")
        one_line_error("run: no program at all", run([ls, "run"]), 2, "")
        one_line_error("unknown option", run([ls, "analyze", "--no-such-option", "x"]), 2,
                       "no-such-option")
        one_line_error("unknown subcommand", run([ls, "frobnicate"]), 2, "frobnicate")

        notexec = os.path.join(tmp, "notexec")
        with open(notexec, "w") as f:
            f.write("#!/bin/sh\nexit 0\n")
        os.chmod(notexec, 0o644)
        one_line_error("run: non-executable program", run([ls, "run", "--", notexec]), 2,
                       "notexec")
        one_line_error("run: a directory as program", run([ls, "run", "--", tmp]), 2, tmp)

        csrc = os.path.join(tmp, "static.c")
        with open(csrc, "w") as f:
            f.write("int main(void) { return 0; }\n")
        static_bin = os.path.join(tmp, "static_prog")
        if run(["cc", "-static", "-o", static_bin, csrc]).returncode == 0:
            one_line_error("run: statically linked program", run([ls, "run", "--", static_bin]),
                           2, "static")
        else:
            check("run: statically linked program (cc -static unavailable)", False)

        one_line_error("analyze: directory without traces", run([ls, "analyze", tmp]), 2, tmp)
        empty = os.path.join(tmp, "empty.lstrace")
        open(empty, "w").close()
        one_line_error("analyze: empty file", run([ls, "analyze", empty]), 2, "empty")
        junk = os.path.join(tmp, "junk.lstrace")
        with open(junk, "wb") as f:
            f.write(b"this is not a trace at all" * 400)
        one_line_error("analyze: wrong magic", run([ls, "analyze", junk]), 2, "magic")
        one_line_error("dump: wrong magic", run([ls, "dump", junk]), 2, "magic")
        one_line_error("analyze: missing file", run([ls, "analyze", os.path.join(tmp, "none")]),
                       2, "none")

        # A real trace, then cut in the middle: still analyzed, the report says it is partial.
        sample = os.path.join(a.build_dir, "samples", "abba_mutex")
        tdir = os.path.join(tmp, "trace")
        r = run([ls, "run", "-o", tdir, "--", sample])
        traces = sorted(os.listdir(tdir)) if os.path.isdir(tdir) else []
        check("run: wrote a trace", r.returncode == 0 and len(traces) == 1, r.stderr)
        if traces:
            full = os.path.join(tdir, traces[0])
            data = open(full, "rb").read()
            cut = os.path.join(tmp, "cut.lstrace")
            # Cut inside the last chunk that holds data: past the header + slots, mid-records.
            last = len(data.rstrip(b"\0"))
            with open(cut, "wb") as f:
                f.write(data[: max(4096 * 2, last - 40)])
            r = run([ls, "analyze", cut])
            check("analyze: truncated trace is analyzed and said to be partial",
                  r.returncode in (0, 1) and ("truncat" in (r.stdout + r.stderr).lower()
                                              or "lost" in (r.stdout + r.stderr).lower()),
                  f"  exit={r.returncode}\n  out={r.stdout[-800:]}\n  err={r.stderr[-800:]}")
            with open(cut, "wb") as f:
                f.write(data[:100])
            one_line_error("analyze: trace cut inside the header", run([ls, "analyze", cut]), 2,
                           "cut.lstrace")

            # A path under a regular file: unwritable even for root (CI runs as root).
            out = os.path.join(junk, "report.txt")
            one_line_error("analyze: unwritable output path", run([ls, "analyze", "-o", out, full]),
                           2, out)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"{PASSED} passed, {FAILED} failed")
    return 1 if FAILED else 0


if __name__ == "__main__":
    sys.exit(main())
