"""The fault layer: what it answers, to whom, and what it leaves alone."""

import io
import json
import unittest

from local_aws.faults import Faults


def moto(environ, start_response):
    start_response("200 OK", [])
    return [b"moto"]


def call(layer, path="/chaos-bucket/a.jpg", token="session", method="GET", body=b""):
    answers = []
    env = {"PATH_INFO": path, "REQUEST_METHOD": method, "HTTP_HOST": "127.0.0.1:1", "CONTENT_LENGTH": str(len(body))}
    env["wsgi.input"] = io.BytesIO(body)
    if token:
        env["HTTP_X_AMZ_SECURITY_TOKEN"] = token
    data = b"".join(layer(env, lambda status, headers: answers.append(status)))
    return answers[0], data


class TheFaultLayer(unittest.TestCase):
    def test_admins_and_other_buckets_are_never_touched(self):
        layer = Faults(moto, seed=1)
        for _ in range(50):
            self.assertEqual(call(layer, token=None)[0], "200 OK", "an admin's long-term key")
            self.assertEqual(call(layer, path="/calm-bucket/a.jpg")[0], "200 OK")

    def test_a_share_of_s3_calls_fail_with_s3s_errors(self):
        layer = Faults(moto, seed=1)
        statuses = [call(layer)[0] for _ in range(200)]
        failed = [s for s in statuses if s != "200 OK"]
        self.assertTrue(30 < len(failed) < 90, f"{len(failed)} of 200 at a 30% rate")
        self.assertEqual(set(failed), {"503 Slow Down", "500 Internal Server Error"})
        self.assertEqual(json.loads(call(layer, path="/_local_aws/faults")[1])["s3"], len(failed))

    def test_every_other_assume_role_is_throttled(self):
        layer = Faults(moto, seed=1)
        body = b"Action=AssumeRole&RoleArn=arn%3Aaws%3Aiam%3A%3A222222222222%3Arole%2Fwriter-chaos-1"
        answers = [call(layer, path="/", method="POST", body=body) for _ in range(4)]
        self.assertEqual([a[0] for a in answers], ["400 Bad Request", "200 OK"] * 2)
        self.assertIn(b"<Code>Throttling</Code>", answers[0][1])

    def test_the_same_seed_gives_the_same_faults(self):
        first, second = Faults(moto, seed=7), Faults(moto, seed=7)
        self.assertEqual([call(first)[0] for _ in range(40)], [call(second)[0] for _ in range(40)])


if __name__ == "__main__":
    unittest.main()
