"""The checks of each function's answer: each passes the answer the contract gives and refuses
one that differs in the way a broken function would."""

import json
import unittest

from sam_local import checks

WRITTEN = {
    "results": [
        {
            "key": "photos/a.jpg",
            "status": "written",
            "reason": None,
            "outputs": [{"key": "r/photos/a.jpg/small.jpg"}, {"key": "r/photos/a.jpg/thumb.jpg"}],
        }
    ]
}


class Transform(unittest.TestCase):
    def test_one_result_gives_the_outputs_keys(self):
        self.assertEqual(
            checks.one_result(WRITTEN, "written"), ["r/photos/a.jpg/small.jpg", "r/photos/a.jpg/thumb.jpg"]
        )

    def test_one_result_refuses_another_status_or_reason(self):
        skipped = {"results": [{"status": "skipped", "reason": "superseded", "outputs": []}]}
        with self.assertRaisesRegex(checks.Mismatch, "expected written/None, got skipped/superseded"):
            checks.one_result(skipped, "written")
        with self.assertRaises(checks.Mismatch):
            checks.one_result(skipped, "skipped", "test-event")

    def test_one_result_refuses_two_or_an_error(self):
        with self.assertRaises(checks.Mismatch):
            checks.one_result({"results": WRITTEN["results"] * 2}, "written")
        with self.assertRaises(checks.Mismatch):
            checks.one_result({"errorType": "Transient", "errorMessage": "..."}, "written")

    def test_an_sqs_batch_without_failures(self):
        checks.no_failed_messages({"batchItemFailures": []})
        with self.assertRaises(checks.Mismatch):
            checks.no_failed_messages({"batchItemFailures": [{"itemIdentifier": "m-1"}]})

    def test_the_destination_exactly(self):
        checks.destination_holds(["b", "a"], ["a", "b"], "after")
        with self.assertRaisesRegex(checks.Mismatch, "after x: the destination holds"):
            checks.destination_holds(["a"], ["a", "b"], "after x")


class OperatorFunctions(unittest.TestCase):
    def steps(self, failed=()):
        names = ["caller-identity", "source-read", "assume-role", "destination-owner", "destination-write", "d"]
        return {"ok": not failed, "steps": [{"step": n, "ok": n not in failed} for n in names]}

    def test_access_check_every_link(self):
        checks.every_link_ok(self.steps())
        with self.assertRaisesRegex(checks.Mismatch, "assume-role"):
            checks.every_link_ok(self.steps(failed=("assume-role",)))

    def test_backfill_dry_run(self):
        checks.dry_run_of({"would_process": ["k"], "done": True, "counts": {}}, ["k"])
        with self.assertRaises(checks.Mismatch):
            checks.dry_run_of({"would_process": [], "done": True}, ["k"])
        with self.assertRaises(checks.Mismatch):
            checks.dry_run_of({"would_process": ["k"], "done": False}, ["k"])

    def test_upload_url_grant(self):
        body = {"method": "PUT", "url": "http://10.88.0.1:1/b/uploads/x.jpg?X-Amz-Signature=s", "key": "uploads/x.jpg"}
        answer = {"statusCode": 200, "body": json.dumps(body)}
        self.assertEqual(checks.upload_granted(answer, "uploads/"), "uploads/x.jpg")
        with self.assertRaises(checks.Mismatch):
            checks.upload_granted({**answer, "statusCode": 403}, "uploads/")
        with self.assertRaises(checks.Mismatch):
            checks.upload_granted(answer, "elsewhere/")


class TheAnswer(unittest.TestCase):
    def test_is_the_last_line_of_stdout(self):
        self.assertEqual(checks.answer_of('\n{"a": 1}\n\n'), {"a": 1})

    def test_nothing_or_not_json_is_a_mismatch(self):
        with self.assertRaises(checks.Mismatch):
            checks.answer_of("")
        with self.assertRaisesRegex(checks.Mismatch, "not JSON"):
            checks.answer_of("Invalid lambda response received")


if __name__ == "__main__":
    unittest.main()
