"""Shared helpers of the e2e test scripts (first those of the host-program-safety and
resource-fault tests, issue #8).

Each case compiles a small program from tests/e2e/programs/, runs it natively and under the
preloaded runtime, and compares stdout and the exit status; the traces written must be readable
by `lockscope analyze` (exit 0 = no findings, 1 = findings; never 2, 3 or a signal).
"""
import argparse
import glob
import os
import subprocess

BAD_STDERR = ("terminate called", "Segmentation", "AddressSanitizer", "runtime error:")


def arg_parser():
    """The options tests/e2e/CMakeLists.txt gives every script; a script adds its own to it."""
    ap = argparse.ArgumentParser()
    for opt in ("--build-dir", "--source-dir", "--lockscope", "--runtime"):
        ap.add_argument(opt, required=True)
    return ap


class Checker:
    def __init__(self):
        self.passed = 0
        self.failed = 0

    def check(self, name, cond, detail=""):
        if cond:
            self.passed += 1
            print(f"ok   {name}", flush=True)
        else:
            self.failed += 1
            print(f"FAIL {name}\n{detail}", flush=True)
        return cond

    def summary(self):
        print(f"{self.passed} passed, {self.failed} failed")
        return 1 if self.failed else 0


def run(cmd, env=None, timeout=120, **kw):
    full = dict(os.environ)
    full.update(env or {})
    return subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                          errors="replace", env=full, timeout=timeout, **kw)


def compile_c(src_dir, tmp, name, extra=()):
    out = os.path.join(tmp, name)
    cmd = ["cc", "-O1", "-g", "-pthread", "-o", out,
           os.path.join(src_dir, "tests/e2e/programs", name + ".c"), *extra]
    r = run(cmd)
    if r.returncode != 0:
        raise SystemExit(f"cannot compile {name}: {r.stderr}")
    return out


def traced_env(runtime, trace_dir, preload_extra=(), options=None):
    env = {"LD_PRELOAD": " ".join([runtime, *preload_extra]),
           "LOCKSCOPE_TRACE": os.path.join(trace_dir, "%e.%p.lstrace")}
    if options:
        env["LOCKSCOPE_OPTIONS"] = options
    return env


def analyze_all(lockscope, trace_dir, pattern="*.lstrace"):
    """(number of traces, list of (trace, exit, stderr tail) that were not analyzable)."""
    traces = sorted(glob.glob(os.path.join(trace_dir, pattern)))
    bad = []
    for t in traces:
        r = run([lockscope, "analyze", "--format", "json", t])
        if r.returncode not in (0, 1) or any(b in r.stderr for b in BAD_STDERR):
            bad.append((os.path.basename(t), r.returncode, r.stderr[-400:]))
    return len(traces), bad
