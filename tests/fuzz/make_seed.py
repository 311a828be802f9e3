#!/usr/bin/env python3
"""Shrinks a real trace into a small fuzzing seed: same header and chunks, fewer thread slots.

The runtime reserves a large zero-filled thread-slot table; a seed keeps only the slots in use
(the table is rounded up to 4 slots = one 4096-byte page) and moves the chunks up behind it,
dropping trailing zero pages. Offsets are those of trace_format.h FileHeader (v1): slot_count at
68 (u32), slots_offset at 72 and chunks_offset at 80 (u64).

usage: make_seed.py IN.lstrace OUT.lstrace
"""
import struct
import sys

SLOT = 1024
PAGE = 4096


def main():
    src, dst = sys.argv[1], sys.argv[2]
    d = open(src, "rb").read()
    slot_count, slots_off, chunks_off = struct.unpack_from("<IQQ", d, 68)
    slots = [d[slots_off + i * SLOT: slots_off + (i + 1) * SLOT] for i in range(slot_count)]
    used = [s for s in slots if s.strip(b"\0")]
    n = max(4, (len(used) + 3) // 4 * 4)
    table = b"".join(used).ljust(n * SLOT, b"\0")
    chunks = d[chunks_off:].rstrip(b"\0")
    chunks = chunks.ljust((len(chunks) + PAGE - 1) // PAGE * PAGE, b"\0")
    header = bytearray(d[:slots_off])
    struct.pack_into("<IQQ", header, 68, n, len(header), len(header) + len(table))
    open(dst, "wb").write(bytes(header) + table + chunks)


if __name__ == "__main__":
    main()
