"""upload-url as an app uses it: the Function URL request for a file, what its answer says, and
the S3 notification that the upload would cause (the local AWS has no bucket notifications)."""

import base64
import copy
import hashlib
import json
import os


def ask_event(template, content_type, data, name):
    """A Function URL request (the `events/upload-url.json` sample, an IAM caller) asking for a
    grant to upload `data` as `content_type` under the original `name`."""
    event = copy.deepcopy(template)
    event["body"] = json.dumps(
        {
            "content_type": content_type,
            "content_length": len(data),
            "checksum_sha256": base64.b64encode(hashlib.sha256(data).digest()).decode(),
            "name": os.path.basename(name),
        }
    )
    return event


def describe_answer(answer):
    """upload-url's answer (as `cargo lambda invoke` prints it) in lines for a person. The URL is
    a secret for its few minutes: only its path is shown."""
    body = json.loads(answer["body"])
    if answer["statusCode"] != 200:
        return [f"{answer['statusCode']} {body['error']}: {body['message']}"]
    path = body["url"].split("?")[0]
    headers = ", ".join(f"{k}: {v}" for k, v in body["headers"].items())
    return [
        f"200: key {body['key']}, expires {body['expires_at']}, URL {path}?X-Amz-...",
        f"     headers to send: {headers}",
    ]


def granted_key(answer):
    """The key a grant uploads to."""
    return json.loads(answer["body"])["key"]


def s3_put_event(template, key, data):
    """The S3 notification of an upload of `data` under `key`: the `events/s3-put.json` sample
    with the key, size and ETag (a single-part upload's ETag is its MD5) of that object."""
    event = copy.deepcopy(template)
    event["Records"][0]["s3"]["object"].update({"key": key, "size": len(data), "eTag": hashlib.md5(data).hexdigest()})
    return event
