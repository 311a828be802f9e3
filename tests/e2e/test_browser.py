#!/usr/bin/env python3
"""The HTML and SVG reports render in a real browser (headless Chromium) without errors.

For the rwlock-upgrade static sample, a live ABBA run, and a static sample behind a hostile file
name: the HTML is self-contained (no external URL, no script), Chromium's screenshot of it and of
the SVG is not blank (decoded with zlib + struct, no PIL needed), the browser logged no console
message (the page has no JavaScript, so any console line is an error: a blocked resource, a parse
failure), and the DOM Chromium built has no <script> element: hostile names stayed text.
Chromium is a declared test dependency (scripts/deps.sh): missing, the test FAILS, never skips.
"""
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import zlib

from hostlib import arg_parser

PASSED = 0
FAILED = 0
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run",
                  "--enable-logging=stderr", "--v=0", "--window-size=1400,1000"]


def run(cmd, **kw):
    return subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=180, **kw)


def check(name, cond, detail=""):
    global PASSED, FAILED
    if cond:
        PASSED += 1
        print(f"ok   {name}")
    else:
        FAILED += 1
        print(f"FAIL {name}\n{detail}")


def png_pixels(path):
    """(width, height, rows of RGB(A) bytes) of an 8-bit non-interlaced RGB/RGBA PNG."""
    data = open(path, "rb").read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, width, height, channels = 8, b"", 0, 0, 0
    while pos < len(data):
        length, ctype = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if ctype == b"IHDR":
            width, height, depth, color, _, _, interlace = struct.unpack(">IIBBBBB", body)
            assert depth == 8 and color in (2, 6) and interlace == 0, "unsupported PNG flavour"
            channels = 3 if color == 2 else 4
        elif ctype == b"IDAT":
            idat += body
        pos += 12 + length
    raw = zlib.decompress(idat)
    stride = width * channels
    rows, prev = [], bytearray(stride)
    for y in range(height):
        ftype = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - channels] if i >= channels else 0
            b = prev[i]
            c = prev[i - channels] if i >= channels else 0
            if ftype == 1:
                line[i] = (line[i] + a) & 0xff
            elif ftype == 2:
                line[i] = (line[i] + b) & 0xff
            elif ftype == 3:
                line[i] = (line[i] + (a + b) // 2) & 0xff
            elif ftype == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 0xff
        rows.append(bytes(line))
        prev = line
    return width, height, channels, rows


def not_blank(name, png):
    if not os.path.exists(png):
        check(f"{name}: screenshot written", False)
        return
    w, h, ch, rows = png_pixels(png)
    colors, dark = set(), 0
    for row in rows[::4]:
        for x in range(0, w * ch, ch * 4):
            px = row[x:x + 3]
            colors.add(px)
            dark += sum(px) < 3 * 160
    check(f"{name}: screenshot is not blank ({len(colors)} colours, {dark} dark samples)",
          len(colors) >= 8 and dark >= 200, "")


def browse(chromium, url, tmp, png=None, dump_dom=False):
    profile = tempfile.mkdtemp(prefix="profile-", dir=tmp)
    cmd = [chromium] + CHROMIUM_FLAGS + [f"--user-data-dir={profile}"]
    cmd += [f"--screenshot={png}"] if png else []
    cmd += ["--dump-dom"] if dump_dom else []
    return run(cmd + [url], cwd=tmp)


def console_lines(stderr):
    return [l for l in stderr.decode(errors="replace").splitlines()
            if "CONSOLE" in l or "Uncaught" in l or "Failed to load resource" in l]


def check_report(chromium, name, html, svg, tmp):
    page = open(html, "rb").read().decode("utf-8")
    check(f"{name}: HTML is self-contained",
          not re.search(r"<script|<link|@import|url\(|src=|https?://(?!www\.w3\.org)", page),
          "\n".join(sorted(set(re.findall(r".{30}(?:<script|<link|@import|url\(|src=|https?://).{30}",
                                          page)))[:5]))
    png = os.path.join(tmp, name.replace(" ", "_") + ".png")
    r = browse(chromium, "file://" + html, tmp, png=png)
    check(f"{name}: chromium exit 0", r.returncode == 0, r.stderr.decode(errors="replace")[-2000:])
    check(f"{name}: no console messages", not console_lines(r.stderr),
          "\n".join(console_lines(r.stderr)))
    not_blank(f"{name} HTML", png)
    r = browse(chromium, "file://" + html, tmp, dump_dom=True)
    dom = r.stdout.decode(errors="replace")
    check(f"{name}: DOM has an inline <svg> and no <script>",
          "<svg" in dom and "<script" not in dom.lower(), dom[:500])
    png = os.path.join(tmp, name.replace(" ", "_") + "_svg.png")
    r = browse(chromium, "file://" + svg, tmp, png=png)
    check(f"{name}: SVG opens without console messages", r.returncode == 0 and
          not console_lines(r.stderr), "\n".join(console_lines(r.stderr)))
    not_blank(f"{name} SVG", png)
    return dom


def main():
    a = arg_parser().parse_args()
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        print("FAIL chromium not found: install it with scripts/deps.sh")
        print("0 passed, 1 failed")
        return 1
    ls = a.lockscope
    tmp = tempfile.mkdtemp(prefix="lockscope-browser-")
    try:
        static_dir = os.path.join(a.source_dir, "samples", "static")
        html, svg = os.path.join(tmp, "upgrade.html"), os.path.join(tmp, "upgrade.svg")
        r = run([ls, "static", os.path.join(static_dir, "broadcast_deregister.cpp"), "--html", html,
                 "--svg", svg, "--", "-std=c++17"])
        check("static upgrade: exit 1 (findings)", r.returncode == 1, r.stderr.decode(errors="replace"))
        dom = check_report(chromium, "static upgrade", html, svg, tmp)
        check("static upgrade: page shows the source line of the upgrade",
              "std::unique_lock&lt;std::shared_mutex&gt; lock(mu_);" in dom)

        html, svg = os.path.join(tmp, "abba.html"), os.path.join(tmp, "abba.svg")
        r = run([ls, "run", "--html", html, "--svg", svg, "-o", os.path.join(tmp, "tr"), "--",
                 os.path.join(a.build_dir, "samples", "abba_mutex")])
        check("run abba: wrote HTML and SVG", os.path.exists(html) and os.path.exists(svg),
              r.stderr.decode(errors="replace"))
        if os.path.exists(html):
            dom = check_report(chromium, "run abba", html, svg, tmp)
            check("run abba: cycle edges numbered 1/2 and 2/2", "1/2" in dom and "2/2" in dom)

        hostile = os.path.join(tmp.encode(), b"<script>alert(1)<!--x--> & \"q\" 'x' \xff.cpp")
        shutil.copy(os.path.join(static_dir, "broadcast_deregister.cpp"), hostile)
        html, svg = os.path.join(tmp, "hostile.html"), os.path.join(tmp, "hostile.svg")
        r = run([ls.encode(), b"static", hostile, b"--html", html.encode(), b"--svg", svg.encode(),
                 b"--", b"-std=c++17"])
        check("hostile file name: exit 1 (findings)", r.returncode == 1,
              r.stderr.decode(errors="replace"))
        dom = check_report(chromium, "hostile file name", html, svg, tmp)
        check("hostile file name: shown as text, escaped",
              "&lt;script&gt;alert(1)&lt;!--x--&gt; &amp; \"q\" 'x' \ufffd.cpp" in dom, "")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"{PASSED} passed, {FAILED} failed")
    return 1 if FAILED else 0


if __name__ == "__main__":
    sys.exit(main())
