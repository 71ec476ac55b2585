"""Events that match an object in the local AWS, for `sam local invoke -e -` and `cargo lambda
invoke`: the samples of `events/` (which own each event's shape) with the bucket, the key in
the event's own encoding, and the object's real ETag, size and version filled in, and a
sequencer that orders after every event made before it.

SAM's `sam local generate-event` cannot know the object: its S3 event carries the placeholder
ETag 0123456789abcdef0123456789abcdef (answered `skipped/superseded`: the key holds another
object than the event names) and its Batch Operations event `s3VersionId: "1"` (answered
`skipped/gone`: no such version).
"""

import contextlib
import copy
import fcntl
import json
import time
import urllib.parse
import uuid
from pathlib import Path

from .accounts import admin_s3, load_state

# The repository's samples: tools/local-aws/src/local_aws/events.py -> the root's events/.
SAMPLES = Path(__file__).resolve().parents[4] / "events"
SHAPES = ("s3", "sqs", "eventbridge", "batch")
SAMPLE_OF = {
    ("s3", False): "s3-put.json",
    ("s3", True): "s3-delete.json",
    ("sqs", False): "sqs-s3-put.json",
    ("sqs", True): "sqs-s3-put.json",
    ("eventbridge", False): "eventbridge-object-created.json",
    ("eventbridge", True): "eventbridge-object-deleted.json",
    ("batch", False): "batch-operations-2.0.json",
}


def sample(name, samples=SAMPLES):
    with open(Path(samples) / name) as f:
        return json.load(f)


def next_sequencer(path, now_ns=None):
    """An S3-style sequencer (18 upper-case hex digits) greater than every one this file has
    handed out: the clock in nanoseconds, or the last one plus one when the clock has not moved
    on. Starts with 0F, so it also orders after the samples' (0062E99A88DC4074..) and the one
    `sam local generate-event` writes (0A1B2C3D4E5F678901)."""
    now_ns = time.time_ns() if now_ns is None else now_ns
    with open(path, "a+") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        f.seek(0)
        text = f.read().strip()
        last = int(text, 16) if text else 0
        value = max(now_ns, last + 1)
        if value >= 16**16:
            raise SystemExit(f"local-aws: the sequencer file {path} holds {text}, past what can follow it; remove it")
        f.seek(0)
        f.truncate()
        f.write(f"{value:016X}\n")
    return f"0F{value:016X}"


def s3_key(key):
    """A key as S3 notifications carry it: URL-encoded, a space as `+`."""
    return urllib.parse.quote_plus(key, safe="/")


def batch_key(key):
    """A key as Batch Operations tasks carry it: percent-encoded, a space as `%20`."""
    return urllib.parse.quote(key, safe="/")


def what_the_bucket_holds(s3, bucket, key, removed):
    """The object's ETag (unquoted), size and version id; for a removal, the delete marker's
    version id when the bucket is versioned."""
    if removed:
        versions = s3.list_object_versions(Bucket=bucket, Prefix=key)
        for marker in versions.get("DeleteMarkers", []):
            if marker["Key"] == key and marker.get("IsLatest"):
                return {"version_id": marker["VersionId"]}
        return {}
    try:
        head = s3.head_object(Bucket=bucket, Key=key)
    except s3.exceptions.ClientError as e:
        if e.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
            raise SystemExit(
                f"local-aws: s3://{bucket}/{key} does not exist; upload it first (scripts/local-aws put)"
            ) from None
        raise
    found = {"etag": head["ETag"].strip('"'), "size": head["ContentLength"]}
    version = head.get("VersionId")
    if version and version != "null":
        found["version_id"] = version
    return found


def s3_event(bucket, key, found, sequencer, removed, region, samples=SAMPLES):
    event = sample(SAMPLE_OF[("s3", removed)], samples)
    record = event["Records"][0]
    record["awsRegion"] = region
    record["eventTime"] = now_iso(millis=True)
    record["s3"]["bucket"]["name"] = bucket
    record["s3"]["bucket"]["arn"] = f"arn:aws:s3:::{bucket}"
    record["s3"]["object"] = object_fields(s3_key(key), found, sequencer, removed, S3_NAMES)
    return event


# What each source calls the object's ETag and version id.
S3_NAMES = {"etag": "eTag", "version_id": "versionId"}
EVENTBRIDGE_NAMES = {"etag": "etag", "version_id": "version-id"}


def object_fields(key, found, sequencer, removed, names):
    """The event's object: a removal names no ETag or size, only the marker's version."""
    obj = {"key": key, "sequencer": sequencer}
    if not removed:
        obj[names["etag"]] = found["etag"]
        obj["size"] = found["size"]
    if "version_id" in found:
        obj[names["version_id"]] = found["version_id"]
    return obj


def sqs_event(s3, region, account, samples=SAMPLES):
    """The S3 event as the one message of an SQS batch (the sample's first message)."""
    event = sample(SAMPLE_OF[("sqs", False)], samples)
    message = copy.deepcopy(event["Records"][0])
    message["messageId"] = str(uuid.uuid4())
    message["body"] = json.dumps(s3)
    message["md5OfBody"] = ""
    message["awsRegion"] = region
    message["eventSourceARN"] = f"arn:aws:sqs:{region}:{account}:transform-trigger"
    event["Records"] = [message]
    return event


def eventbridge_event(bucket, key, found, sequencer, removed, region, account, samples=SAMPLES):
    event = sample(SAMPLE_OF[("eventbridge", removed)], samples)
    event["id"] = str(uuid.uuid4())
    event["time"] = now_iso(millis=False)
    event["region"] = region
    event["account"] = account
    event["resources"] = [f"arn:aws:s3:::{bucket}"]
    event["detail"]["bucket"]["name"] = bucket
    event["detail"]["object"] = object_fields(key, found, sequencer, removed, EVENTBRIDGE_NAMES)
    return event


def batch_event(bucket, key, found, samples=SAMPLES):
    """A Batch Operations (schema 2.0) job of one task: pinned to the version when the bucket
    has one; no ETag, no sequencer (S3 sends neither)."""
    event = sample(SAMPLE_OF[("batch", False)], samples)
    event["invocationId"] = uuid.uuid4().hex
    event["job"]["id"] = str(uuid.uuid4())
    event["tasks"] = [
        {
            "taskId": uuid.uuid4().hex,
            "s3Key": batch_key(key),
            "s3VersionId": found.get("version_id"),
            "s3Bucket": bucket,
        }
    ]
    return event


def now_iso(millis):
    t = time.time()
    stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t))
    return f"{stamp}.{int(t * 1000) % 1000:03d}Z" if millis else f"{stamp}Z"


def make(shape, bucket, key, found, sequencer, removed, region, account, samples=SAMPLES):
    """The event of `shape` for the object `found` (see what_the_bucket_holds)."""
    if shape == "batch":
        if removed:
            raise SystemExit("local-aws: Batch Operations tasks are creates; there is no removal task")
        return batch_event(bucket, key, found, samples)
    if shape == "eventbridge":
        return eventbridge_event(bucket, key, found, sequencer, removed, region, account, samples)
    s3 = s3_event(bucket, key, found, sequencer, removed, region, samples)
    return sqs_event(s3, region, account, samples) if shape == "sqs" else s3


def sequencer_file(state_file):
    """Beside the state file: the sequencers grow across every event made for this server."""
    return f"{state_file}.sequencer"


def event(args):
    state = load_state(args.state_file)
    s3 = admin_s3(state, args.account)
    found = what_the_bucket_holds(s3, args.bucket, args.key, args.removed)
    sequencer = next_sequencer(sequencer_file(args.state_file))
    account = state["accounts"][args.account]["id"]
    made = make(args.shape, args.bucket, args.key, found, sequencer, args.removed, state["region"], account)
    with contextlib.suppress(BrokenPipeError):
        print(json.dumps(made, indent=2, ensure_ascii=False), flush=True)
