"""The verifying layer of the local AWS: presigned (query-signed) S3 requests, as S3 serves them.

moto with IAM enforcement on cannot serve a presigned request: it looks for the Authorization
header. This WSGI middleware stands in front of it and does what S3 does with one:

1. checks the query signature (SigV4, `X-Amz-Algorithm` ... `X-Amz-Signature`), computed here
   from the request as it arrived (its method, raw path, query without `X-Amz-Signature`, the
   headers that `X-Amz-SignedHeaders` names, `UNSIGNED-PAYLOAD`) with the secret of the
   temporary credentials moto issued for that access key, with its session token;
2. refuses what S3 refuses: an expired URL (`X-Amz-Date` + `X-Amz-Expires`, at most 7 days), a
   session that has ended, a wrong token, a signature that does not match, an `x-amz-*` header
   sent but not signed;
3. checks an `x-amz-checksum-sha256` header against the body (moto stores it unchecked);
4. forwards the request header-signed with the same credentials (the `X-Amz-*` query
   parameters removed), so that moto then applies the role's policy, the preconditions
   (`If-None-Match: *`) and everything else exactly as for any other request.

Only temporary credentials (ASIA..., with a session token) are looked up: that is what a Lambda
function signs with. The signature check is written here from the SigV4 specification with the
standard library (hmac, hashlib); the forwarding signs with botocore, as every other client of
the local AWS does.
"""

import base64
import datetime
import hashlib
import hmac
import io
import json
import urllib.parse
from xml.sax.saxutils import escape

MAX_EXPIRES_SECONDS = 7 * 24 * 3600


def _quote(text):
    return urllib.parse.quote(text, safe="-_.~")


def _hmac(key, text):
    return hmac.new(key, text.encode(), hashlib.sha256).digest()


def signature(secret, amz_date, scope, canonical_request):
    """SigV4: the signature of `canonical_request` for a `date/region/service/aws4_request` scope."""
    date, region, service, terminal = scope.split("/")
    string_to_sign = "\n".join(
        ["AWS4-HMAC-SHA256", amz_date, scope, hashlib.sha256(canonical_request.encode()).hexdigest()]
    )
    key = _hmac(("AWS4" + secret).encode(), date)
    for part in (region, service, terminal):
        key = _hmac(key, part)
    return hmac.new(key, string_to_sign.encode(), hashlib.sha256).hexdigest()


def _header(environ, name):
    if name == "content-type":
        return environ.get("CONTENT_TYPE")
    if name == "content-length":
        return environ.get("CONTENT_LENGTH")
    return environ.get("HTTP_" + name.upper().replace("-", "_"))


def _raw_path(environ):
    """The path as the client sent it (still percent-encoded): what it signed."""
    raw_uri = environ.get("RAW_URI") or environ.get("REQUEST_URI") or environ.get("PATH_INFO", "/")
    return raw_uri.split("?", 1)[0]


def _session(access_key_id):
    """moto's assumed-role session of that access key, in whichever account: or None."""
    from moto.sts.models import sts_backends

    for account_backends in list(sts_backends.values()):
        for backend in list(account_backends.values()):
            for role in backend.assumed_roles:
                if role.access_key_id == access_key_id:
                    return role
    return None


class Refused(Exception):
    def __init__(self, code, message):
        super().__init__(message)
        self.code, self.message = code, message


def verify(environ, now):
    """Checks a query-signed request; returns (session, region, signed header names, the query's
    other parameters) or raises Refused."""
    raw_path = _raw_path(environ)
    pairs = urllib.parse.parse_qsl(environ.get("QUERY_STRING", ""), keep_blank_values=True)
    q = {}
    for k, v in pairs:
        if k.lower().startswith("x-amz-"):
            if k in q:
                raise Refused("AuthorizationQueryParametersError", f"{k} is given twice")
            q[k] = v
    for needed in (
        "X-Amz-Algorithm",
        "X-Amz-Credential",
        "X-Amz-Date",
        "X-Amz-Expires",
        "X-Amz-SignedHeaders",
        "X-Amz-Signature",
    ):
        if needed not in q:
            raise Refused("AuthorizationQueryParametersError", f"the query has no {needed}")
    if q["X-Amz-Algorithm"] != "AWS4-HMAC-SHA256":
        raise Refused("AuthorizationQueryParametersError", "X-Amz-Algorithm must be AWS4-HMAC-SHA256")
    access_key_id, _, scope = q["X-Amz-Credential"].partition("/")
    parts = scope.split("/")
    if len(parts) != 4 or parts[2] != "s3" or parts[3] != "aws4_request" or parts[0] != q["X-Amz-Date"][:8]:
        raise Refused(
            "AuthorizationQueryParametersError",
            "X-Amz-Credential is not <key>/<date>/<region>/s3/aws4_request of X-Amz-Date",
        )
    try:
        signed_at = datetime.datetime.strptime(q["X-Amz-Date"], "%Y%m%dT%H%M%SZ").replace(tzinfo=datetime.UTC)
        expires = int(q["X-Amz-Expires"])
    except ValueError:
        raise Refused("AuthorizationQueryParametersError", "X-Amz-Date or X-Amz-Expires is malformed") from None
    if not 1 <= expires <= MAX_EXPIRES_SECONDS:
        raise Refused("AuthorizationQueryParametersError", "X-Amz-Expires must be 1..604800 seconds")
    if now > signed_at + datetime.timedelta(seconds=expires):
        raise Refused("AccessDenied", "Request has expired")
    if signed_at - now > datetime.timedelta(minutes=15):
        raise Refused("AccessDenied", "Request is not valid yet")

    session = _session(access_key_id)
    if session is None:
        raise Refused("InvalidAccessKeyId", "The AWS Access Key Id you provided does not exist in our records.")
    if q.get("X-Amz-Security-Token") != session.session_token:
        raise Refused("InvalidToken", "The provided token is malformed or otherwise invalid.")
    expiration = session.expiration
    if expiration.tzinfo is None:
        expiration = expiration.replace(tzinfo=datetime.UTC)
    if now >= expiration:
        raise Refused("ExpiredToken", "The provided token has expired.")

    signed_headers = q["X-Amz-SignedHeaders"].split(";")
    if "host" not in signed_headers or signed_headers != sorted(signed_headers):
        raise Refused("AuthorizationQueryParametersError", "X-Amz-SignedHeaders must be sorted and include host")
    sent_amz = {k[5:].lower().replace("_", "-") for k in environ if k.startswith("HTTP_X_AMZ_")}
    unsigned = sorted(sent_amz - set(signed_headers))
    if unsigned:
        raise Refused(
            "AccessDenied", f"There were headers present in the request which were not signed: {', '.join(unsigned)}"
        )
    canonical_headers = ""
    for name in signed_headers:
        value = _header(environ, name)
        if value is None:
            raise Refused("SignatureDoesNotMatch", f"the signed header {name} was not sent")
        canonical_headers += f"{name}:{' '.join(value.split())}\n"
    query = sorted((_quote(k), _quote(v)) for k, v in pairs if k != "X-Amz-Signature")
    canonical_request = "\n".join(
        [
            environ.get("REQUEST_METHOD", "GET"),
            raw_path,
            "&".join(f"{k}={v}" for k, v in query),
            canonical_headers,
            q["X-Amz-SignedHeaders"],
            "UNSIGNED-PAYLOAD",
        ]
    )
    expected = signature(session.secret_access_key, q["X-Amz-Date"], scope, canonical_request)
    if not hmac.compare_digest(expected, q["X-Amz-Signature"]):
        raise Refused(
            "SignatureDoesNotMatch", "The request signature we calculated does not match the signature you provided."
        )
    rest = [(k, v) for k, v in pairs if not k.lower().startswith("x-amz-")]
    return session, parts[1], signed_headers, rest


def forward(environ, session, region, signed_headers, rest):
    """Rewrites `environ` in place into the same request, header-signed with the same credentials."""
    from botocore.auth import S3SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    length = int(environ.get("CONTENT_LENGTH") or 0)
    body = environ["wsgi.input"].read(length) if length else b""
    environ["wsgi.input"] = io.BytesIO(body)
    environ["presigned.body"] = True
    declared = _header(environ, "x-amz-checksum-sha256")
    if declared is not None:
        # moto stores the declared checksum without computing it; S3 computes and compares.
        actual = base64.b64encode(hashlib.sha256(body).digest()).decode()
        if not hmac.compare_digest(actual, declared):
            raise Refused("BadDigest", "The SHA256 you specified did not match the calculated checksum.")
    raw_path = _raw_path(environ)
    query = urllib.parse.urlencode(rest, quote_via=urllib.parse.quote, safe="-_.~")
    headers = {name: _header(environ, name) for name in signed_headers if name != "host"}
    url = f"http://{environ['HTTP_HOST']}{raw_path}" + (f"?{query}" if query else "")
    request = AWSRequest(method=environ["REQUEST_METHOD"], url=url, data=body, headers=headers)
    credentials = Credentials(session.access_key_id, session.secret_access_key, session.session_token)
    S3SigV4Auth(credentials, "s3", region).add_auth(request)
    for name, value in request.headers.items():
        key = name.lower()
        if key in ("content-type", "content-length"):
            environ[key.upper().replace("-", "_")] = value
        else:
            environ["HTTP_" + key.upper().replace("-", "_")] = value
    environ["QUERY_STRING"] = query
    for key in ("RAW_URI", "REQUEST_URI"):
        if key in environ:
            environ[key] = raw_path + (f"?{query}" if query else "")


class Presigned:
    """WSGI middleware: see the module's documentation. `verified` counts what it let through."""

    def __init__(self, app):
        self.app = app
        self.verified = 0
        self.refused = 0

    def __call__(self, environ, start_response):
        if environ.get("PATH_INFO") == "/_local_aws/presigned":
            data = json.dumps({"verified": self.verified, "refused": self.refused}).encode()
            start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(data)))])
            return [data]
        query = environ.get("QUERY_STRING", "")
        if "X-Amz-Signature=" not in query and "AWSAccessKeyId=" not in query:
            return self.app(environ, start_response)
        try:
            if "X-Amz-Signature=" not in query:
                raise Refused(
                    "AuthorizationQueryParametersError",
                    "only SigV4 presigned URLs are served here (SigV2's AWSAccessKeyId/Signature is not)",
                )
            session, region, signed_headers, rest = verify(environ, datetime.datetime.now(datetime.UTC))
            forward(environ, session, region, signed_headers, rest)
        except Refused as refused:
            self.refused += 1
            # Read what the client sent before answering, or the server would wait on it.
            if "presigned.body" not in environ:
                environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
            status = (
                "400 Bad Request"
                if refused.code in ("AuthorizationQueryParametersError", "BadDigest")
                else "403 Forbidden"
            )
            data = (
                f'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>{refused.code}</Code>'
                f"<Message>{escape(refused.message)}</Message><RequestId>presigned</RequestId></Error>"
            ).encode()
            start_response(status, [("Content-Type", "application/xml"), ("Content-Length", str(len(data)))])
            return [data]
        self.verified += 1
        return self.app(environ, start_response)
