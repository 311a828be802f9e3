#!/usr/bin/env python3
"""Trace files and runtime options: a symlink or an existing file at the trace path is neither
followed nor clobbered, traces are mode 0600, LOCKSCOPE_OPTIONS is parsed strictly (one warning
per unknown key or bad value, defaults kept, the program unaffected), and a setuid program run by
an unprivileged user is not traced.
"""
import os
import shutil
import stat
import sys
import tempfile

from hostlib import analyze_all, arg_parser, Checker, compile_c, run, traced_env

C = Checker()


def lines_of(stderr):
    return [l for l in stderr.splitlines() if l.startswith("lockscope")]


def main():
    a = arg_parser().parse_args()
    ls, rt = a.lockscope, a.runtime
    tmp = tempfile.mkdtemp(prefix="lockscope-files-")
    os.chmod(tmp, 0o755)
    try:
        work = compile_c(a.source_dir, tmp, "lock_work")
        native = run([work, "100"])

        tdir = tempfile.mkdtemp(dir=tmp)
        r = run([work, "100"], env=traced_env(rt, tdir))
        traces = os.listdir(tdir)
        mode = stat.S_IMODE(os.stat(os.path.join(tdir, traces[0])).st_mode) if traces else None
        C.check("trace file mode is 0600", mode == 0o600, f"  mode={mode and oct(mode)}")

        victim = os.path.join(tmp, "victim.txt")
        with open(victim, "w") as f:
            f.write("precious\n")
        link = os.path.join(tmp, "link.lstrace")
        os.symlink(victim, link)
        # The runtime never opens through an existing name (O_CREAT|O_EXCL|O_NOFOLLOW): on EEXIST
        # it writes PATH.1 (then .2, ...) instead, so nothing is followed or clobbered.
        def side_file_ok(path):
            side = path + ".1"
            return (os.path.isfile(side) and not os.path.islink(side)
                    and stat.S_IMODE(os.lstat(side).st_mode) == 0o600)

        r = run([work, "100"], env={"LD_PRELOAD": rt, "LOCKSCOPE_TRACE": link})
        C.check("symlink at the trace path: not followed, target intact, trace in PATH.1",
                open(victim).read() == "precious\n" and os.path.islink(link)
                and side_file_ok(link) and r.stdout == native.stdout
                and r.returncode == native.returncode, f"  stderr={r.stderr!r}")
        dangling = os.path.join(tmp, "dangling.lstrace")
        os.symlink(os.path.join(tmp, "created-through-link"), dangling)
        run([work, "100"], env={"LD_PRELOAD": rt, "LOCKSCOPE_TRACE": dangling})
        C.check("dangling symlink at the trace path: nothing created through it",
                not os.path.exists(os.path.join(tmp, "created-through-link"))
                and side_file_ok(dangling))
        existing = os.path.join(tmp, "existing.lstrace")
        with open(existing, "w") as f:
            f.write("old trace\n")
        r = run([work, "100"], env={"LD_PRELOAD": rt, "LOCKSCOPE_TRACE": existing})
        C.check("existing file at the trace path: not clobbered, trace in PATH.1",
                open(existing).read() == "old trace\n" and side_file_ok(existing)
                and r.stdout == native.stdout, f"  stderr={r.stderr!r}")
        n, bad = analyze_all(ls, tmp, "*.lstrace.1")
        C.check("the three PATH.1 traces are readable", n == 3 and not bad, f"  n={n} bad={bad}")

        for name, opts, needle in [
                ("unknown key", "no_such_option=1", "unknown option 'no_such_option'"),
                ("bad int value", "stack_depth=banana", "bad value for option 'stack_depth'"),
                ("bad bool value", "full_events=maybe", "bad value for option 'full_events'"),
                ("int overflow", "stack_depth=9999999999", "bad value for option 'stack_depth'"),
                ("key without value", "verbose", "bad value for option 'verbose'")]:
            tdir = tempfile.mkdtemp(dir=tmp)
            r = run([work, "100"], env=traced_env(rt, tdir, options=opts + ":enabled=1"))
            lines = lines_of(r.stderr)
            n, bad = analyze_all(ls, tdir)
            C.check(f"LOCKSCOPE_OPTIONS {name} ({opts}): one warning, defaults, still traced",
                    len(lines) == 1 and needle in lines[0] and r.stdout == native.stdout
                    and r.returncode == native.returncode and n == 1 and not bad,
                    f"  lines={lines} traces={n} bad={bad}")

        # setuid: the dynamic loader drops LD_PRELOAD paths with a slash for AT_SECURE programs,
        # and the runtime's own getauxval(AT_SECURE) check backs that up. Needs root to chown.
        setpriv = shutil.which("setpriv")
        if os.geteuid() == 0 and setpriv:
            suid = os.path.join(tmp, "suid_work")
            shutil.copy(work, suid)
            os.chown(suid, 0, 0)
            os.chmod(suid, 0o4755)
            tdir = tempfile.mkdtemp(dir=tmp)
            os.chmod(tdir, 0o777)
            cmd = [setpriv, "--reuid=65534", "--regid=65534", "--clear-groups", suid, "100"]
            r = run(cmd, env=traced_env(rt, tdir))
            mine = [t for t in os.listdir(tdir) if t.startswith("suid_work")]  # not setpriv's own
            C.check("setuid-root program run by nobody: runs, no trace written",
                    r.stdout == native.stdout and r.returncode == 0 and not mine,
                    f"  exit={r.returncode} traces={os.listdir(tdir)} stderr={r.stderr[-400:]!r}")
        else:
            print("skip setuid case: needs root and setpriv")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return C.summary()


if __name__ == "__main__":
    sys.exit(main())
