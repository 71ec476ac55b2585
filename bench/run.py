#!/usr/bin/env python3
"""Benchmarks, side by side in one run, on this machine: `render` against libvips (pyvips).

Run with `bench/run` (it builds the release binaries and provides the venv).

Task: one 12 MP JPEG photo -> the contract's default renditions (fit inside 1920, 800 and 200
pixel boxes, JPEG quality 82), one thread each:
- render: the whole process, `--repeat 11` minus `--repeat 1`, divided by 10 (so process start
  and file reading are not counted); peak RSS of the `--repeat 1` process.
- libvips, the best reference: decode once to 1920 (`thumbnail_buffer`, shrink-on-load), then
  cascade (`thumbnail_image` to 800 from the 1920 result, to 200 from the 800), JPEG Q82 each,
  `VIPS_CONCURRENCY=1`; in-process median of 11 iterations; peak RSS of its process.
Rounds alternate the two tools so machine noise hits both alike; medians are reported.

Also: the transform binary's first Runtime API poll after process start (a fake Runtime API on
127.0.0.1 records when `/runtime/invocation/next` is first requested).

The photo: "Kleiber" by Lukas Baubkus (CC-BY-SA-3.0), from Debian's lomiri-wallpapers-20.04
package, center-cropped to 4:3 and resized to 4000x3000 (Q90). It is fetched and derived here,
not committed.
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


def photo():
    """The 12 MP benchmark photo, derived once from Debian's package."""
    out = CACHE / "photo-12mp.jpg"
    if out.exists():
        return out
    CACHE.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(["apt-get", "download", "lomiri-wallpapers-20.04"], cwd=tmp, check=True, capture_output=True)
        deb = next(Path(tmp).glob("lomiri-wallpapers-20.04_*.deb"))
        subprocess.run(["dpkg", "-x", str(deb), tmp + "/x"], check=True)
        src = next(Path(tmp).glob("x/usr/share/backgrounds/Kleiber_by_Lukas_Baubkus.jpg"))
        # In a child process: pyvips here would swell this process, and every child forked from
        # it counts the parent's pages in its peak RSS until it execs.
        derive = (
            "import sys, pyvips\n"
            "im = pyvips.Image.new_from_file(sys.argv[1])\n"
            "w = int(im.height * 4 / 3)\n"
            "im = im.crop((im.width - w) // 2, 0, w, im.height).resize(4000 / w).crop(0, 0, 4000, 3000)\n"
            "im.jpegsave(sys.argv[2], Q=90, strip=True)\n"
        )
        subprocess.run([sys.executable, "-c", derive, str(src), str(out)], check=True)
    return out


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
data = open(sys.argv[1], "rb").read()
times = []
for _ in range(11):
    t = time.perf_counter()
    large = pyvips.Image.thumbnail_buffer(data, 1920).copy_memory()
    large.jpegsave_buffer(Q=82)
    small = large.thumbnail_image(800).copy_memory()
    small.jpegsave_buffer(Q=82)
    small.thumbnail_image(200).jpegsave_buffer(Q=82)
    times.append(time.perf_counter() - t)
version = ".".join(str(pyvips.version(i)) for i in range(3))
print(json.dumps({"median_ms": statistics.median(times) * 1000, "version": version}))
"""


def vips_round(image, python=sys.executable):
    env = dict(os.environ, VIPS_CONCURRENCY="1")
    with tempfile.NamedTemporaryFile("w", suffix=".py", delete=False) as f:
        f.write(VIPS_SCRIPT)
    try:
        start = time.perf_counter()
        proc = subprocess.Popen([python, f.name, str(image)], stdout=subprocess.PIPE, env=env)
        out = proc.stdout.read()
        _, status, usage = os.wait4(proc.pid, 0)
        if os.waitstatus_to_exitcode(status) != 0:
            raise SystemExit("pyvips failed")
        result = json.loads(out)
        return result["median_ms"], usage.ru_maxrss / 1024, result["version"]
    finally:
        os.unlink(f.name)


def render_round(image, out_dir):
    render = str(TARGET / "release" / "render")
    one, rss = run_measured([render, str(image), "--out", out_dir, "--repeat", "1"])
    eleven, _ = run_measured([render, str(image), "--out", out_dir, "--repeat", "11"])
    return (eleven - one) / 10 * 1000, rss


class FirstPoll(http.server.BaseHTTPRequestHandler):
    first = None

    def do_GET(self):
        if FirstPoll.first is None and self.path.endswith("/runtime/invocation/next"):
            FirstPoll.first = time.perf_counter()
        # Never answer: the function keeps waiting; the benchmark kills it.
        time.sleep(5)

    def log_message(self, *args):
        pass


def first_poll_ms():
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
    }
    results = []
    for _ in range(7):
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


def main():
    image = photo()
    out_dir = tempfile.mkdtemp()
    # References: pyvips-binary (PyPI's libvips build), and when bench/run found one, the
    # system's libvips (Debian's, with the SIMD libjpeg-turbo).
    references = {"pyvips-binary": sys.executable}
    if os.environ.get("BENCH_SYSTEM_PYTHON"):
        references["libvips (Debian)"] = os.environ["BENCH_SYSTEM_PYTHON"]
    render_ms, render_rss = [], []
    ref_ms = {name: [] for name in references}
    ref_rss = {name: [] for name in references}
    versions = {}
    try:
        for _ in range(ROUNDS):
            ms, rss = render_round(image, out_dir)
            render_ms.append(ms)
            render_rss.append(rss)
            for name, python in references.items():
                ms, rss, versions[name] = vips_round(image, python)
                ref_ms[name].append(ms)
                ref_rss[name].append(rss)
    finally:
        shutil.rmtree(out_dir, ignore_errors=True)
    r = statistics.median(render_ms)
    result = {
        "photo": f"{image.name} (4000x3000, {image.stat().st_size / 1e6:.1f} MB)",
        "rounds": ROUNDS,
        "render": {"ms_median": round(r, 1), "peak_rss_mb": round(max(render_rss), 1), "ms_all": [round(x, 1) for x in render_ms]},
    }
    for name in references:
        v = statistics.median(ref_ms[name])
        result[name] = {
            "version": versions[name],
            "ms_median": round(v, 1),
            "peak_rss_mb": round(max(ref_rss[name]), 1),
            "render_ratio": round(r / v, 2),
            "ms_all": [round(x, 1) for x in ref_ms[name]],
        }
    result["transform_first_poll_ms_median"] = round(first_poll_ms(), 1)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
