#!/usr/bin/env python3
"""`lockscope analyze` on hostile traces: a clear error or a partial analysis, never a crash.

Starts from a real trace (tests/fuzz/corpus/abba_mutex.lstrace, written by the runtime for the
abba_mutex sample) and derives truncated, bit-flipped (seeded RNG), zero-length, wrong-magic,
newer-version and absurd-count variants. Each is analyzed under `ulimit -v` 2 GiB with a
timeout. Pass = exit 0/1 (analysis, possibly partial) or 2 (one-line input error); failure = a
signal or exit >= 3, "terminate called"/sanitizer text on stderr, or the timeout.
Offsets are those of trace_format.h v1 (FileHeader.version at 8, slot_count 68, slots_offset 72,
chunks_offset 80, max_chunk_bytes 64; ChunkHeader{magic,tid,seq,used,capacity}).
"""
import os
import random
import shutil
import struct
import subprocess
import sys
import tempfile

from hostlib import arg_parser

PASSED = 0
FAILED = 0
MEM_KIB = 2 * 1024 * 1024
TIMEOUT = 60


def check(name, cond, detail=""):
    global PASSED, FAILED
    if cond:
        PASSED += 1
        print(f"ok   {name}")
    else:
        FAILED += 1
        print(f"FAIL {name}\n{detail}")


def analyze(ls, path):
    # An ASan-built CLI reserves terabytes of shadow address space, which `ulimit -v` forbids:
    # scripts/robustness.sh sets LOCKSCOPE_TEST_NO_ULIMIT=1 for it (ASan reports bad allocations).
    limit = "" if os.environ.get("LOCKSCOPE_TEST_NO_ULIMIT") else f"ulimit -v {MEM_KIB}; "
    cmd = ["bash", "-c", limit + 'exec "$0" analyze --format json "$1"', ls, path]
    try:
        return subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              errors="replace", timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        return None


def survives(name, ls, path, want_error=None):
    """want_error: None = either outcome; a string = must be a one-line error containing it."""
    r = analyze(ls, path)
    if r is None:
        return check(name, False, f"  timeout after {TIMEOUT}s")
    err = r.stderr
    bad = ("terminate called", "AddressSanitizer", "runtime error:", "Segmentation", "Aborted")
    ok = r.returncode in (0, 1, 2) and not any(b in err for b in bad)
    if want_error is not None:
        lines = [l for l in err.splitlines() if l.strip()]
        ok = ok and r.returncode == 2 and len(lines) == 1 and want_error in err.lower()
    check(name, ok, f"  exit={r.returncode}\n  stderr={err[-1500:]!r}")


def write(tmp, name, data):
    path = os.path.join(tmp, name + ".lstrace")
    with open(path, "wb") as f:
        f.write(data)
    return path


def put(data, fmt, offset, *values):
    b = bytearray(data)
    struct.pack_into(fmt, b, offset, *values)
    return bytes(b)


def first_chunk(data):
    chunks_off = struct.unpack_from("<Q", data, 80)[0]
    off = chunks_off
    while off + 32 <= len(data):
        if struct.unpack_from("<I", data, off)[0] == 0x4B4E4843:
            return off
        off += 4096
    raise SystemExit("seed trace has no chunk")


def main():
    ap = arg_parser()
    ap.add_argument("--flips", type=int, default=100)
    a = ap.parse_args()
    ls = a.lockscope
    seed = open(os.path.join(a.source_dir, "tests/fuzz/corpus/abba_mutex.lstrace"), "rb").read()
    tmp = tempfile.mkdtemp(prefix="lockscope-hostile-")
    try:
        survives("the seed itself", ls, write(tmp, "seed", seed))
        survives("zero-length", ls, write(tmp, "empty", b""), "empty")
        survives("wrong magic", ls, write(tmp, "magic", b"NOTATRCE" + seed[8:]), "magic")
        survives("newer version", ls, write(tmp, "newer", put(seed, "<I", 8, 999)), "999")
        survives("version 0", ls, write(tmp, "v0", put(seed, "<I", 8, 0)), "older")
        survives("header only, 100 bytes", ls, write(tmp, "h100", seed[:100]), "shorter")
        for i in range(1, 17):
            cut = len(seed) * i // 17
            survives(f"truncated at {cut}/{len(seed)}", ls, write(tmp, f"cut{i}", seed[:cut]))
        for cut in range(len(seed) - 64, len(seed), 8):
            survives(f"truncated at {cut} (inside the last records)", ls,
                     write(tmp, f"cutend{cut}", seed[:cut]))

        c = first_chunk(seed)
        absurd = {
            "slot_count 2^32-1": put(seed, "<I", 68, 0xFFFFFFFF),
            "slots_offset 2^63": put(seed, "<Q", 72, 1 << 63),
            "chunks_offset 2^64-4096": put(seed, "<Q", 80, (1 << 64) - 4096),
            "header_size 2^32-1": put(seed, "<I", 16, 0xFFFFFFFF),
            "max_chunk_bytes 2^32-4096, capacity too": put(
                put(seed, "<I", 64, 0xFFFFF000), "<I", c + 16, 0xFFFFF000),
            "chunk used_bytes 2^32-1": put(seed, "<I", c + 12, 0xFFFFFFFF),
            "chunk seq 2^32-1": put(seed, "<I", c + 8, 0xFFFFFFFF),
            "chunk dropped 2^64-1": put(seed, "<Q", c + 24, (1 << 64) - 1),
            "first record size 2^32-8": put(seed, "<I", c + 32 + 4, 0xFFFFFFF8),
            "first record size 0": put(seed, "<I", c + 32 + 4, 0),
            "first record count field 2^32-1": put(seed, "<I", c + 32 + 12, 0xFFFFFFFF),
            "dropped_records 2^64-1": put(seed, "<Q", 128, (1 << 64) - 1),
        }
        for name, data in absurd.items():
            survives("absurd: " + name, ls, write(tmp, "absurd", data))
        # Every 4-byte word of the first chunk set to 0xFFFFFFFF, one at a time: every record
        # field (counts, ids, sizes, kinds) takes its most absurd value once.
        used = struct.unpack_from("<I", seed, c + 12)[0]
        worst = []
        for off in range(c, c + min(used, 4096), 4):
            r = analyze(ls, write(tmp, "word", put(seed, "<I", off, 0xFFFFFFFF)))
            if r is None or r.returncode not in (0, 1, 2) or "terminate called" in r.stderr:
                worst.append((off - c, None if r is None else r.returncode))
        check(f"every word of the first chunk = 0xFFFFFFFF ({min(used, 4096) // 4} traces)",
              not worst, f"  failing offsets in the chunk: {worst[:10]}")

        rng = random.Random(8)
        flips_failed = []
        for i in range(a.flips):
            b = bytearray(seed)
            for _ in range(rng.randint(1, 8)):
                pos = rng.randrange(len(b))
                b[pos] ^= 1 << rng.randrange(8)
            r = analyze(ls, write(tmp, "flip", bytes(b)))
            if r is None or r.returncode not in (0, 1, 2) or "terminate called" in r.stderr:
                keep = write(tmp, f"flip_fail{i}", bytes(b))
                flips_failed.append((i, None if r is None else r.returncode, keep))
        check(f"{a.flips} bit-flipped traces (seeded RNG, 1-8 flips each)", not flips_failed,
              f"  failures: {flips_failed[:5]}")
        if flips_failed:
            shutil.copy(flips_failed[0][2], os.path.join(a.build_dir, "hostile_flip_fail.lstrace"))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"{PASSED} passed, {FAILED} failed")
    return 1 if FAILED else 0


if __name__ == "__main__":
    sys.exit(main())
