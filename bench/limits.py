#!/usr/bin/env python3
"""Peak memory of `render` on the worst inputs the default limits admit, which is what the
defaults of MAX_INPUT_PIXELS (40 MP) and MAX_INPUT_BYTES (64 MiB) are chosen from: the
function must stay well inside 1 GB.

Run with `bench/run --limits`. The images are generated at the pixel limit, in the formats that
cost the most memory per pixel (decode memory depends on the size and format, not the content,
so the PNGs are flat colour: their files stay far under MAX_INPUT_BYTES, as an admissible input
must be):
- JPEG 8-bit RGB, 7300x5479 (the decoder cannot scale down for the 1920 rendition by much);
- PNG 8-bit RGBA;
- PNG 16-bit RGBA (8 bytes a pixel while decoding).
"""

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
WIDTH, HEIGHT = 7300, 5479  # 39,996,700 pixels: just under 40 MP

MAKE = r"""
import sys, pyvips
kind, path, w, h = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
xy = pyvips.Image.xyz(w, h)
r = xy[0] * 255 / w
g = xy[1] * 255 / h
b = (xy[0] + xy[1]) * 127 / (w + h)
if kind == "jpeg":
    im = r.bandjoin([g, b]).cast("uchar").copy(interpretation="srgb")
    im.jpegsave(path, Q=90)
elif kind == "png8":
    im = (xy[0] * 0 + 200).bandjoin([100, 50, 255]).cast("uchar").copy(interpretation="srgb")
    im.pngsave(path, compression=9)
else:
    im = (xy[0] * 0 + 51400).bandjoin([25700, 12850, 65535]).cast("ushort").copy(interpretation="rgb16")
    im.pngsave(path, compression=9, bitdepth=16)
"""


def peak_mb(cmd):
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{cmd} failed: {proc.stderr.read().decode()}")
    return usage.ru_maxrss / 1024


def main():
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        for kind in ("jpeg", "png8", "png16"):
            path = Path(tmp) / f"{kind}.{'jpg' if kind == 'jpeg' else 'png'}"
            subprocess.run([sys.executable, "-c", MAKE, kind, str(path), str(WIDTH), str(HEIGHT)], check=True)
            mb = peak_mb([str(TARGET / "release" / "render"), str(path), "--out", tmp + "/out"])
            results[kind] = {"pixels": WIDTH * HEIGHT, "file_mb": round(path.stat().st_size / 1e6, 1), "render_peak_rss_mb": round(mb, 1)}
            path.unlink()
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
