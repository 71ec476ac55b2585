"""The demo's two HTTP steps outside the functions: an upload with a grant, and the download of
what arrived in the destination (used by `scripts/local-aws put-with-grant` and `download`).
"""

import json
import os
import struct
import urllib.error
import urllib.request


def put_with_grant(answer_file, file):
    """PUTs `file` with the grant in `answer_file` (upload-url's answer, as `cargo lambda invoke`
    prints it): the URL and exactly the headers it lists. Prints S3's status; returns it."""
    with open(answer_file) as f:
        answer = json.load(f)
    grant = json.loads(answer["body"])
    with open(file, "rb") as f:
        body = f.read()
    url = grant["url"]
    if not url.startswith("http://127.0.0.1:"):
        raise SystemExit(f"put-with-grant: only the local AWS on loopback, not {url.split('?')[0]}")
    request = urllib.request.Request(url, data=body, method=grant["method"], headers=grant["headers"])
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            status, text = response.status, ""
    except urllib.error.HTTPError as e:
        status, text = e.code, e.read().decode("utf-8", "replace")
    code = text.split("<Code>")[1].split("</Code>")[0] if "<Code>" in text else ""
    print(
        f"   PUT {grant['key']} ({len(body)} bytes, {len(grant['headers'])} signed headers): {status} {code}".rstrip()
    )
    return status


def dimensions(data):
    """(width, height) of a JPEG, PNG or WebP from its header, or None."""
    if data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) >= 24:
        return struct.unpack(">II", data[16:24])
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP" and len(data) >= 30:
        chunk = data[12:16]
        if chunk == b"VP8X":
            return 1 + int.from_bytes(data[24:27], "little"), 1 + int.from_bytes(data[27:30], "little")
        if chunk == b"VP8L":
            bits = int.from_bytes(data[21:25], "little")
            return 1 + (bits & 0x3FFF), 1 + ((bits >> 14) & 0x3FFF)
        if chunk == b"VP8 ":
            w, h = struct.unpack("<HH", data[26:30])
            return w & 0x3FFF, h & 0x3FFF
    if data[:2] == b"\xff\xd8":
        i = 2
        while i + 9 <= len(data) and data[i] == 0xFF:
            marker, length = data[i + 1], int.from_bytes(data[i + 2 : i + 4], "big")
            if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
                h, w = struct.unpack(">HH", data[i + 5 : i + 9])
                return w, h
            i += 2 + length
    return None


def download(s3, bucket, directory):
    """Downloads every object of `bucket` into `directory` (keys as paths) and prints a table of
    key, size in pixels and bytes."""
    rows = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        for obj in page.get("Contents", []):
            key = obj["Key"]
            path = os.path.realpath(os.path.join(directory, key))
            if not path.startswith(os.path.realpath(directory) + os.sep):
                raise SystemExit(f"download: the key {key!r} leaves {directory}")
            data = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "wb") as f:
                f.write(data)
            size = dimensions(data)
            rows.append((key, f"{size[0]}x{size[1]}" if size else "-", len(data)))
    width = max([len("key")] + [len(r[0]) for r in rows])
    print(f"   {'key':<{width}}  {'size':>9}  {'bytes':>8}")
    for key, size, n in rows:
        print(f"   {key:<{width}}  {size:>9}  {n:>8}")
    print(f"   {len(rows)} file(s) in {directory}/")
