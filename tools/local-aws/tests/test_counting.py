"""The counting layer: AssumeRole calls per role, the request left as it came."""

import io
import json
import unittest
from urllib.parse import urlencode

from local_aws.counting import PATH, AssumeRoleCalls


def echo(environ, start_response):
    """moto's stand-in: answers the body it was given."""
    start_response("200 OK", [])
    return [environ["wsgi.input"].read()]


def post(layer, form):
    body = urlencode(form).encode()
    env = {"PATH_INFO": "/", "REQUEST_METHOD": "POST", "CONTENT_LENGTH": str(len(body)), "wsgi.input": io.BytesIO(body)}
    return b"".join(layer(env, lambda status, headers: None)), body


def counts(layer):
    env = {"PATH_INFO": PATH, "REQUEST_METHOD": "GET"}
    return json.loads(b"".join(layer(env, lambda status, headers: None)))


class TheCountingLayer(unittest.TestCase):
    def test_counts_assume_role_per_role_and_passes_the_body_on(self):
        layer = AssumeRoleCalls(echo)
        writer = "arn:aws:iam::222222222222:role/writer-a"
        for _ in range(2):
            answered, sent = post(layer, {"Action": "AssumeRole", "RoleArn": writer, "ExternalId": "x"})
            self.assertEqual(answered, sent, "moto gets the whole body")
        post(layer, {"Action": "AssumeRole", "RoleArn": "arn:aws:iam::333333333333:role/writer-b"})
        post(layer, {"Action": "GetCallerIdentity"})
        post(layer, {"Action": "AssumeRoleWithWebIdentity", "RoleArn": writer})
        self.assertEqual(counts(layer), {writer: 2, "arn:aws:iam::333333333333:role/writer-b": 1})


if __name__ == "__main__":
    unittest.main()
