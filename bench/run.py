#!/usr/bin/env python3
"""Benchmarks, side by side in one run, on this machine: `render` against libvips (pyvips),
Pillow, and the decode floor (libjpeg-turbo's own `djpeg`).

Run with `bench/run` (it builds the release binaries and provides the venv).

Task: each input -> the contract's default renditions (fit inside 1920, 800 and 200 pixel
boxes, JPEG quality 82), one thread each. Inputs: a 12 MP JPEG photo (4000x3000), a 24 MP JPEG
(6000x4000), the 12 MP photo as PNG (8-bit RGB) and as lossy WebP. Tools:
- render: the whole process, `--repeat 11` minus `--repeat 1`, divided by 10 (so process start
  and file reading are not counted); peak RSS of the `--repeat 1` process.
- libvips, the reference: decode once to 1920 (`thumbnail_buffer`, shrink-on-load), then
  cascade (`thumbnail_image` to 800 from the 1920 result, to 200 from the 800), JPEG Q82 each,
  `VIPS_CONCURRENCY=1`, operation cache off; in-process median of 11 iterations.
- Pillow, at its best: `draft()` (libjpeg's DCT scaling, JPEG only) to at least 1920, then a
  chained Lanczos resize (1920 from the decoded image, 800 from the 1920, 200 from the 800),
  JPEG quality 82 each; in-process median of 11.
- the decode floor: for JPEG `djpeg -scale 1/2` (libjpeg-turbo-progs), for WebP
  `dwebp -resize 1920 1440` without output (Debian's webp), the size render decodes at; median
  wall time of 11 processes. What is left above it is resizing and encoding.

Outputs (lossy WebP and AVIF), from the 12 MP JPEG: render with `--renditions` of that one
output against libvips' `thumbnail_buffer` then `webpsave` / `heifsave(compression="av1")` at the
same quality and their default effort (in-process median); time, bytes, and the PSNR of each
output against one lossless reference: the source resized by libvips (Lanczos3) to that output's
exact size, saved as PNG.
Rounds alternate the tools so machine noise hits all alike; medians are reported, with the
ratios. The outputs' total bytes are compared with libvips' (the same quality, 82). The figures
go to stdout as JSON and to bench/results/ (JSON and the SVG chart the README shows).

Also: the transform binary's first Runtime API poll after process start (a fake Runtime API on
127.0.0.1 records when `/runtime/invocation/next` is first requested).

The photo: "Kleiber" by Lukas Baubkus (CC-BY-SA-3.0), from Debian's lomiri-wallpapers-20.04
package, center-cropped and resized (the 24 MP one is upscaled from it). Derived here, not
committed.
"""

import http.server
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
CACHE = Path(os.environ.get("BENCH_CACHE", Path.home() / ".cache" / "cross-account-s3" / "bench"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "5"))


def source_photo(tmp):
    """The wallpaper the inputs are derived from, out of Debian's package."""
    subprocess.run(["apt-get", "download", "lomiri-wallpapers-20.04"], cwd=tmp, check=True, capture_output=True)
    deb = next(Path(tmp).glob("lomiri-wallpapers-20.04_*.deb"))
    subprocess.run(["dpkg", "-x", str(deb), tmp + "/x"], check=True)
    return next(Path(tmp).glob("x/usr/share/backgrounds/Kleiber_by_Lukas_Baubkus.jpg"))


# In a child process: pyvips here would swell this process, and every child forked from it
# counts the parent's pages in its peak RSS until it execs.
DERIVE = """
import sys, pyvips
src, out, w, h, kind = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
im = pyvips.Image.new_from_file(src)
cw = min(im.width, int(im.height * w / h)); ch = int(cw * h / w)
im = im.crop((im.width - cw) // 2, (im.height - ch) // 2, cw, ch).resize((w + 1) / cw, vscale=(h + 1) / ch)
im = im.crop(0, 0, w, h)
if kind == "jpeg": im.jpegsave(out, Q=90, strip=True)
elif kind == "png": im.pngsave(out, compression=6, strip=True)
else: im.webpsave(out, Q=80, strip=True)
"""

INPUTS = [
    # name, file, width, height, format
    ("12 MP JPEG", "photo-12mp.jpg", 4000, 3000, "jpeg"),
    ("24 MP JPEG", "photo-24mp.jpg", 6000, 4000, "jpeg"),
    ("12 MP PNG", "photo-12mp.png", 4000, 3000, "png"),
    ("12 MP WebP", "photo-12mp.webp", 4000, 3000, "webp"),
]


def inputs():
    """The benchmark inputs, derived once."""
    CACHE.mkdir(parents=True, exist_ok=True)
    missing = [i for i in INPUTS if not (CACHE / i[1]).exists()]
    if missing:
        with tempfile.TemporaryDirectory() as tmp:
            src = source_photo(tmp)
            for _, name, w, h, kind in missing:
                subprocess.run([sys.executable, "-c", DERIVE, str(src), str(CACHE / name), str(w), str(h), kind], check=True)
    return [(label, CACHE / name, w, h, kind) for label, name, w, h, kind in INPUTS]


def run_measured(cmd, env=None):
    """Wall seconds and peak RSS (MB) of one process."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{cmd[0]} failed: {proc.stderr.read().decode()}")
    return wall, usage.ru_maxrss / 1024


VIPS_SCRIPT = r"""
import json, os, statistics, sys, time
import pyvips
pyvips.cache_set_max(0)
data = open(sys.argv[1], "rb").read()
times = []
for _ in range(11):
    t = time.perf_counter()
    large = pyvips.Image.thumbnail_buffer(data, 1920, height=1920, size="down").copy_memory()
    a = large.jpegsave_buffer(Q=82, keep="none")
    small = large.thumbnail_image(800, height=800, size="down").copy_memory()
    b = small.jpegsave_buffer(Q=82, keep="none")
    c = small.thumbnail_image(200, height=200, size="down").jpegsave_buffer(Q=82, keep="none")
    times.append(time.perf_counter() - t)
version = ".".join(str(pyvips.version(i)) for i in range(3))
print(json.dumps({"median_ms": statistics.median(times) * 1000, "version": version, "bytes": len(a) + len(b) + len(c)}))
"""

PILLOW_SCRIPT = r"""
import io, json, statistics, sys, time
import PIL
from PIL import Image
data = open(sys.argv[1], "rb").read()
def fit(im, box):
    scale = min(box / im.width, box / im.height, 1.0)
    return im.resize((max(1, round(im.width * scale)), max(1, round(im.height * scale))), Image.LANCZOS)
def save(im):
    out = io.BytesIO(); im.save(out, "JPEG", quality=82); return out.tell()
times = []
for _ in range(11):
    t = time.perf_counter()
    im = Image.open(io.BytesIO(data))
    if im.format == "JPEG":
        im.draft("RGB", (1920, 1920))
    im = im.convert("RGB")
    large = fit(im, 1920); a = save(large)
    small = fit(large, 800); b = save(small)
    thumb = fit(small, 200); c = save(thumb)
    times.append(time.perf_counter() - t)
print(json.dumps({"median_ms": statistics.median(times) * 1000, "version": PIL.__version__, "bytes": a + b + c}))
"""


def script_round(script, image, python=sys.executable, env=None):
    """One in-process benchmark script: (median ms, peak RSS MB, its JSON)."""
    with tempfile.NamedTemporaryFile("w", suffix=".py", delete=False) as f:
        f.write(script)
    try:
        proc = subprocess.Popen([python, f.name, str(image)], stdout=subprocess.PIPE, env=env)
        out = proc.stdout.read()
        _, status, usage = os.wait4(proc.pid, 0)
        if os.waitstatus_to_exitcode(status) != 0:
            raise SystemExit(f"{script[:40]!r} failed on {image}")
        result = json.loads(out)
        return result["median_ms"], usage.ru_maxrss / 1024, result
    finally:
        os.unlink(f.name)


def djpeg_round(image, scale):
    """The decode floor: median wall ms of 11 djpeg processes at `scale`."""
    times = []
    for _ in range(11):
        wall, _ = run_measured(["djpeg", "-scale", scale, "-outfile", os.devnull, str(image)])
        times.append(wall * 1000)
    return statistics.median(times)


def dwebp_round(image, width, height):
    """libwebp's own decode floor: median wall ms of 11 dwebp processes decoding at `width`x`height`
    (without writing the result)."""
    times = []
    for _ in range(11):
        wall, _ = run_measured(["dwebp", str(image), "-resize", str(width), str(height), "-quiet"])
        times.append(wall * 1000)
    return statistics.median(times)


# The outputs measured one by one: label, rendition for render, box, libvips' saver and options.
OUTPUTS = [
    ("1920 lossy WebP (q80)", "large:1920x1920:webp:80", 1920, "webpsave_buffer", {"Q": 80}),
    ("800 AVIF (q60)", "small:800x800:avif:60", 800, "heifsave_buffer", {"Q": 60, "compression": "av1"}),
]

VIPS_OUTPUT_SCRIPT = r"""
import json, os, statistics, sys, time
import pyvips
pyvips.cache_set_max(0)
data = open(sys.argv[1], "rb").read()
box, saver, options, out, n = int(sys.argv[2]), sys.argv[3], json.loads(sys.argv[4]), sys.argv[5], int(sys.argv[6])
times = []
for _ in range(n):
    t = time.perf_counter()
    im = pyvips.Image.thumbnail_buffer(data, box, height=box, size="down").copy_memory()
    encoded = getattr(im, saver)(keep="none", **options)
    times.append(time.perf_counter() - t)
open(out, "wb").write(encoded)
print(json.dumps({"median_ms": statistics.median(times) * 1000, "bytes": len(encoded)}))
"""

PSNR_SCRIPT = r"""
import json, math, sys
import pyvips
source, reference_dir = sys.argv[1], sys.argv[2]
result = {}
for path in sys.argv[3:]:
    out = pyvips.Image.new_from_file(path, access="sequential")
    if out.format != "uchar":
        out = out.colourspace("srgb")
    out = out[:3]
    src = pyvips.Image.new_from_file(source)
    ref_path = f"{reference_dir}/reference-{out.width}x{out.height}.png"
    src.resize(out.width / src.width, vscale=out.height / src.height, kernel="lanczos3").pngsave(ref_path)
    ref = pyvips.Image.new_from_file(ref_path)[:3]
    mse = ((out.cast("float") - ref.cast("float")) ** 2).avg()
    result[path] = round(10 * math.log10(255 * 255 / mse), 2)
print(json.dumps(result))
"""


def vips_output_round(image, box, saver, options, out_file, iterations, env):
    """libvips making one output: (median ms, bytes), the output written to `out_file`."""
    proc = subprocess.run([sys.executable, "-c", VIPS_OUTPUT_SCRIPT, str(image), str(box), saver,
                           json.dumps(options), out_file, str(iterations)],
                          capture_output=True, text=True, env=env, check=True)
    r = json.loads(proc.stdout)
    return r["median_ms"], r["bytes"]


def psnr(source, reference_dir, outputs):
    """PSNR (dB) of each output file against the source resized by libvips to its size."""
    proc = subprocess.run([sys.executable, "-c", PSNR_SCRIPT, str(source), reference_dir, *outputs],
                          capture_output=True, text=True, check=True)
    return json.loads(proc.stdout)


# What template.yaml sets for transform and backfill: glibc keeps the heap between images.
GLIBC_TUNABLES = "glibc.malloc.mmap_threshold=33554432:glibc.malloc.trim_threshold=1073741824"


def render_round(image, out_dir, renditions=None):
    """(ms per image, peak RSS MB, total output bytes), run as the template runs the function."""
    render = [str(TARGET / "release" / "render"), str(image), "--out", out_dir]
    if renditions:
        render += ["--renditions", renditions]
    env = dict(os.environ, GLIBC_TUNABLES=GLIBC_TUNABLES)
    one, rss = run_measured(render + ["--repeat", "1"], env=env)
    eleven, _ = run_measured(render + ["--repeat", "11"], env=env)
    written = sum(f.stat().st_size for f in (Path(out_dir) / image.name).iterdir())
    return (eleven - one) / 10 * 1000, rss, written


class FirstPoll(http.server.BaseHTTPRequestHandler):
    first = None

    def do_GET(self):
        if FirstPoll.first is None and self.path.endswith("/runtime/invocation/next"):
            FirstPoll.first = time.perf_counter()
        # Never answer: the function keeps waiting; the benchmark kills it.
        time.sleep(5)

    def log_message(self, *args):
        pass


def first_poll_ms(extra_env=None, rounds=7):
    """Median milliseconds from the transform binary's start to its first Runtime API poll, with
    the destination settings of one route, or `extra_env` over them."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), FirstPoll)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    env = {
        "PATH": os.environ.get("PATH", ""),
        "AWS_LAMBDA_RUNTIME_API": f"127.0.0.1:{server.server_address[1]}",
        "AWS_LAMBDA_FUNCTION_NAME": "transform",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "1024",
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_LOG_STREAM_NAME": "bench",
        "AWS_LAMBDA_LOG_GROUP_NAME": "bench",
        "AWS_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "ASIABENCHMARK",
        "AWS_SECRET_ACCESS_KEY": "benchmark",
        "AWS_SESSION_TOKEN": "benchmark",
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_ENDPOINT_URL": "http://127.0.0.1:9",
        "DESTINATION_BUCKET": "bench-destination",
        "DESTINATION_ROLE_ARN": "arn:aws:iam::222222222222:role/writer",
        "DESTINATION_EXTERNAL_ID": "bench-external-id",
        **(extra_env or {}),
    }
    results = []
    for _ in range(rounds):
        FirstPoll.first = None
        start = time.perf_counter()
        proc = subprocess.Popen([str(TARGET / "release" / "transform")], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = start + 5
        while FirstPoll.first is None and time.perf_counter() < deadline:
            time.sleep(0.001)
        proc.kill()
        proc.wait()
        if FirstPoll.first is None:
            raise SystemExit("transform never polled the Runtime API")
        results.append((FirstPoll.first - start) * 1000)
    server.shutdown()
    return statistics.median(results)


def median_of(values):
    return round(statistics.median(values), 1)


def main():
    images = inputs()
    out_dir = tempfile.mkdtemp()
    vips_env = dict(os.environ, VIPS_CONCURRENCY="1")
    tools = ["render", "libvips", "Pillow", "decode floor"]
    ms = {(label, t): [] for label, *_ in images for t in tools}
    rss = {(label, t): [] for label, *_ in images for t in tools}
    sizes, versions = {}, {}
    ms_out = {(label, t): [] for label, *_ in OUTPUTS for t in ("render", "libvips")}
    sizes_out, files = {}, {}
    try:
        for _ in range(ROUNDS):
            for label, path, w, h, kind in images:
                t, m, b = render_round(path, out_dir)
                ms[label, "render"].append(t); rss[label, "render"].append(m); sizes[label, "render"] = b
                t, m, r = script_round(VIPS_SCRIPT, path, env=vips_env)
                ms[label, "libvips"].append(t); rss[label, "libvips"].append(m); sizes[label, "libvips"] = r["bytes"]
                versions["libvips"] = r["version"]
                t, m, r = script_round(PILLOW_SCRIPT, path)
                ms[label, "Pillow"].append(t); rss[label, "Pillow"].append(m); sizes[label, "Pillow"] = r["bytes"]
                versions["Pillow"] = r["version"]
                if kind == "jpeg":
                    ms[label, "decode floor"].append(djpeg_round(path, "1/2"))
                elif kind == "webp":
                    ms[label, "decode floor"].append(dwebp_round(path, 1920, 1440))
            photo = images[0][1]
            for label, spec, box, saver, options in OUTPUTS:
                out = Path(out_dir) / "outputs" / label.split()[0]
                t, m, b = render_round(photo, str(out), spec)
                ms_out[label, "render"].append(t); sizes_out[label, "render"] = b
                files[label, "render"] = str(next((out / photo.name).iterdir()))
                vips_file = str(Path(out_dir) / f"vips-{label.split()[0]}.{spec.split(':')[2]}")
                t, b = vips_output_round(photo, box, saver, options, vips_file, 5 if "AVIF" in label else 11, vips_env)
                ms_out[label, "libvips"].append(t); sizes_out[label, "libvips"] = b
                files[label, "libvips"] = vips_file
        quality = psnr(images[0][1], out_dir, list(files.values()))
    finally:
        shutil.rmtree(out_dir, ignore_errors=True)
    versions["djpeg"] = subprocess.run(["dpkg-query", "-W", "-f", "${Version}", "libjpeg-turbo-progs"],
                                       capture_output=True, text=True).stdout or "?"
    result = {"rounds": ROUNDS, "versions": versions, "inputs": {}}
    for label, path, w, h, kind in images:
        r = statistics.median(ms[label, "render"])
        entry = {"file": f"{path.name} ({w}x{h}, {path.stat().st_size / 1e6:.1f} MB)"}
        for t in tools:
            if not ms[label, t]:
                continue
            v = statistics.median(ms[label, t])
            entry[t] = {"ms_median": round(v, 1), "render_ratio": round(r / v, 2),
                        "ms_all": [round(x, 1) for x in ms[label, t]]}
            if rss[label, t]:
                entry[t]["peak_rss_mb"] = round(max(rss[label, t]), 1)
            if (label, t) in sizes:
                entry[t]["output_bytes"] = sizes[label, t]
                entry[t]["bytes_vs_libvips"] = round(sizes[label, t] / sizes[label, "libvips"], 3)
        result["inputs"][label] = entry
    versions["dwebp"] = subprocess.run(["dwebp", "-version"], capture_output=True, text=True).stdout.strip() or "?"
    result["outputs"] = {}
    for label, spec, *_ in OUTPUTS:
        r = statistics.median(ms_out[label, "render"])
        entry = {"from": f"{images[0][1].name}, render --renditions {spec}"}
        for t in ("render", "libvips"):
            v = statistics.median(ms_out[label, t])
            entry[t] = {"ms_median": round(v, 1), "render_ratio": round(r / v, 2),
                        "ms_all": [round(x, 1) for x in ms_out[label, t]],
                        "output_bytes": sizes_out[label, t],
                        "bytes_vs_libvips": round(sizes_out[label, t] / sizes_out[label, "libvips"], 3),
                        "psnr_db": quality[files[label, t]]}
        entry["render"]["psnr_vs_libvips_db"] = round(entry["render"]["psnr_db"] - entry["libvips"]["psnr_db"], 2)
        result["outputs"][label] = entry
    result["transform_first_poll_ms_median"] = round(first_poll_ms(), 1)
    results = ROOT / "bench" / "results"
    results.mkdir(exist_ok=True)
    (results / "bench.json").write_text(json.dumps(result, indent=2) + "\n")
    (results / "bench.svg").write_text(chart(result, tools))
    print(json.dumps(result, indent=2))


def chart(result, tools):
    """A bar chart of the medians, per input and tool (SVG, no dependency)."""
    colours = {"render": "#2b6cb0", "libvips": "#dd6b20", "Pillow": "#718096", "decode floor": "#38a169"}
    rows = [(label, t, entry[t]["ms_median"]) for label, entry in result["inputs"].items() for t in tools if t in entry]
    # The outputs under a short label ("to WebP 1920"), to fit beside the tool's name.
    rows += [(f"to {label.split()[-2]} {label.split()[0]}", t, entry[t]["ms_median"])
             for label, entry in result.get("outputs", {}).items() for t in ("render", "libvips")]
    top = max(v for *_, v in rows)
    width, left, bar_h, gap = 760, 190, 16, 10
    height = 40 + len(rows) * (bar_h + 4) + (len(result["inputs"]) + len(result.get("outputs", {}))) * gap + 30
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" font-family="sans-serif" font-size="12">',
           f'<rect width="{width}" height="{height}" fill="white"/>',
           '<text x="10" y="20" font-size="14" font-weight="bold">ms per image, median, one thread (lower is better)</text>']
    y, last = 36, None
    for label, t, v in rows:
        if label != last:
            y += gap
            last = label
        w = (width - left - 70) * v / top
        out.append(f'<text x="10" y="{y + 12}">{label if t == "render" else ""}</text>')
        out.append(f'<text x="{left - 6}" y="{y + 12}" text-anchor="end">{t}</text>')
        out.append(f'<rect x="{left}" y="{y}" width="{w:.1f}" height="{bar_h}" fill="{colours[t]}"/>')
        out.append(f'<text x="{left + w + 4:.1f}" y="{y + 12}">{v:.0f}</text>')
        y += bar_h + 4
    out.append(f'<text x="10" y="{height - 8}" fill="#555">bench/run, {result["rounds"]} rounds; libvips {result["versions"]["libvips"]} (pyvips-binary), Pillow {result["versions"]["Pillow"]}, djpeg {result["versions"]["djpeg"]}, dwebp {result["versions"].get("dwebp", "?")}</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


if __name__ == "__main__":
    main()
