#!/usr/bin/env python3
"""`--format sarif` output validates against the published SARIF 2.1.0 JSON schema.

The schema is checked in as tests/data/sarif/sarif-schema-2.1.0.json (see the README there for
where it comes from) and applied with python3-jsonschema. If jsonschema is unavailable the test
FAILS (no silent skip): a CI without it must be fixed (scripts/deps.sh installs it).

Reports checked: static samples (rwlock upgrade, a cycle through calls), a live run of the ABBA
sample (also built from a relative source path, as a Makefile would: its locations must still be
absolute file:// URIs) and of a thread pool that leaks its workers, and a static sample whose
file name is hostile (markup, quotes, &, invalid UTF-8).
Besides the schema: one rule per finding kind with help text, results with file:// locations and
line numbers, and for the cycle a codeFlow with one threadFlow per edge.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

from hostlib import arg_parser

PASSED = 0
FAILED = 0
SCHEMA = os.path.join("tests", "data", "sarif", "sarif-schema-2.1.0.json")


def run(cmd, **kw):
    return subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=240, **kw)


def check(name, cond, detail=""):
    global PASSED, FAILED
    if cond:
        PASSED += 1
        print(f"ok   {name}")
    else:
        FAILED += 1
        print(f"FAIL {name}\n{detail}")


def validate(name, sarif_bytes, validator):
    try:
        doc = json.loads(sarif_bytes.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        check(f"{name}: parses as UTF-8 JSON", False, str(e))
        return None
    errors = sorted(validator.iter_errors(doc), key=lambda e: list(e.path))
    check(f"{name}: valid SARIF 2.1.0", not errors,
          "\n".join(f"  {list(e.path)}: {e.message}" for e in errors[:10]))
    return doc


def check_rules(name, doc):
    rules = doc["runs"][0]["tool"]["driver"]["rules"]
    ids = [r["id"] for r in rules]
    check(f"{name}: a rule per finding kind", len(ids) == len(set(ids)) and
          {"lock-order-cycle", "rwlock-upgrade", "recursive-read-hazard", "data-race"} <= set(ids),
          str(ids))
    check(f"{name}: every rule has help text", all(r.get("help", {}).get("text") for r in rules))
    for res in doc["runs"][0]["results"]:
        check(f"{name}: ruleIndex matches ruleId", ids[res["ruleIndex"]] == res["ruleId"])


def first_location(result):
    return result["locations"][0]["physicalLocation"]


def static_sarif(ls, src, out):
    return run([ls, "static", src, "--format", "sarif", "-o", out, "--", "-std=c++17"])


def check_upgrade(ls, source_dir, tmp, validator):
    src = os.path.join(source_dir, "samples", "static", "broadcast_deregister.cpp")
    out = os.path.join(tmp, "upgrade.sarif")
    r = static_sarif(ls, src, out)
    check("static upgrade: exit 1 (findings)", r.returncode == 1, r.stderr.decode(errors="replace"))
    doc = validate("static upgrade", open(out, "rb").read(), validator)
    if doc is None:
        return
    check_rules("static upgrade", doc)
    results = [x for x in doc["runs"][0]["results"] if x["ruleId"] == "rwlock-upgrade"]
    check("static upgrade: one rwlock-upgrade result", len(results) == 1, json.dumps(results)[:500])
    if results:
        loc = first_location(results[0])
        check("static upgrade: location is file:// + line",
              loc["artifactLocation"]["uri"] == "file://" + src and
              loc["region"]["startLine"] > 0, json.dumps(loc))


def compile_relative(source_dir, tmp):
    """abba_mutex built as `c++ -g ../../x/samples/abba_mutex.cpp` (as a Makefile would): its
    DWARF names the file relative to the compilation directory."""
    work = os.path.realpath(os.path.join(tmp, "rel"))  # real paths: the compiler's getcwd()
    os.makedirs(work)
    src = os.path.realpath(os.path.join(source_dir, "samples", "abba_mutex.cpp"))
    out = os.path.join(work, "abba_mutex")
    r = run(["c++", "-O0", "-g", "-pthread", "-std=c++17", "-o", out, os.path.relpath(src, work)],
            cwd=work)
    check("relative build: compiles", r.returncode == 0, r.stderr.decode(errors="replace"))
    return out if r.returncode == 0 else None


def check_cycle(ls, build_dir, source_dir, tmp, validator):
    check_cycle_of(ls, os.path.join(build_dir, "samples", "abba_mutex"), "run abba", None, tmp,
                   validator)
    relative = compile_relative(source_dir, tmp)
    if relative:
        src = os.path.realpath(os.path.join(source_dir, "samples", "abba_mutex.cpp"))
        check_cycle_of(ls, relative, "relative build", "file://" + src, tmp, validator)


def check_cycle_of(ls, sample, label, want_uri, tmp, validator):
    """The cycle of `sample` in SARIF; want_uri: the exact file URI every threadFlow must name
    (None: any file:// URI ending in abba_mutex.cpp)."""
    out = os.path.join(tmp, label.replace(" ", "_") + ".sarif")
    r = run([ls, "run", "--error-exitcode", "1", "--format", "sarif", "--report", out, "-o",
             os.path.join(tmp, label.replace(" ", "_") + "_tr"), "--", sample])
    check(f"{label}: exit 1 (findings)", r.returncode == 1, r.stderr.decode(errors="replace"))
    if not os.path.exists(out):
        check(f"{label}: wrote the SARIF report", False)
        return
    doc = validate(label, open(out, "rb").read(), validator)
    if doc is None:
        return
    cycles = [x for x in doc["runs"][0]["results"] if x["ruleId"] == "lock-order-cycle"]
    check(f"{label}: one lock-order-cycle result", len(cycles) == 1)
    if cycles:
        flows = cycles[0].get("codeFlows", [{}])[0].get("threadFlows", [])
        check(f"{label}: one threadFlow per edge of the cycle", len(flows) == 2, json.dumps(flows)[:800])
        uris = {l["location"]["physicalLocation"]["artifactLocation"]["uri"]
                for f in flows for l in f["locations"]}
        if want_uri is None:
            check(f"{label}: threadFlows point into abba_mutex.cpp",
                  any(u.startswith("file://") and u.endswith("abba_mutex.cpp") for u in uris),
                  str(uris))
        else:
            check(f"{label}: threadFlows name the source by its absolute path",
                  want_uri in uris and
                  all(u == want_uri for u in uris if u.endswith("abba_mutex.cpp")), str(uris))


def check_leak(ls, build_dir, tmp, validator):
    sample = os.path.join(build_dir, "samples", "thread_pool_no_wakeup_at_shutdown")
    out = os.path.join(tmp, "leak.sarif")
    r = run([ls, "run", "--error-exitcode", "1", "--format", "sarif", "--report", out, "-o",
             os.path.join(tmp, "leak"), "--", sample])
    check("run leak: exit 1 (findings)", r.returncode == 1, r.stderr.decode(errors="replace"))
    if not os.path.exists(out):
        check("run leak: wrote the SARIF report", False)
        return
    doc = validate("run leak", open(out, "rb").read(), validator)
    if doc is None:
        return
    check_rules("run leak", doc)
    leaks = [x for x in doc["runs"][0]["results"] if x["ruleId"] == "leaked-thread"]
    check("run leak: one leaked-thread result at error level",
          len(leaks) == 1 and leaks[0]["level"] == "error", json.dumps(leaks)[:800])
    if leaks:
        loc = first_location(leaks[0])
        related = [l["message"]["text"] for l in leaks[0].get("relatedLocations", [])]
        check("run leak: located at the wait, creation sites related",
              loc["artifactLocation"]["uri"].endswith("thread_pool_no_wakeup_at_shutdown.cpp") and
              any("blocked here at exit" in m for m in related) and
              sum("created here" in m for m in related) == 3, json.dumps(leaks[0])[:1500])


def check_hostile(ls, source_dir, tmp, validator):
    # A file name with markup, quotes, '&' and an invalid UTF-8 byte, holding an rwlock upgrade
    # ('/' cannot be part of a file name, so no closing tag).
    hostile = os.path.join(tmp.encode(), b"<script>alert(1)<!--x--> & \"q\" 'x' \xff.cpp")
    shutil.copy(os.path.join(source_dir, "samples", "static", "broadcast_deregister.cpp"), hostile)
    out = os.path.join(tmp, "hostile.sarif")
    r = run([ls.encode(), b"static", hostile, b"--format", b"sarif", b"-o", out.encode(), b"--",
             b"-std=c++17"])
    check("hostile file name: exit 1 (findings)", r.returncode == 1, r.stderr.decode(errors="replace"))
    if not os.path.exists(out):
        return
    data = open(out, "rb").read()
    doc = validate("hostile file name", data, validator)
    if doc is None:
        return
    uris = [first_location(x)["artifactLocation"]["uri"] for x in doc["runs"][0]["results"]
            if x.get("locations")]
    check("hostile file name: URI percent-encoded", uris and all(
        "%3Cscript%3E" in u and "%22q%22" in u and "%26" in u and " " not in u for u in uris),
        str(uris))


def main():
    a = arg_parser().parse_args()
    try:
        import jsonschema
        with open(os.path.join(a.source_dir, SCHEMA), encoding="utf-8") as f:
            schema = json.load(f)
        cls = jsonschema.validators.validator_for(schema)
        cls.check_schema(schema)
        validator = cls(schema)
    except Exception as e:  # a missing prerequisite is a failure, not a skip
        print(f"FAIL cannot get the SARIF 2.1.0 schema or jsonschema: {e}")
        print(f"{PASSED} passed, {FAILED + 1} failed")
        return 1
    tmp = tempfile.mkdtemp(prefix="lockscope-sarif-")
    try:
        check_upgrade(a.lockscope, a.source_dir, tmp, validator)
        check_cycle(a.lockscope, a.build_dir, a.source_dir, tmp, validator)
        check_leak(a.lockscope, a.build_dir, tmp, validator)
        check_hostile(a.lockscope, a.source_dir, tmp, validator)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"{PASSED} passed, {FAILED} failed")
    return 1 if FAILED else 0


if __name__ == "__main__":
    sys.exit(main())
