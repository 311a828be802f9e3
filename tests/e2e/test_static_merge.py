#!/usr/bin/env python3
"""`lockscope analyze/run --static FINDINGS.json`: dynamic findings meet the source's (issue #6).

1. broadcast/Deregister where the run never takes the error path (samples/static/
   broadcast_deregister.cpp, built here): no dynamic finding, the static rwlock-upgrade is listed
   as found in the source only, in text and JSON, and drawn dashed ("static only") in the SVG.
2. The fixed twin: static finds nothing, nothing is listed.
3. samples/rwlock_broadcast_deregister (the run takes the error path and hangs): the dynamic
   rwlock-upgrade is marked confirmed by source.
4. A file that is not a lockscope JSON report: one error line, exit 2.
"""
import json
import os
import subprocess
import sys
import tempfile

from hostlib import arg_parser

FAILED = 0


def check(name, ok, detail=""):
    global FAILED
    print(("ok   " if ok else "FAIL ") + name)
    if not ok:
        FAILED += 1
        if detail:
            print(detail)


def run(cmd):
    return subprocess.run(cmd, capture_output=True, text=True, timeout=240)


def main():
    a = arg_parser().parse_args()
    ls, src = a.lockscope, a.source_dir
    tmp = tempfile.mkdtemp(prefix="lockscope-static-merge-")
    for name in ("broadcast_deregister", "broadcast_deregister_fixed"):
        source = os.path.join(src, "samples/static", name + ".cpp")
        binary = os.path.join(tmp, name)
        r = run(["c++", "-g", "-O0", "-std=c++17", "-pthread", "-o", binary, source])
        if not check(f"{name} builds", r.returncode == 0, r.stderr):
            continue
        findings = os.path.join(tmp, name + ".json")
        r = run([ls, "static", "--format", "json", "-o", findings, source, "--", "-std=c++17"])
        check(f"{name}: lockscope static wrote JSON", os.path.exists(findings), r.stderr)
        svg = os.path.join(tmp, name + ".svg")
        r = run([ls, "run", "-o", os.path.join(tmp, name + "-trace"), "--static", findings,
                 "--svg", svg, "--", binary])
        r2 = run([ls, "analyze", "--format", "json", "--static", findings,
                  os.path.join(tmp, name + "-trace")])
        doc = json.loads(r2.stdout) if r2.returncode in (0, 1) and r2.stdout else {}
        static_only = doc.get("static_only", None)
        svg_text = open(svg).read() if os.path.exists(svg) else ""
        if name.endswith("_fixed"):
            check("fixed twin: no finding, nothing static-only",
                  "SUMMARY: lockscope: no findings" in r.stderr and "source only" not in r.stderr
                  and static_only == [] and doc.get("findings") == [],
                  f"stderr={r.stderr[-800:]!r} json={r2.stdout[:400]!r}")
        else:
            check("error path never run: no dynamic finding, the upgrade found in the source only",
                  "SUMMARY: lockscope: no findings in 1 process (1 static finding in the source only)"
                  in r.stderr and "rwlock-upgrade on chat::Hub::mu_" in r.stderr,
                  r.stderr[-800:])
            check("JSON lists it under static_only",
                  isinstance(static_only, list) and len(static_only) == 1
                  and "broadcast_deregister.cpp:37" in static_only[0], r2.stdout[:800])
            check("the SVG draws the static-only edge dashed",
                  "static only" in svg_text and 'stroke-dasharray' in svg_text, svg[:200])
    # The same pattern when the run takes the error path (it hangs; --timeout ends it).
    source = os.path.join(src, "samples/rwlock_broadcast_deregister.cpp")
    findings = os.path.join(tmp, "rw.json")
    run([ls, "static", "--format", "json", "-o", findings, source, "--", "-std=c++17",
         "-I" + os.path.join(src, "samples")])
    r = run([ls, "run", "-o", os.path.join(tmp, "rw-trace"), "--timeout", "3", "--static",
             findings, "--", os.path.join(a.build_dir, "samples/rwlock_broadcast_deregister")])
    check("a dynamic upgrade the source also shows is confirmed by source",
          "Confirmed by source (lockscope static): rwlock-upgrade on Hub::mu_" in r.stderr
          and "(1 confirmed by source)" in r.stderr, r.stderr[-1200:])
    bad = os.path.join(tmp, "bad.json")
    with open(bad, "w") as f:
        f.write('{"not": "a report"}')
    r = run([ls, "analyze", "--static", bad, os.path.join(tmp, "rw-trace")])
    check("a JSON file that is not a lockscope report: one error line, exit 2",
          r.returncode == 2 and r.stderr.count("\n") == 1 and "no \"findings\" array" in r.stderr,
          f"exit={r.returncode} stderr={r.stderr!r}")
    print(f"{'FAILED' if FAILED else 'passed'}")
    return 1 if FAILED else 0


if __name__ == "__main__":
    sys.exit(main())
