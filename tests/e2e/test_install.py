#!/usr/bin/env python3
"""Install tree: `cmake --install BUILD --prefix P` gives P/bin/lockscope, P/lib/liblockscope.so,
P/include/lockscope/*.h, the CMake package and a man page per command. From another directory,
a consumer project (tests/e2e/install_consumer) builds against it with find_package(lockscope);
P/bin/lockscope run finds the installed runtime and reports the consumer's AB-BA (an annotated
lock and a mutex); its gtest on lockscope::gtest_main fails the leaking test, both under
`lockscope run` and with a bare LD_PRELOAD of P/lib/liblockscope.so (the listener then finds
P/bin/lockscope next to the runtime), and passes without lockscope.
"""
import os
import shutil
import sys
import tempfile

from hostlib import arg_parser, Checker, run

C = Checker()


def main():
    a = arg_parser().parse_args()
    tmp = tempfile.mkdtemp(prefix="lockscope-install-")
    try:
        prefix = os.path.join(tmp, "prefix")
        r = run(["cmake", "--install", a.build_dir, "--prefix", prefix], timeout=300)
        C.check("cmake --install succeeds", r.returncode == 0, r.stdout[-2000:] + r.stderr)
        expect = ["bin/lockscope", "lib/liblockscope.so", "include/lockscope/annotations.h",
                  "include/lockscope/runtime_api.h", "include/lockscope/gtest.h",
                  "lib/liblockscope_gtest.a", "lib/liblockscope_gtest_main.a",
                  "lib/cmake/lockscope/lockscopeConfig.cmake",
                  "lib/cmake/lockscope/lockscopeConfigVersion.cmake",
                  "lib/cmake/lockscope/lockscopeTargets.cmake",
                  "share/man/man1/lockscope.1"] + [
                      f"share/man/man1/lockscope-{c}.1" for c in ("run", "analyze", "static",
                                                                   "dump")]
        missing = [p for p in expect if not os.path.exists(os.path.join(prefix, p))]
        C.check("install tree has the CLI, runtime, headers, package and man pages",
                not missing, f"  missing: {missing}")
        page = os.path.join(prefix, "share/man/man1/lockscope-run.1")
        text = open(page).read() if os.path.exists(page) else ""
        C.check("man page is roff with the command's options",
                text.startswith(".TH LOCKSCOPE-RUN 1") and "--error-exitcode" in text
                and ".SH NAME" in text, text[:500])
        if shutil.which("man"):
            r = run(["man", "-l", page], env={"MANPAGER": "cat", "MANWIDTH": "100"})
            C.check("man -l renders it", r.returncode == 0 and "error-exitcode" in r.stdout,
                    r.stderr[-500:])

        cli = os.path.join(prefix, "bin", "lockscope")
        elsewhere = os.path.join(tmp, "elsewhere")
        os.makedirs(elsewhere)
        r = run([cli, "help", "run"], cwd=elsewhere, env={"LOCKSCOPE_RUNTIME": ""})
        C.check("installed CLI runs and shows help", r.returncode == 0 and "PROG" in r.stdout,
                r.stderr)

        src = os.path.join(a.source_dir, "tests", "e2e", "install_consumer")
        bld = os.path.join(tmp, "consumer-build")
        r = run(["cmake", "-S", src, "-B", bld, f"-DCMAKE_PREFIX_PATH={prefix}"], cwd=elsewhere,
                timeout=300)
        C.check("consumer configures with find_package(lockscope)", r.returncode == 0,
                r.stdout[-2000:] + r.stderr)
        r = run(["cmake", "--build", bld, "-j2"], cwd=elsewhere, timeout=600)
        C.check("consumer builds against lockscope::annotations and lockscope::gtest_main",
                r.returncode == 0, r.stdout[-3000:] + r.stderr)
        paths = open(os.path.join(bld, "lockscope_paths.txt")).read().split("\n")[:2] \
            if os.path.exists(os.path.join(bld, "lockscope_paths.txt")) else []
        C.check("package variables point into the prefix",
                [os.path.realpath(p) for p in paths]
                == [os.path.realpath(cli), os.path.realpath(os.path.join(prefix, "lib",
                                                                         "liblockscope.so"))],
                repr(paths))

        env = {"LOCKSCOPE_RUNTIME": ""}  # the installed CLI must find its own runtime
        r = run([cli, "run", "-o", os.path.join(tmp, "t1"), "--", os.path.join(bld, "consumer")],
                cwd=elsewhere, env=env)
        C.check("installed run finds the installed runtime and reports the AB-BA",
                "lock-order-inversion" in r.stderr and "remote/orders" in r.stderr
                and "runtime library" not in r.stderr, r.stderr[-3000:])

        test = os.path.join(bld, "consumer_test")
        r = run([test], cwd=elsewhere)
        C.check("consumer gtest passes without lockscope", r.returncode == 0, r.stdout)
        r = run([cli, "run", "-o", os.path.join(tmp, "t2"), "--", test], cwd=elsewhere, env=env)
        C.check("under the installed lockscope the leaking test fails with the report",
                r.returncode == 1 and "[  FAILED  ] Consumer.LeaksAWorker" in r.stdout
                and "in test Consumer.LeaksAWorker" in r.stdout
                and "[       OK ] Consumer.JoinsItsWorker" in r.stdout, r.stdout[-3000:])
        tdir = os.path.join(tmp, "t3")
        os.makedirs(tdir)
        r = run([test], cwd=elsewhere,
                env={"LD_PRELOAD": os.path.join(prefix, "lib", "liblockscope.so"),
                     "LOCKSCOPE_TRACE": os.path.join(tdir, "%e.%p.lstrace"),
                     "LOCKSCOPE_CLI": "", "PATH": "/usr/bin:/bin"})
        C.check("bare LD_PRELOAD: the listener finds P/bin/lockscope next to the runtime",
                r.returncode == 1 and "in test Consumer.LeaksAWorker" in r.stdout,
                r.stdout[-3000:] + r.stderr[-1000:])
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return C.summary()


if __name__ == "__main__":
    sys.exit(main())
