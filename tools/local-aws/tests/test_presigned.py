"""The verifying layer's SigV4 query-signature check, against AWS's own published example
(S3 API reference, "Authenticating Requests: Using Query Parameters", the GET of
examplebucket/test.txt), and what it refuses."""

import datetime
import io
import unittest
from types import SimpleNamespace
from unittest import mock

from local_aws import presigned

# AWS's example: its documented credentials, request and signature.
ACCESS_KEY = "AKIAIOSFODNN7EXAMPLE"
SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
QUERY = (
    "X-Amz-Algorithm=AWS4-HMAC-SHA256"
    "&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request"
    "&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host"
    "&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404"
)
SIGNED_AT = datetime.datetime(2013, 5, 24, tzinfo=datetime.UTC)
SESSION = SimpleNamespace(
    access_key_id=ACCESS_KEY,
    secret_access_key=SECRET,
    session_token=None,
    expiration=SIGNED_AT + datetime.timedelta(hours=1),
)


def environ(path="/test.txt", query=QUERY, **headers):
    env = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": path,
        "RAW_URI": f"{path}?{query}",
        "QUERY_STRING": query,
        "HTTP_HOST": "examplebucket.s3.amazonaws.com",
        "wsgi.input": io.BytesIO(b""),
    }
    env.update(headers)
    return env


def sessions(access_key_id):
    return SESSION if access_key_id == ACCESS_KEY else None


@mock.patch.object(presigned, "_session", sessions)
class TheQuerySignature(unittest.TestCase):
    def test_awss_example_verifies(self):
        session, region, signed, rest = presigned.verify(environ(), SIGNED_AT + datetime.timedelta(seconds=1))
        self.assertIs(session, SESSION)
        self.assertEqual((region, signed, rest), ("us-east-1", ["host"], []))

    def refused(self, env, now=SIGNED_AT):
        with self.assertRaises(presigned.Refused) as caught:
            presigned.verify(env, now)
        return caught.exception.code

    def test_another_path_does_not_match(self):
        self.assertEqual(self.refused(environ(path="/test2.txt")), "SignatureDoesNotMatch")

    def test_another_host_does_not_match(self):
        self.assertEqual(self.refused(environ(HTTP_HOST="otherbucket.s3.amazonaws.com")), "SignatureDoesNotMatch")

    def test_an_expired_url(self):
        self.assertEqual(self.refused(environ(), SIGNED_AT + datetime.timedelta(seconds=86401)), "AccessDenied")

    def test_an_ended_session(self):
        # Within the URL's day but after the session's hour: the session's own end counts.
        self.assertEqual(self.refused(environ(), SIGNED_AT + datetime.timedelta(minutes=61)), "ExpiredToken")

    def test_an_unsigned_amz_header(self):
        self.assertEqual(self.refused(environ(HTTP_X_AMZ_ACL="public-read")), "AccessDenied")

    def test_an_unknown_key(self):
        self.assertEqual(
            self.refused(environ(query=QUERY.replace("AKIAIOSFODNN7EXAMPLE", "ASIAUNKNOWN"))), "InvalidAccessKeyId"
        )

    def test_a_week_is_the_longest_expiry(self):
        query = QUERY.replace("X-Amz-Expires=86400", "X-Amz-Expires=604801")
        self.assertEqual(self.refused(environ(query=query)), "AuthorizationQueryParametersError")


class TheLayer(unittest.TestCase):
    def test_sigv2_gets_a_clear_400(self):
        layer = presigned.Presigned(app=lambda env, start: self.fail("forwarded"))
        answers = []
        body = layer(environ(query="AWSAccessKeyId=AKIA&Signature=x&Expires=1"), lambda s, h: answers.append(s))
        self.assertEqual(answers, ["400 Bad Request"])
        self.assertIn(b"only SigV4", b"".join(body))
        self.assertEqual((layer.verified, layer.refused), (0, 1))

    def test_other_requests_pass_through(self):
        layer = presigned.Presigned(app=lambda env, start: [b"moto"])
        self.assertEqual(layer(environ(query="list-type=2"), None), [b"moto"])


if __name__ == "__main__":
    unittest.main()
