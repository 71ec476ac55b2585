"""Runs transform over a whole bucket with S3 Batch Operations (see the README's "S3 Batch
Operations" section). Uses the AWS CLI (`aws s3control create-job`, `describe-job`) like the rest
of the operator guide; Python's standard library otherwise.

  scripts/batch-job --stack NAME (--prefix P [--created-after DATE] [--min-size N] [--max-size N]
                                  | --inventory s3://B/K/manifest.json | --csv s3://B/K.csv)
                    [--force] [--priority N] [--report s3://B/P] [--dry-run] [--watch]

What the job needs comes from the source stack's outputs and parameters (`aws cloudformation
describe-stacks`), or with `--stack-file` from that command's JSON saved in a file; the account
from `aws sts get-caller-identity` or `--account-id`; a manifest's ETag from `aws s3api
head-object` or `--manifest-etag`; the idempotency token is random unless
`--client-request-token` gives it. So `--dry-run` with those four needs no AWS at all: it prints
the CreateJob request (the `--cli-input-json` document) and exits.

Refused, with what to do: a stack without the Batch Operations role, a prefix outside
SourcePrefix, a manifest the role cannot read, a report location the role cannot write, a
function in another account than the job's.
"""

import argparse
import json
import subprocess
import sys
import time
import uuid


class Refused(Exception):
    """A job that cannot work, and why."""


def aws(*args):
    """Runs the AWS CLI and returns its JSON answer."""
    try:
        out = subprocess.run(["aws", *args, "--output", "json"], check=True, capture_output=True, text=True)
    except FileNotFoundError:
        raise Refused("the AWS CLI (aws) is not installed; see https://docs.aws.amazon.com/cli/") from None
    except subprocess.CalledProcessError as e:
        raise Refused(f"aws {' '.join(args[:2])} failed: {e.stderr.strip()}") from None
    return json.loads(out.stdout or "{}")


def s3_location(url, what):
    if not url.startswith("s3://") or "/" not in url[5:]:
        raise Refused(f"{what} {url!r} is not s3://BUCKET/KEY")
    bucket, key = url[5:].split("/", 1)
    return bucket, key


def stack_facts(stack):
    """Outputs and parameters of a describe-stacks answer (or of its Stacks[0])."""
    if "Stacks" in stack:
        stack = stack["Stacks"][0]
    facts = {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}
    facts.update({p["ParameterKey"]: p.get("ParameterValue", "") for p in stack.get("Parameters", [])})
    return facts


def build_request(args, facts, account_id, token, etag):
    """The CreateJob request, after every refusal."""
    role = facts.get("BatchOperationsRoleArn")
    if not role:
        raise Refused(
            "the stack has no BatchOperationsRoleArn output: deploy it with BatchOperations=Enabled "
            "(and BatchManifestBucket, BatchReportBucket) first"
        )
    function = facts["TransformFunctionArn"]
    function_account = function.split(":")[4] if function.count(":") >= 6 else ""
    if function_account != account_id:
        raise Refused(
            f"the transform function {function} is in account {function_account or '?'}, but the job would "
            f"run in {account_id}: Batch Operations invokes functions of its own account; run this with "
            f"the source account's credentials (or --account-id {function_account})"
        )
    source_bucket, source_prefix = facts["SourceBucket"], facts.get("SourcePrefix", "")
    report_bucket, report_prefix = facts.get("BatchReportBucket", ""), facts.get("BatchReportPrefix", "")
    if args.report:
        bucket, prefix = s3_location(args.report.rstrip("/") + "/", "--report")
        if bucket != report_bucket or not prefix.startswith(report_prefix):
            raise Refused(
                f"the job role can write reports only under s3://{report_bucket}/{report_prefix} "
                f"(BatchReportBucket, BatchReportPrefix), not {args.report}: choose a location there or "
                f"update the stack's parameters"
            )
        report_prefix = prefix
    report_prefix = report_prefix.rstrip("/")
    partition = function.split(":")[1]

    def arn(bucket, key=None):
        return f"arn:{partition}:s3:::{bucket}" + (f"/{key}" if key is not None else "")

    request = {
        "AccountId": account_id,
        "ConfirmationRequired": False,
        "Operation": {"LambdaInvoke": {"FunctionArn": function, "InvocationSchemaVersion": "2.0"}},
        "Report": {
            "Bucket": arn(report_bucket),
            "Format": "Report_CSV_20180820",
            "Enabled": True,
            "ReportScope": args.report_scope,
        },
        "ClientRequestToken": token,
        "Priority": args.priority,
        "RoleArn": role,
    }
    if report_prefix:
        request["Report"]["Prefix"] = report_prefix
    if args.force:
        request["Operation"]["LambdaInvoke"]["UserArguments"] = {"force": "true"}

    if args.prefix is not None:
        if not args.prefix.startswith(source_prefix):
            raise Refused(
                f"the prefix {args.prefix!r} is outside SourcePrefix {source_prefix!r}: the job role (and the "
                f"pipeline) read only under it"
            )
        filters = {"KeyNameConstraint": {"MatchAnyPrefix": [args.prefix]}} if args.prefix else {}
        if args.created_after:
            filters["CreatedAfter"] = args.created_after
        if args.min_size is not None:
            filters["ObjectSizeGreaterThanBytes"] = args.min_size
        if args.max_size is not None:
            filters["ObjectSizeLessThanBytes"] = args.max_size
        generator = {
            "ExpectedBucketOwner": account_id,
            "SourceBucket": arn(source_bucket),
            "EnableManifestOutput": True,
            "ManifestOutputLocation": {
                "ExpectedManifestBucketOwner": account_id,
                "Bucket": arn(report_bucket),
                "ManifestPrefix": f"{report_prefix}/manifests".lstrip("/"),
                "ManifestFormat": "S3InventoryReport_CSV_20211130",
            },
        }
        if filters:
            generator["Filter"] = filters
        request["ManifestGenerator"] = {"S3JobManifestGenerator": generator}
        request["Description"] = f"transform over s3://{source_bucket}/{args.prefix}" + (
            " (forced)" if args.force else ""
        )
    else:
        url = args.inventory or args.csv
        bucket, key = s3_location(url, "--inventory" if args.inventory else "--csv")
        manifest_bucket, manifest_prefix = facts.get("BatchManifestBucket", ""), facts.get("BatchManifestPrefix", "")
        if bucket != manifest_bucket or not key.startswith(manifest_prefix):
            raise Refused(
                f"the job role can read manifests only under s3://{manifest_bucket}/{manifest_prefix} "
                f"(BatchManifestBucket, BatchManifestPrefix), not {url}"
            )
        if args.inventory and not key.endswith("manifest.json"):
            raise Refused(f"--inventory takes an S3 Inventory manifest.json, not {url}")
        spec = (
            {"Format": "S3InventoryReport_CSV_20161130"}
            if args.inventory
            else {"Format": "S3BatchOperations_CSV_20180820", "Fields": args.csv_fields.split(",")}
        )
        request["Manifest"] = {"Spec": spec, "Location": {"ObjectArn": arn(bucket, key), "ETag": etag}}
        request["Description"] = f"transform over the objects listed in {url}" + (" (forced)" if args.force else "")
    return request


def bar(done, total, width=30):
    filled = int(width * done / total) if total else 0
    return "[" + "#" * filled + "." * (width - filled) + "]"


def watch(account_id, job_id, every=10):
    """Follows the job until it ends; then says where the report is and prints its first failures."""
    started = time.monotonic()
    while True:
        job = aws("s3control", "describe-job", "--account-id", account_id, "--job-id", job_id)["Job"]
        p = job.get("ProgressSummary", {})
        total = p.get("TotalNumberOfTasks", 0)
        ok, failed = p.get("NumberOfTasksSucceeded", 0), p.get("NumberOfTasksFailed", 0)
        done = ok + failed
        elapsed = time.monotonic() - started
        rate = done / elapsed if elapsed > 0 else 0.0
        left = f"{(total - done) / rate / 60:.1f} min left" if rate > 0 and total else "time left unknown"
        print(
            f"\r{job['Status']:<10} {bar(done, total)} {done}/{total} ({ok} succeeded, {failed} failed) "
            f"{rate:.1f} tasks/s, {left}   ",
            end="",
            file=sys.stderr,
            flush=True,
        )
        if job["Status"] in ("Complete", "Failed", "Cancelled"):
            print(file=sys.stderr)
            break
        time.sleep(every)
    report = job.get("Report", {})
    bucket = report.get("Bucket", "").split(":::")[-1]
    where = f"s3://{bucket}/{report.get('Prefix', '').rstrip('/')}/job-{job_id}/".replace("//job-", "/job-")
    print(f"job {job_id}: {job['Status']}; completion report under {where}")
    for reason in job.get("FailureReasons", []):
        print(f"  job failure: {reason.get('FailureCode')}: {reason.get('FailureReason')}")
    if not failed:
        return 0 if job["Status"] == "Complete" else 1
    manifest = json.loads(
        subprocess.run(
            ["aws", "s3", "cp", f"{where}manifest.json", "-"], check=True, capture_output=True, text=True
        ).stdout
    )
    shown = 0
    for result in manifest.get("Results", []):
        if result.get("TaskExecutionStatus") != "failed":
            continue
        rows = subprocess.run(
            ["aws", "s3", "cp", f"s3://{result['Bucket'].split(':::')[-1]}/{result['Key']}", "-"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.splitlines()
        for row in rows[: 10 - shown]:
            print(f"  failed: {row}")
            shown += 1
    return 1


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="scripts/batch-job", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--prefix", help="a manifest Batch Operations generates: every object under this prefix")
    where.add_argument("--inventory", metavar="S3_URL", help="an S3 Inventory manifest.json")
    where.add_argument("--csv", metavar="S3_URL", help="a CSV of bucket,key (,version id with --csv-fields)")
    stack = parser.add_mutually_exclusive_group(required=True)
    stack.add_argument("--stack", help="the source stack's name (aws cloudformation describe-stacks)")
    stack.add_argument("--stack-file", help="describe-stacks JSON saved in a file")
    parser.add_argument("--created-after", help="with --prefix: only objects created after this time (ISO 8601)")
    parser.add_argument("--min-size", type=int, help="with --prefix: only objects larger than this many bytes")
    parser.add_argument("--max-size", type=int, help="with --prefix: only objects smaller than this many bytes")
    parser.add_argument("--csv-fields", default="Bucket,Key", choices=["Bucket,Key", "Bucket,Key,VersionId"])
    parser.add_argument("--force", action="store_true", help="re-render even renditions that are current")
    parser.add_argument("--priority", type=int, default=10)
    parser.add_argument("--report", metavar="S3_URL", help="where the report goes (within BatchReportBucket/Prefix)")
    parser.add_argument("--report-scope", default="FailedTasksOnly", choices=["FailedTasksOnly", "AllTasks"])
    parser.add_argument("--account-id", help="the job's account (default: the caller's)")
    parser.add_argument("--manifest-etag", help="the manifest's ETag (default: aws s3api head-object)")
    parser.add_argument("--client-request-token", help="CreateJob's idempotency token (default: random)")
    parser.add_argument("--dry-run", action="store_true", help="print the CreateJob request and exit")
    parser.add_argument("--watch", action="store_true", help="follow the job until it ends, then show its report")
    args = parser.parse_args(argv)
    if args.prefix is None and (args.created_after or args.min_size is not None or args.max_size is not None):
        parser.error("--created-after, --min-size and --max-size filter a generated manifest: use them with --prefix")
    try:
        if args.stack_file:
            with open(args.stack_file) as f:
                facts = stack_facts(json.load(f))
        else:
            facts = stack_facts(aws("cloudformation", "describe-stacks", "--stack-name", args.stack))
        account_id = args.account_id or aws("sts", "get-caller-identity")["Account"]
        etag = args.manifest_etag
        if etag is None and args.prefix is None:
            bucket, key = s3_location(args.inventory or args.csv, "the manifest")
            etag = aws("s3api", "head-object", "--bucket", bucket, "--key", key)["ETag"].strip('"')
        request = build_request(args, facts, account_id, args.client_request_token or str(uuid.uuid4()), etag)
    except Refused as e:
        print(f"batch-job: refused: {e}", file=sys.stderr)
        return 2
    if args.dry_run:
        print(json.dumps(request, indent=2, sort_keys=True, ensure_ascii=False))
        return 0
    try:
        job_id = aws("s3control", "create-job", "--cli-input-json", json.dumps(request))["JobId"]
        print(f"created job {job_id} (aws s3control describe-job --account-id {account_id} --job-id {job_id})")
        return watch(account_id, job_id) if args.watch else 0
    except Refused as e:
        print(f"batch-job: {e}", file=sys.stderr)
        return 1
