#!/usr/bin/env python3
"""A tiny lit-like driver (compiler-rt test/tsan style) for one sample program.

Reads the `// RUN:` lines of the sample's source, substitutes
  %lockscope  the lockscope CLI          %runtime  liblockscope.so
  %t          the built sample binary    %s        the sample source
  %S          the samples directory      %T        a fresh, empty temp dir for this test
  %python     this Python interpreter    FileCheck the FileCheck-14 binary (also %FileCheck)
and runs each line with bash. A line passes when its last command exits 0 (no pipefail, as in
lit: `lockscope run ... | FileCheck` is judged by FileCheck; exit codes are tested with `test $?`).
Every line runs under a timeout, so a hang fails the test instead of the CI run.
"""
import argparse
import os
import re
import shlex
import shutil
import subprocess
import sys

RUN_TIMEOUT_S = 90


def parse_run_lines(source):
    lines = []
    with open(source, encoding="utf-8") as f:
        for raw in f:
            m = re.match(r"\s*//\s*RUN:\s*(.*)$", raw)
            if m:
                lines.append(m.group(1).strip())
    return lines


def substitute(line, args, tmpdir):
    subs = [
        ("%lockscope", shlex.quote(args.lockscope)),
        ("%runtime", shlex.quote(args.runtime)),
        ("%python", shlex.quote(sys.executable)),
        ("%FileCheck", shlex.quote(args.filecheck)),
        ("%T", shlex.quote(tmpdir)),
        ("%S", shlex.quote(os.path.dirname(os.path.abspath(args.source)))),
        ("%s", shlex.quote(args.source)),
        ("%t", shlex.quote(args.binary)),
    ]
    for key, value in subs:
        line = line.replace(key, value)
    return re.sub(r"(^|\|\s*)FileCheck\b", lambda m: m.group(1) + shlex.quote(args.filecheck), line)


def main():
    p = argparse.ArgumentParser()
    for opt in ("source", "binary", "lockscope", "runtime", "filecheck", "tmpdir"):
        p.add_argument("--" + opt, required=True)
    args = p.parse_args()

    run_lines = parse_run_lines(args.source)
    if not run_lines:
        print(f"{args.source}: no RUN lines", file=sys.stderr)
        return 1
    shutil.rmtree(args.tmpdir, ignore_errors=True)
    os.makedirs(args.tmpdir)
    failed = 0
    for i, line in enumerate(run_lines, 1):
        cmd = substitute(line, args, args.tmpdir)
        print(f"RUN[{i}]: {cmd}", flush=True)
        try:
            proc = subprocess.run(["bash", "-c", cmd], cwd=args.tmpdir, timeout=RUN_TIMEOUT_S,
                                  stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                  errors="replace")
            out, rc = proc.stdout, proc.returncode
        except subprocess.TimeoutExpired as e:
            out, rc = (e.stdout or b"").decode("utf-8", "replace") if isinstance(e.stdout, bytes) \
                else (e.stdout or ""), "timeout"
        if out:
            print(out, end="" if out.endswith("\n") else "\n")
        if rc != 0:
            print(f"RUN[{i}] FAILED (exit {rc})", flush=True)
            failed += 1
    print(f"{len(run_lines) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
