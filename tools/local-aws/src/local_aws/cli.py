#!/usr/bin/env python3
"""The local AWS: a moto server on loopback playing a source account and two destination
accounts, where the templates deploy.

The sub-commands, used by the Rust test helper (`testkit`), `scripts/test` and `scripts/demo`:

  serve [--parent-pid PID] [--state-file FILE] [--also-listen ADDRESS]
      Starts moto on an ephemeral 127.0.0.1 port with cross-account S3 access refused, creates an
      admin user with an access key in each account (source 111111111111, destination
      222222222222, destination2 333333333333: a second destination), switches IAM enforcement on, then
      prints one JSON line (the "state": endpoint, pid, admin keys) and keeps serving until
      stdin closes (the default: the process that started it went away) or, with --parent-pid,
      until that process is gone, or until SIGTERM/SIGINT. With --also-listen ADDRESS (a
      container bridge's gateway, such as podman's 10.88.0.1; never 0.0.0.0) it serves on that
      address and the same port too, and the state says `container_endpoint`.

  pipeline (or deploy) --state-file FILE --name NAME [--source-prefix P] [--destination-prefix P]
           [--writer-drop ACTION ...] [--execution-drop ACTION ...] [--env-file FILE]
           [--upload-prefix P]
      A local `sam deploy` of one pipeline (deploy.py): the source stack (template.yaml, expanded
      by SAM's own translator) created by the local AWS's CloudFormation in the source account,
      then the destination stack (destination/template.yaml) in the destination account with the
      source stack's PipelineRoleArn, each with the parameters an operator would give (buckets
      src-NAME and dst-NAME, roles pipeline-NAME and writer-NAME, a fresh ExternalId, Batch
      Operations on). Says on stderr what the local AWS does not create (alarms, the Function
      URL, the bucket policy...). Then assumes the deployed pipeline role as the source admin,
      which is what Lambda hands a function, and prints one JSON line with the names, ARNs, those
      temporary credentials, each function's environment as the stack defines it ("functions")
      and each role's deployed policies ("policies"). `--writer-drop` / `--execution-drop`
      put a deployed role's policy back without an action, for tests of broken setups.
      `--env-file` also writes transform's environment (the stack's, and the pipeline role's
      credentials, as Lambda would set them) as shell `export` lines; `--lambda-env-file` the
      same as KEY=VALUE lines for `cargo lambda watch --env-file`; `--sam-env-vars` every
      function's environment as `sam local invoke --env-vars` JSON. `--upload-prefix P` also
      enables upload-url (UploadUrl=Enabled, its uploader role may put under P only) and adds
      that role, with its temporary credentials, as "uploader_role"; `--upload-url-env-file`
      writes upload-url's own environment (that role, and what its stack gives it).

  Faults (faults.py): requests signed with temporary credentials for a bucket or role
  whose name holds "chaos" get, at random, S3's 503 SlowDown or 500 InternalError, and every
  other AssumeRole call STS's Throttling; FAULT_SEED (environment) fixes the random sequence.
  GET /_local_aws/faults answers how many of each were injected so far.

  Presigned requests: moto cannot serve query-signed requests with IAM enforcement on, so the
  verifying layer of presigned.py checks their signature and expiry as S3 does and
  forwards them header-signed with the same credentials; GET /_local_aws/presigned answers how
  many it let through and refused.

  event --state-file FILE --bucket B --key K [--shape s3|sqs|eventbridge|batch] [--removed]
      Prints the event for an object of the local AWS (events.py): the sample of events/ with
      the bucket, the key and the object's real ETag, size and version, and a sequencer that
      orders after every event made before it; ready for `sam local invoke -e -` or
      `cargo lambda invoke --data-file`. `--removed`: the removal event (delete marker's version).

  put --state-file FILE --account source|destination|destination2 --bucket B --key K --file F
  delete --state-file FILE --account source|destination|destination2 --bucket B --key K
  list --state-file FILE --account source|destination|destination2 --bucket B [--json]
      Upload a file / delete an object / list a bucket as an account's admin (setting up and
      checking results; `--json`: the keys as one JSON list).

  put-with-grant --answer FILE --file F [--expect STATUS]
  download --state-file FILE --account source|destination|destination2 --bucket B --to DIR
      The demo's upload with upload-url's grant, and its download of the destination into DIR
      with a table of key, size and bytes (files.py).

Everything here is local and fake: the keys are moto's, valid only against this server.
"""

import argparse
import json
import sys

from . import accounts, events, files, provision, server


def put(args):
    with open(args.file, "rb") as f:
        accounts.admin_s3(accounts.load_state(args.state_file), args.account).put_object(
            Bucket=args.bucket, Key=args.key, Body=f.read()
        )


def list_bucket(args):
    s3 = accounts.admin_s3(accounts.load_state(args.state_file), args.account)
    objects = [
        o for page in s3.get_paginator("list_objects_v2").paginate(Bucket=args.bucket) for o in page.get("Contents", [])
    ]
    if args.json:
        print(json.dumps([o["Key"] for o in objects], ensure_ascii=False))
        return
    for obj in objects:
        print(f"{obj['Size']:>10}  s3://{args.bucket}/{obj['Key']}")


def delete(args):
    accounts.admin_s3(accounts.load_state(args.state_file), args.account).delete_object(
        Bucket=args.bucket, Key=args.key
    )


def put_with_grant(args):
    status = files.put_with_grant(args.answer, args.file)
    sys.exit(0 if status == args.expect else 1)


def download(args):
    files.download(accounts.admin_s3(accounts.load_state(args.state_file), args.account), args.bucket, args.to)


def state_field(args):
    """One field of the state, for a shell script (`endpoint`, `pid`, `region`)."""
    print(accounts.load_state(args.state_file)[args.field])


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="scripts/local-aws", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="command", required=True)
    s = sub.add_parser("serve", help="start the local AWS (a source and two destination accounts)")
    s.add_argument("--parent-pid", type=int, help="stop when this process is gone (default: when stdin closes)")
    s.add_argument(
        "--also-listen",
        metavar="ADDRESS",
        help="serve on this container bridge gateway too (same port), for functions in containers",
    )
    s.add_argument("--state-file", help="also write the state JSON here (removed on exit)")
    p = sub.add_parser(
        "pipeline",
        aliases=["deploy"],
        help="deploy both stacks of one pipeline (a local sam deploy) in a running server",
    )
    p.add_argument("--state-file", required=True)
    p.add_argument("--name", required=True, help="lowercase letters, digits and '-'; names the buckets and roles")
    p.add_argument("--source-prefix", default="")
    p.add_argument("--destination-prefix", default="")
    p.add_argument(
        "--routes",
        action="store_true",
        help="two destinations in two accounts (destination, destination2) as the source stack's Routes",
    )
    p.add_argument("--writer-drop", action="append", default=[], metavar="ACTION")
    p.add_argument("--execution-drop", action="append", default=[], metavar="ACTION")
    p.add_argument(
        "--upload-prefix",
        help="UPLOAD_PREFIX: also provision upload-url's uploader role, allowed s3:PutObject there only",
    )
    p.add_argument("--env-file", help="also write the function's environment here as export lines")
    p.add_argument("--lambda-env-file", help="also write it as KEY=VALUE lines (cargo lambda watch --env-file)")
    p.add_argument("--sam-env-vars", help="also write the settings as sam local invoke --env-vars JSON")
    p.add_argument(
        "--sam-endpoint",
        help="the local AWS as a container reaches it, for --sam-env-vars (default: the state's container_endpoint)",
    )
    p.add_argument(
        "--upload-url-env-file", help="with --upload-prefix: also write upload-url's own environment (KEY=VALUE lines)"
    )
    for name, helptext in (
        ("put", "upload a file as an account's admin"),
        ("delete", "delete an object as an account's admin"),
        ("list", "list a bucket as an account's admin"),
    ):
        a = sub.add_parser(name, help=helptext)
        a.add_argument("--state-file", required=True)
        a.add_argument("--account", choices=list(accounts.ACCOUNTS), required=True)
        a.add_argument("--bucket", required=True)
        if name in ("put", "delete"):
            a.add_argument("--key", required=True)
        if name == "put":
            a.add_argument("--file", required=True)
        if name == "list":
            a.add_argument("--json", action="store_true", help="the keys as one JSON list")
    e = sub.add_parser("event", help="print the event for an object, with its real ETag, size, version")
    e.add_argument("--state-file", required=True)
    e.add_argument("--account", choices=list(accounts.ACCOUNTS), default="source")
    e.add_argument("--bucket", required=True)
    e.add_argument("--key", required=True, help="the object's key as stored (not URL-encoded)")
    e.add_argument("--shape", choices=events.SHAPES, default="s3", help="the event's source (default s3)")
    e.add_argument("--removed", action="store_true", help="the removal event instead of the creation")
    g = sub.add_parser("put-with-grant", help="upload a file with upload-url's answer (URL and headers)")
    g.add_argument("--answer", required=True, help="upload-url's response JSON")
    g.add_argument("--file", required=True)
    g.add_argument("--expect", type=int, default=200, help="the status that counts as success")
    d = sub.add_parser("download", help="download a bucket into a folder as an account's admin, with a table")
    d.add_argument("--state-file", required=True)
    d.add_argument("--account", choices=list(accounts.ACCOUNTS), required=True)
    d.add_argument("--bucket", required=True)
    d.add_argument("--to", required=True)
    f = sub.add_parser("state", help="print one field of the state (for shell scripts)")
    f.add_argument("--state-file", required=True)
    f.add_argument("--field", choices=["endpoint", "pid", "region"], required=True)
    args = parser.parse_args(argv)
    commands = {
        "serve": server.serve,
        "pipeline": provision.pipeline,
        "deploy": provision.pipeline,
        "event": events.event,
        "put": put,
        "delete": delete,
        "list": list_bucket,
        "put-with-grant": put_with_grant,
        "download": download,
        "state": state_field,
    }
    commands[args.command](args)
