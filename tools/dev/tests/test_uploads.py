"""The demo's upload-url steps build what the function and S3 expect, from the repository's own
samples, and never print a grant's signature."""

import base64
import hashlib
import json
import unittest
from pathlib import Path

from devtools import uploads

ROOT = Path(__file__).resolve().parents[3]
ASK = json.loads((ROOT / "events/upload-url.json").read_text())
S3_PUT = json.loads((ROOT / "events/s3-put.json").read_text())
PHOTO = (ROOT / "events/images/sample.jpg").read_bytes()


class TheRequest(unittest.TestCase):
    def test_asks_for_exactly_that_file(self):
        event = uploads.ask_event(ASK, "image/jpeg", PHOTO, "/some/where/sample.jpg")
        body = json.loads(event["body"])
        self.assertEqual(body["content_length"], len(PHOTO))
        self.assertEqual(base64.b64decode(body["checksum_sha256"]), hashlib.sha256(PHOTO).digest())
        self.assertEqual(body["name"], "sample.jpg", "the file's name, not its path")
        self.assertEqual(event["requestContext"], ASK["requestContext"], "the sample's IAM caller")
        self.assertNotEqual(ASK.get("body"), event["body"], "the sample is not changed")


class TheAnswer(unittest.TestCase):
    GRANT = {
        "statusCode": 200,
        "body": json.dumps(
            {
                "method": "PUT",
                "url": "http://127.0.0.1:1/src/uploads/2026/12/06/u.jpg?X-Amz-Signature=abc123secret&X-Amz-Credential=ASIA",
                "headers": {"content-type": "image/jpeg", "if-none-match": "*"},
                "key": "uploads/2026/12/06/u.jpg",
                "expires_at": "2026-12-06T10:00:00Z",
            }
        ),
    }

    def test_a_grant_is_shown_without_its_query(self):
        text = "\n".join(uploads.describe_answer(self.GRANT))
        self.assertIn("/src/uploads/2026/12/06/u.jpg?X-Amz-...", text)
        self.assertIn("if-none-match: *", text)
        self.assertNotIn("abc123secret", text)
        self.assertNotIn("ASIA", text)
        self.assertEqual(uploads.granted_key(self.GRANT), "uploads/2026/12/06/u.jpg")

    def test_a_refusal_is_shown_with_its_reason(self):
        refusal = {
            "statusCode": 415,
            "body": json.dumps({"error": "UnsupportedMediaType", "message": "image/tiff is not allowed"}),
        }
        self.assertEqual(uploads.describe_answer(refusal), ["415 UnsupportedMediaType: image/tiff is not allowed"])


class TheS3Event(unittest.TestCase):
    def test_names_the_uploaded_object(self):
        event = uploads.s3_put_event(S3_PUT, "uploads/a.jpg", PHOTO)
        obj = event["Records"][0]["s3"]["object"]
        self.assertEqual(
            (obj["key"], obj["size"], obj["eTag"]), ("uploads/a.jpg", len(PHOTO), hashlib.md5(PHOTO).hexdigest())
        )
        self.assertNotEqual(S3_PUT["Records"][0]["s3"]["object"]["key"], "uploads/a.jpg", "the sample is not changed")


if __name__ == "__main__":
    unittest.main()
