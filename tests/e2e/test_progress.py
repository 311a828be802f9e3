#!/usr/bin/env python3
"""`lockscope analyze` and `lockscope static` show a progress line on a terminal once the analysis runs longer than the
delay (1 s; LOCKSCOPE_PROGRESS_DELAY_MS=0 here, so it shows at once), erases it before the report,
and never writes it to a pipe or when the analysis is quicker than the delay.
"""
import os
import pty
import shutil
import subprocess
import sys
import tempfile

from hostlib import arg_parser, Checker, run, traced_env

C = Checker()
ERASE = "\r\x1b[K"


def analyze_on_tty(ls, trace, delay_ms, argv=None):
    """(exit status, stdout, what the terminal on stderr received) of `lockscope analyze TRACE`
    (or of `argv`)."""
    master, slave = pty.openpty()
    env = dict(os.environ, LOCKSCOPE_PROGRESS_DELAY_MS=str(delay_ms))
    p = subprocess.Popen(argv or [ls, "analyze", trace], stdin=subprocess.DEVNULL,
                         stdout=subprocess.PIPE, stderr=slave, env=env)
    os.close(slave)
    got = b""
    while True:
        try:
            data = os.read(master, 4096)
        except OSError:  # EIO: the child closed the terminal
            break
        if not data:
            break
        got += data
    out, _ = p.communicate(timeout=120)
    os.close(master)
    return p.returncode, out.decode(errors="replace"), got.decode(errors="replace")


def main():
    a = arg_parser().parse_args()
    tmp = tempfile.mkdtemp(prefix="lockscope-progress-")
    try:
        loop = os.path.join(a.build_dir, "bench", "lock_loop")
        env = traced_env(a.runtime, tmp)
        r = run([loop, "nested1", "1000"], env=env)
        traces = [os.path.join(tmp, f) for f in os.listdir(tmp) if f.endswith(".lstrace")]
        if r.returncode != 0 or len(traces) != 1:
            raise SystemExit(f"cannot make a trace: {r.stderr}")
        trace = traces[0]

        rc, out, tty = analyze_on_tty(a.lockscope, trace, 0)
        C.check("terminal: the progress line names the stages",
                "lockscope: reading trace 1/1" in tty and "lockscope: analyzing 1 trace" in tty,
                f"  tty={tty!r}")
        C.check("terminal: the line is erased last, the report is unchanged",
                tty.endswith(ERASE) and rc == 0 and "no findings" in out,
                f"  rc={rc} tty={tty[-200:]!r} stdout={out!r}")

        rc, out, tty = analyze_on_tty(a.lockscope, trace, 60000)
        C.check("terminal, analysis quicker than the delay: nothing drawn",
                tty == "" and rc == 0, f"  rc={rc} tty={tty!r}")

        r = run([a.lockscope, "analyze", trace], env={"LOCKSCOPE_PROGRESS_DELAY_MS": "0"})
        C.check("pipe: no progress line", r.returncode == 0 and "\x1b" not in r.stderr
                and "reading trace" not in r.stderr, f"  stderr={r.stderr!r}")

        # lockscope static: the parse of a project's files is what takes long.
        src = [os.path.join(a.source_dir, "samples", "static", f)
               for f in ("unguarded_counter.cpp", "unguarded_counter_fixed.cpp")]
        static = [a.lockscope, "static", *src, "--", "-std=c++17"]
        rc, out, tty = analyze_on_tty(a.lockscope, None, 0, static)
        C.check("terminal, static: the line counts parsed files, then says analyzing",
                "lockscope: parsing: 0/2 files done" in tty
                and "lockscope: parsing: 1/2 files done" in tty
                and "lockscope: analyzing" in tty, f"  tty={tty!r}")
        C.check("terminal, static: the line is erased last, findings unchanged",
                tty.endswith(ERASE) and rc == 1 and "hits_" in out,
                f"  rc={rc} tty={tty[-200:]!r} stdout={out[-400:]!r}")
        r = run(static, env={"LOCKSCOPE_PROGRESS_DELAY_MS": "0"})
        C.check("pipe, static: no progress line", r.returncode == 1 and "\x1b" not in r.stderr
                and "parsing" not in r.stderr, f"  rc={r.returncode} stderr={r.stderr!r}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return C.summary()


if __name__ == "__main__":
    sys.exit(main())
