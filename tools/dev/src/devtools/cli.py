"""`python -m devtools COMMAND`: the demo's helpers, each printing its result on stdout.

free-port                          a free port on 127.0.0.1
wait-port PORT [--timeout S]       wait until 127.0.0.1:PORT accepts (exit 1 after S seconds)
ask-event --template F --content-type T --file F --out F
                                   upload-url's Function URL request for a file, into --out;
                                   prints what it asks (POST and its body)
describe-answer --answer F         upload-url's answer, for a person (never the URL's query)
granted-key --answer F             the key a grant uploads to
s3-put-event --template F --key K --file F
                                   the S3 notification of that upload (key, size, ETag)
unified-features [--target T ...]  whether every function and render build their shared crates
                                   with the same features (exit 1 naming what to add to
                                   workspace-hack/Cargo.toml); run from the workspace
"""

import argparse
import json
import os
import sys

from . import features, ports, uploads


def read_json(path):
    with open(path) as f:
        return json.load(f)


def read_bytes(path):
    with open(path, "rb") as f:
        return f.read()


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m devtools", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("free-port")
    w = sub.add_parser("wait-port")
    w.add_argument("port", type=int)
    w.add_argument("--timeout", type=float, default=120.0)
    a = sub.add_parser("ask-event")
    a.add_argument("--template", required=True)
    a.add_argument("--content-type", required=True)
    a.add_argument("--file", required=True)
    a.add_argument("--out", required=True)
    for name in ("describe-answer", "granted-key"):
        sub.add_parser(name).add_argument("--answer", required=True)
    e = sub.add_parser("s3-put-event")
    e.add_argument("--template", required=True)
    e.add_argument("--key", required=True)
    e.add_argument("--file", required=True)
    u = sub.add_parser("unified-features")
    u.add_argument("--target", action="append", dest="targets")
    args = parser.parse_args(argv)

    if args.command == "free-port":
        print(ports.free_port())
    elif args.command == "wait-port":
        if not ports.wait_for_port(args.port, args.timeout):
            print(f"nothing accepts connections on 127.0.0.1:{args.port} after {args.timeout:.0f} s", file=sys.stderr)
            return 1
    elif args.command == "ask-event":
        event = uploads.ask_event(read_json(args.template), args.content_type, read_bytes(args.file), args.file)
        with open(args.out, "w") as f:
            json.dump(event, f)
        print(f"POST {event['body']}")
    elif args.command == "describe-answer":
        print("\n".join(uploads.describe_answer(read_json(args.answer))))
    elif args.command == "granted-key":
        print(uploads.granted_key(read_json(args.answer)))
    elif args.command == "s3-put-event":
        print(json.dumps(uploads.s3_put_event(read_json(args.template), args.key, read_bytes(args.file))))
    elif args.command == "unified-features":
        targets = args.targets or ["aarch64-unknown-linux-gnu", "x86_64-unknown-linux-gnu"]
        return features.check(os.getcwd(), targets)
    return 0
