#!/usr/bin/env python3
"""`lockscope static` on bad or awkward inputs (issue #6, "robust"):

1. -p DIR without compile_commands.json: one error line naming the file and how to make it, exit 2.
2. compile_commands.json that is not JSON: one error line, exit 2.
3. A database whose entries are: a file with a syntax error, a file that no longer exists, and a
   good file compiled with gcc-only flags (-fconcepts, -fno-gnu-unique, -fipa-pta, -Wno-psabi,
   -fmax-errors=3). The good file is analyzed (its lock-order cycle is reported), each bad one is
   named on stderr with the reason, and the exit code is 2 (input error) without a crash.
4. No input at all: one usage error line, exit 2.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

from hostlib import arg_parser, Checker

CHECK = Checker()
check = CHECK.check


def run(cmd):
    return subprocess.run(cmd, capture_output=True, text=True, timeout=240)


def one_error_line(r):
    lines = [l for l in r.stderr.splitlines() if l.strip()]
    return len(lines) == 1 and r.returncode == 2 and "Traceback" not in r.stderr


GOOD = r"""
#include <mutex>
std::mutex g_a, g_b;
void One() { std::lock_guard<std::mutex> a(g_a); std::lock_guard<std::mutex> b(g_b); }
void Two() { std::lock_guard<std::mutex> b(g_b); std::lock_guard<std::mutex> a(g_a); }
"""


def main():
    a = arg_parser().parse_args()
    ls = a.lockscope
    tmp = tempfile.mkdtemp(prefix="lockscope-static-inputs-")
    try:
        r = run([ls, "static", "-p", tmp])
        check("missing compile_commands.json: one line, exit 2", one_error_line(r), r.stderr)
        check("it names the file and CMAKE_EXPORT_COMPILE_COMMANDS",
              "compile_commands.json: not found" in r.stderr
              and "CMAKE_EXPORT_COMPILE_COMMANDS" in r.stderr, r.stderr)

        with open(os.path.join(tmp, "compile_commands.json"), "w") as f:
            f.write("[{oops")
        r = run([ls, "static", "-p", tmp])
        check("compile_commands.json not JSON: one line, exit 2",
              one_error_line(r) and "not a JSON array" in r.stderr, r.stderr)

        good = os.path.join(tmp, "good.cpp")
        bad = os.path.join(tmp, "bad.cpp")
        with open(good, "w") as f:
            f.write(GOOD)
        with open(bad, "w") as f:
            f.write("#include \"no_such_header.h\"\nint broken( {\n")
        gcc_flags = "-std=c++17 -fconcepts -fno-gnu-unique -fipa-pta -Wno-psabi -fmax-errors=3"
        db = [
            {"directory": tmp, "file": "bad.cpp", "command": f"g++ {gcc_flags} -c bad.cpp -o bad.o"},
            {"directory": tmp, "file": "gone.cpp", "command": f"g++ {gcc_flags} -c gone.cpp"},
            {"directory": tmp, "file": "good.cpp",
             "arguments": ["g++"] + gcc_flags.split() + ["-c", "good.cpp", "-o", "good.o"]},
        ]
        with open(os.path.join(tmp, "compile_commands.json"), "w") as f:
            json.dump(db, f)
        r = run([ls, "static", "-p", tmp])
        check("bad files: exit 2, no crash", r.returncode == 2, r.stderr)
        check("the good file (gcc-only flags) is still analyzed",
              "lock-order-inversion" in r.stdout and "g_a" in r.stdout, r.stdout[:600] + r.stderr)
        check("the file that fails to parse is named with the reason",
              "bad.cpp" in r.stderr and "no_such_header.h" in r.stderr, r.stderr)
        check("the missing file is named", "gone.cpp: cannot read it" in r.stderr, r.stderr)
        check("gcc-only flags are not reported as errors",
              "fconcepts" not in r.stderr and "gnu-unique" not in r.stderr, r.stderr)

        r = run([ls, "static"])
        check("no input: one usage line, exit 2", one_error_line(r), r.stderr)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return CHECK.summary()


if __name__ == "__main__":
    sys.exit(main())
