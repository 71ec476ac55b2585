"""The events `scripts/local-aws event` makes: the shape of each source, the key in that
source's encoding, the object's own ETag, size and version, and sequencers that only grow."""

import json
import os
import tempfile
import unittest

from local_aws import events

FOUND = {"etag": "d41d8cd98f00b204e9800998ecf8427e", "size": 1234, "version_id": "v-2"}
KEY = "photos/a b+(c)é.jpg"


def made(shape, removed=False, found=FOUND):
    return events.make(shape, "src", KEY, found, "0F0000000000000001", removed, "eu-west-1", "111111111111")


class Sequencers(unittest.TestCase):
    def setUp(self):
        fd, self.path = tempfile.mkstemp()
        os.close(fd)
        self.addCleanup(os.remove, self.path)

    def test_grow_with_each_event_even_when_the_clock_goes_back(self):
        first = events.next_sequencer(self.path, now_ns=2_000)
        second = events.next_sequencer(self.path, now_ns=1_000)
        third = events.next_sequencer(self.path, now_ns=5_000)
        self.assertLess(first, second)
        self.assertLess(second, third)
        self.assertEqual(third, "0F0000000000001388")

    def test_have_the_length_of_an_s3_sequencer_and_order_after_the_samples(self):
        made_one = events.next_sequencer(self.path)
        self.assertEqual(len(made_one), 18)
        sample = events.sample("s3-put.json")["Records"][0]["s3"]["object"]["sequencer"]
        self.assertGreater(made_one, sample.upper().rjust(18, "0"))
        self.assertGreater(made_one, "0A1B2C3D4E5F678901")  # sam local generate-event's


class Shapes(unittest.TestCase):
    def test_s3_carries_the_object_and_the_key_url_encoded(self):
        obj = made("s3")["Records"][0]["s3"]["object"]
        self.assertEqual(obj["key"], "photos/a+b%2B%28c%29%C3%A9.jpg")
        self.assertEqual((obj["eTag"], obj["size"], obj["versionId"]), (FOUND["etag"], 1234, "v-2"))
        self.assertEqual(made("s3")["Records"][0]["s3"]["bucket"]["name"], "src")

    def test_an_s3_removal_names_the_marker_and_no_etag(self):
        record = made("s3", removed=True, found={"version_id": "m-1"})["Records"][0]
        self.assertTrue(record["eventName"].startswith("ObjectRemoved:"))
        self.assertNotIn("eTag", record["s3"]["object"])
        self.assertEqual(record["s3"]["object"]["versionId"], "m-1")

    def test_an_unversioned_object_has_no_version(self):
        obj = made("s3", found={"etag": "e", "size": 1})["Records"][0]["s3"]["object"]
        self.assertNotIn("versionId", obj)

    def test_sqs_wraps_the_s3_event_in_one_message(self):
        event = made("sqs")
        self.assertEqual(len(event["Records"]), 1)
        body = json.loads(event["Records"][0]["body"])
        self.assertEqual(body["Records"][0]["s3"]["object"]["eTag"], FOUND["etag"])
        self.assertEqual(event["Records"][0]["eventSource"], "aws:sqs")

    def test_eventbridge_carries_the_key_as_stored(self):
        event = made("eventbridge")
        obj = event["detail"]["object"]
        self.assertEqual(obj["key"], KEY)
        self.assertEqual((obj["etag"], obj["size"], obj["version-id"]), (FOUND["etag"], 1234, "v-2"))
        self.assertEqual(event["detail-type"], "Object Created")
        self.assertEqual(made("eventbridge", removed=True, found={})["detail-type"], "Object Deleted")

    def test_batch_pins_the_version_and_percent_encodes_the_key(self):
        task = made("batch")["tasks"][0]
        self.assertEqual(task["s3Key"], "photos/a%20b%2B%28c%29%C3%A9.jpg")
        self.assertEqual(task["s3VersionId"], "v-2")
        self.assertEqual(task["s3Bucket"], "src")

    def test_batch_refuses_a_removal(self):
        with self.assertRaises(SystemExit):
            made("batch", removed=True)


if __name__ == "__main__":
    unittest.main()
