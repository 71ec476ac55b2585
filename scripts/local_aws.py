#!/usr/bin/env python3
"""The local two-account AWS: a moto server on loopback, provisioned like the real thing.

Two sub-commands, both used by the Rust test helper (`testkit`), `scripts/test` and `scripts/demo`:

  serve [--parent-pid PID] [--state-file FILE]
      Starts moto on an ephemeral 127.0.0.1 port with cross-account S3 access refused, creates an
      admin user with an access key in each of the two accounts, switches IAM enforcement on, then
      prints one JSON line (the "state": endpoint, pid, admin keys) and keeps serving until
      stdin closes (the default: the process that started it went away) or, with --parent-pid,
      until that process is gone, or until SIGTERM/SIGINT.

  pipeline --state-file FILE --name NAME [--source-prefix P] [--destination-prefix P]
           [--writer-drop ACTION ...] [--execution-drop ACTION ...] [--env-file FILE]
           [--upload-prefix P]
      Provisions one pipeline as CONTRACT.md describes it, on exact ARNs: a source bucket and the
      pipeline execution role in the source account, a destination bucket and the writer role
      (trusting the execution role with an ExternalId) in the destination account. Then assumes
      the execution role as the source admin, which is what Lambda hands a function, and prints
      one JSON line with the names, ARNs and those temporary credentials. `--writer-drop` /
      `--execution-drop` leave an action out of a role's policy, for tests of broken setups.
      `--env-file` also writes the function's environment (the contract's settings and the
      execution role's credentials, as Lambda would set them) as shell `export` lines;
      `--lambda-env-file` the same as KEY=VALUE lines for `cargo lambda watch --env-file`;
      `--sam-env-vars` the settings as `sam local invoke --env-vars` JSON. `--upload-prefix P`
      also provisions upload-url's uploader role (s3:PutObject on P*, nothing else) and
      adds it, with its temporary credentials, as "uploader_role".

  Faults (scripts/faults.py): requests signed with temporary credentials for a bucket or role
  whose name holds "chaos" get, at random, S3's 503 SlowDown or 500 InternalError, and every
  other AssumeRole call STS's Throttling; FAULT_SEED (environment) fixes the random sequence.
  GET /_local_aws/faults answers how many of each were injected so far.

  Presigned requests: moto cannot serve query-signed requests with IAM enforcement on, so the
  verifying layer of scripts/presigned.py checks their signature and expiry as S3 does and
  forwards them header-signed with the same credentials; GET /_local_aws/presigned answers how
  many it let through and refused.

  put --state-file FILE --account source|destination --bucket B --key K --file F
  list --state-file FILE --account source|destination --bucket B
      Upload a file / list a bucket as an account's admin (setting up and checking results).

  put-with-grant --answer FILE --file F [--expect STATUS]
  download --state-file FILE --account source|destination --bucket B --to DIR
      The demo's upload with upload-url's grant, and its download of the destination into DIR
      with a table of key, size and bytes (scripts/demo_files.py).

Everything here is local and fake: the keys are moto's, valid only against this server.
"""

import argparse
import json
import os
import secrets
import signal
import sys
import threading
import time
import urllib.request

# Read by moto when it handles a request; set before moto is imported all the same.
os.environ["MOTO_S3_ALLOW_CROSSACCOUNT_ACCESS"] = "false"
os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")

SOURCE_ACCOUNT = "111111111111"
DESTINATION_ACCOUNT = "222222222222"
REGION = "us-east-1"

ADMIN_POLICY = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
}


def log(message):
    print(f"local-aws: {message}", file=sys.stderr, flush=True)


def client(service, endpoint, keys=None, account=None):
    """A boto3 client for the local server, as an admin key pair or (auth off) as an account."""
    import boto3

    if keys is None:
        keys = {"access_key_id": "provisioning", "secret_access_key": "provisioning"}
    c = boto3.client(
        service,
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id=keys["access_key_id"],
        aws_secret_access_key=keys["secret_access_key"],
        aws_session_token=keys.get("session_token"),
    )
    if account is not None:

        def add_account_header(request, **_):
            request.headers["x-moto-account-id"] = account

        c.meta.events.register("before-sign.*.*", add_account_header)
    return c


def wait_until_ready(endpoint, timeout_seconds=30.0):
    """Polls the moto API until it answers: the server is ready when it says so, not after a sleep."""
    deadline = time.monotonic() + timeout_seconds
    while True:
        try:
            with urllib.request.urlopen(f"{endpoint}/moto-api/", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise SystemExit(f"local-aws: moto did not answer on {endpoint} within {timeout_seconds}s")
        time.sleep(0.05)


def enforce_iam(endpoint):
    """Switches IAM enforcement on for every later request (moto wants text/plain here)."""
    request = urllib.request.Request(
        f"{endpoint}/moto-api/reset-auth",
        data=b"0",
        method="POST",
        headers={"Content-Type": "text/plain"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        if response.status != 200:
            raise SystemExit(f"local-aws: reset-auth answered {response.status}")


def create_admin(endpoint, account):
    iam = client("iam", endpoint, account=account)
    iam.create_user(UserName="admin")
    iam.put_user_policy(UserName="admin", PolicyName="admin", PolicyDocument=json.dumps(ADMIN_POLICY))
    key = iam.create_access_key(UserName="admin")["AccessKey"]
    return {"access_key_id": key["AccessKeyId"], "secret_access_key": key["SecretAccessKey"]}


def serve(args):
    import logging

    from moto.server import ThreadedMotoServer

    # One line per request drowns the test output; errors still show.
    logging.getLogger("werkzeug").setLevel(logging.ERROR)

    class FaultyMotoServer(ThreadedMotoServer):
        """moto's threaded server with the fault layer in front of its application."""

        def _server_entry(self):
            from moto.moto_server.werkzeug_app import (
                DomainDispatcherApplication,
                MotoRequestHandler,
                create_backend_app,
            )
            from werkzeug.serving import make_server

            from faults import Faults
            from presigned import Presigned

            faults = Faults(DomainDispatcherApplication(create_backend_app), os.environ.get("FAULT_SEED"))
            app = Presigned(faults)
            self._server = make_server(self._ip_address, self._port, app, True, request_handler=MotoRequestHandler)
            self._server_ready_event.set()
            self._server.serve_forever()

    server = FaultyMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    wait_until_ready(endpoint)

    state = {
        "endpoint": endpoint,
        "region": REGION,
        "pid": os.getpid(),
        "accounts": {
            "source": {"id": SOURCE_ACCOUNT, "admin": create_admin(endpoint, SOURCE_ACCOUNT)},
            "destination": {"id": DESTINATION_ACCOUNT, "admin": create_admin(endpoint, DESTINATION_ACCOUNT)},
        },
    }
    enforce_iam(endpoint)

    line = json.dumps(state)
    if args.state_file:
        tmp = f"{args.state_file}.tmp"
        with open(tmp, "w") as f:
            f.write(line + "\n")
        os.replace(tmp, args.state_file)
    print(line, flush=True)
    log(f"serving on {endpoint} (pid {os.getpid()}), IAM enforcement on")

    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, lambda *_: stop.set())

    if args.parent_pid:

        def watch_parent():
            while not stop.is_set():
                try:
                    os.kill(args.parent_pid, 0)
                except ProcessLookupError:
                    stop.set()
                stop.wait(0.5)

        threading.Thread(target=watch_parent, daemon=True).start()
    else:

        def watch_stdin():
            # Returns at EOF: whoever started us is gone (or closed the pipe on purpose).
            sys.stdin.buffer.read()
            stop.set()

        threading.Thread(target=watch_stdin, daemon=True).start()

    stop.wait()
    server.stop()
    if args.state_file:
        try:
            os.remove(args.state_file)
        except FileNotFoundError:
            pass


def policy(*statements):
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def allow(actions, resources):
    return {"Effect": "Allow", "Action": sorted(actions), "Resource": resources}


def pipeline(args):
    with open(args.state_file) as f:
        state = json.load(f)
    endpoint = state["endpoint"]
    src = state["accounts"]["source"]
    dst = state["accounts"]["destination"]
    name = args.name
    source_bucket = f"src-{name}"
    destination_bucket = f"dst-{name}"
    execution_role = f"pipeline-{name}"
    writer_role = f"writer-{name}"
    execution_role_arn = f"arn:aws:iam::{src['id']}:role/{execution_role}"
    writer_role_arn = f"arn:aws:iam::{dst['id']}:role/{writer_role}"
    external_id = secrets.token_hex(16)
    sp, dp = args.source_prefix, args.destination_prefix

    # Source account: the bucket and the pipeline execution role.
    s3_src = client("s3", endpoint, src["admin"])
    s3_src.create_bucket(Bucket=source_bucket)
    iam_src = client("iam", endpoint, src["admin"])
    # Lambda's service principal, plus the source admin so tests can take the role as Lambda
    # would hand it to a function (moto answers 500 to a trust policy with only a Service).
    iam_src.create_role(
        RoleName=execution_role,
        AssumeRolePolicyDocument=policy(
            {
                "Effect": "Allow",
                "Principal": {
                    "Service": "lambda.amazonaws.com",
                    "AWS": f"arn:aws:iam::{src['id']}:user/admin",
                },
                "Action": "sts:AssumeRole",
            }
        ),
    )
    execution = [
        allow({"s3:GetObject", "s3:GetObjectVersion"} - set(args.execution_drop), [f"arn:aws:s3:::{source_bucket}/{sp}*"]),
        allow({"s3:ListBucket"} - set(args.execution_drop), [f"arn:aws:s3:::{source_bucket}"]),
        allow({"sts:AssumeRole"} - set(args.execution_drop), [writer_role_arn]),
    ]
    iam_src.put_role_policy(
        RoleName=execution_role,
        PolicyName="pipeline",
        PolicyDocument=policy(*[s for s in execution if s["Action"]]),
    )

    # Destination account: the bucket and the writer role.
    s3_dst = client("s3", endpoint, dst["admin"])
    s3_dst.create_bucket(Bucket=destination_bucket)
    iam_dst = client("iam", endpoint, dst["admin"])
    iam_dst.create_role(
        RoleName=writer_role,
        AssumeRolePolicyDocument=policy(
            {
                "Effect": "Allow",
                "Principal": {"AWS": execution_role_arn},
                "Action": "sts:AssumeRole",
                "Condition": {"StringEquals": {"sts:ExternalId": external_id}},
            }
        ),
    )
    writer = [
        allow(
            {"s3:PutObject", "s3:GetObject", "s3:DeleteObject"} - set(args.writer_drop),
            [f"arn:aws:s3:::{destination_bucket}/{dp}*"],
        ),
        allow({"s3:ListBucket"} - set(args.writer_drop), [f"arn:aws:s3:::{destination_bucket}"]),
    ]
    iam_dst.put_role_policy(
        RoleName=writer_role,
        PolicyName="writer",
        PolicyDocument=policy(*[s for s in writer if s["Action"]]),
    )

    # What Lambda gives the function: the execution role's temporary credentials.
    sts = client("sts", endpoint, src["admin"])
    creds = sts.assume_role(RoleArn=execution_role_arn, RoleSessionName=f"lambda-{name}"[:64])["Credentials"]
    uploader = None
    if args.upload_prefix is not None:
        uploader = uploader_role(iam_src, sts, src, name, source_bucket, args.upload_prefix)

    result = {
                "endpoint": endpoint,
                "region": state["region"],
                "source": {"account_id": src["id"], "bucket": source_bucket, "prefix": sp},
                "destination": {
                    "account_id": dst["id"],
                    "bucket": destination_bucket,
                    "prefix": dp,
                    "role_arn": writer_role_arn,
                    "external_id": external_id,
                },
                "execution_role": {
                    "arn": execution_role_arn,
                    "credentials": {
                        "access_key_id": creds["AccessKeyId"],
                        "secret_access_key": creds["SecretAccessKey"],
                        "session_token": creds["SessionToken"],
                    },
                },
            }
    if uploader:
        result["uploader_role"] = uploader
    if args.env_file:
        write_env_file(args.env_file, result)
    if args.lambda_env_file:
        write_env_file(args.lambda_env_file, result, plain=True)
    if args.sam_env_vars:
        write_sam_env_vars(args.sam_env_vars, result)
    print(json.dumps(result), flush=True)


def uploader_role(iam_src, sts, src, name, source_bucket, upload_prefix):
    """The upload-url function's role as the template defines it: s3:PutObject under the upload
    prefix and nothing else; assumed as Lambda would hand it to the function."""
    role = f"uploader-{name}"
    arn = f"arn:aws:iam::{src['id']}:role/{role}"
    iam_src.create_role(
        RoleName=role,
        AssumeRolePolicyDocument=policy(
            {
                "Effect": "Allow",
                "Principal": {"Service": "lambda.amazonaws.com", "AWS": f"arn:aws:iam::{src['id']}:user/admin"},
                "Action": "sts:AssumeRole",
            }
        ),
    )
    iam_src.put_role_policy(
        RoleName=role,
        PolicyName="uploader",
        PolicyDocument=policy(allow({"s3:PutObject"}, [f"arn:aws:s3:::{source_bucket}/{upload_prefix}*"])),
    )
    creds = sts.assume_role(RoleArn=arn, RoleSessionName=f"lambda-upload-{name}"[:64])["Credentials"]
    return {
        "arn": arn,
        "upload_prefix": upload_prefix,
        "credentials": {
            "access_key_id": creds["AccessKeyId"],
            "secret_access_key": creds["SecretAccessKey"],
            "session_token": creds["SessionToken"],
        },
    }


def pipeline_settings(p):
    """The contract's settings of a provisioned pipeline, as the template would set them."""
    return {
        "AWS_ENDPOINT_URL": p["endpoint"],
        "SOURCE_BUCKET": p["source"]["bucket"],
        "SOURCE_PREFIX": p["source"]["prefix"],
        "DESTINATION_BUCKET": p["destination"]["bucket"],
        "DESTINATION_PREFIX": p["destination"]["prefix"],
        "DESTINATION_ROLE_ARN": p["destination"]["role_arn"],
        "DESTINATION_EXTERNAL_ID": p["destination"]["external_id"],
    }


def private_file(path):
    """A file only its owner can read: it holds credentials or the ExternalId."""
    return os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w")


def write_env_file(path, p, plain=False):
    """The function's environment for this pipeline: shell export lines, or with `plain`
    KEY=VALUE lines as `cargo lambda watch --env-file` reads them."""
    import shlex

    creds = p["execution_role"]["credentials"]
    env = {
        "AWS_REGION": p["region"],
        "AWS_DEFAULT_REGION": p["region"],
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_ACCESS_KEY_ID": creds["access_key_id"],
        "AWS_SECRET_ACCESS_KEY": creds["secret_access_key"],
        "AWS_SESSION_TOKEN": creds["session_token"],
        **pipeline_settings(p),
    }
    with private_file(path) as f:
        for k, v in env.items():
            # dotenv needs base64 (session tokens) double-quoted; JSON quoting is compatible.
            f.write(f"{k}={json.dumps(v)}\n" if plain else f"export {k}={shlex.quote(v)}\n")


def write_sam_env_vars(path, p):
    """`sam local invoke --env-vars` JSON for this pipeline: the settings of every function
    (credentials are not template variables: SAM hands the container the shell's)."""
    with private_file(path) as f:
        json.dump({"Parameters": pipeline_settings(p)}, f, indent=2)


def admin_s3(args):
    with open(args.state_file) as f:
        state = json.load(f)
    return client("s3", state["endpoint"], state["accounts"][args.account]["admin"])


def put(args):
    with open(args.file, "rb") as f:
        admin_s3(args).put_object(Bucket=args.bucket, Key=args.key, Body=f.read())


def list_bucket(args):
    pages = admin_s3(args).get_paginator("list_objects_v2").paginate(Bucket=args.bucket)
    for page in pages:
        for obj in page.get("Contents", []):
            print(f"{obj['Size']:>10}  s3://{args.bucket}/{obj['Key']}")


def put_with_grant_command(args):
    from demo_files import put_with_grant

    status = put_with_grant(args.answer, args.file)
    sys.exit(0 if status == args.expect else 1)


def download_command(args):
    from demo_files import download

    download(admin_s3(args), args.bucket, args.to)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    s = sub.add_parser("serve", help="start the local two-account AWS")
    s.add_argument("--parent-pid", type=int, help="stop when this process is gone (default: when stdin closes)")
    s.add_argument("--state-file", help="also write the state JSON here (removed on exit)")
    p = sub.add_parser("pipeline", help="provision one pipeline (buckets and roles) in a running server")
    p.add_argument("--state-file", required=True)
    p.add_argument("--name", required=True, help="lowercase letters, digits and '-'; names the buckets and roles")
    p.add_argument("--source-prefix", default="")
    p.add_argument("--destination-prefix", default="")
    p.add_argument("--writer-drop", action="append", default=[], metavar="ACTION")
    p.add_argument("--execution-drop", action="append", default=[], metavar="ACTION")
    p.add_argument("--upload-prefix", help="UPLOAD_PREFIX: also provision upload-url's uploader role, allowed s3:PutObject there only")
    p.add_argument("--env-file", help="also write the function's environment here as export lines")
    p.add_argument("--lambda-env-file", help="also write it as KEY=VALUE lines (cargo lambda watch --env-file)")
    p.add_argument("--sam-env-vars", help="also write the settings as sam local invoke --env-vars JSON")
    for name, helptext in (("put", "upload a file as an account's admin"), ("list", "list a bucket as an account's admin")):
        a = sub.add_parser(name, help=helptext)
        a.add_argument("--state-file", required=True)
        a.add_argument("--account", choices=["source", "destination"], required=True)
        a.add_argument("--bucket", required=True)
        if name == "put":
            a.add_argument("--key", required=True)
            a.add_argument("--file", required=True)
    g = sub.add_parser("put-with-grant", help="upload a file with upload-url's answer (URL and headers)")
    g.add_argument("--answer", required=True, help="upload-url's response JSON")
    g.add_argument("--file", required=True)
    g.add_argument("--expect", type=int, default=200, help="the status that counts as success")
    d = sub.add_parser("download", help="download a bucket into a folder as an account's admin, with a table")
    d.add_argument("--state-file", required=True)
    d.add_argument("--account", choices=["source", "destination"], required=True)
    d.add_argument("--bucket", required=True)
    d.add_argument("--to", required=True)
    args = parser.parse_args()
    commands = {"serve": serve, "pipeline": pipeline, "put": put, "list": list_bucket,
                "put-with-grant": put_with_grant_command, "download": download_command}
    commands[args.command](args)


if __name__ == "__main__":
    main()
