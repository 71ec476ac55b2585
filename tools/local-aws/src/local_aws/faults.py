"""The fault layer of the local AWS: WSGI middleware in front of moto.

Requests signed with temporary credentials (the pipeline's, never an admin's) for a bucket or
role whose name holds "chaos" get, at random, S3's 503 SlowDown or 500 InternalError instead of
an answer (FAULT_S3_RATE), and every other AssumeRole call STS's Throttling (FAULT_STS_EVERY).
Nothing else is touched, so one server serves the fault tests and every other test at once.
GET /_local_aws/faults answers how many of each were injected so far.
"""

import json
import threading

FAULT_MARKER = "chaos"
FAULT_S3_RATE = 0.3
# Every other AssumeRole call (the first, third, ...), so that each test sees at least one.
FAULT_STS_EVERY = 2


class Faults:
    """WSGI middleware in front of moto: see the module's documentation."""

    def __init__(self, app, seed):
        import random

        self.app = app
        self.random = random.Random(seed)
        self.lock = threading.Lock()
        self.counts = {"s3": 0, "sts": 0}
        self.sts_calls = 0

    def __call__(self, environ, start_response):
        import io

        if environ.get("PATH_INFO") == "/_local_aws/faults":
            with self.lock:
                data = json.dumps(self.counts).encode()
            start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(data)))])
            return [data]
        if not environ.get("HTTP_X_AMZ_SECURITY_TOKEN"):
            return self.app(environ, start_response)
        target = environ.get("PATH_INFO", "") + environ.get("HTTP_HOST", "")
        service = "s3"
        if environ.get("REQUEST_METHOD") == "POST" and environ.get("PATH_INFO", "/") == "/":
            # STS (and every query-protocol service) posts a form: read it, then put it back.
            length = int(environ.get("CONTENT_LENGTH") or 0)
            body = environ["wsgi.input"].read(length)
            environ["wsgi.input"] = io.BytesIO(body)
            if b"Action=AssumeRole" not in body:
                return self.app(environ, start_response)
            service, target = "sts", body.decode("utf-8", "replace")
        if FAULT_MARKER not in target:
            return self.app(environ, start_response)
        with self.lock:
            roll = self.random.random()
            rate = FAULT_S3_RATE
            if service == "sts":
                self.sts_calls += 1
                rate, roll = 1.0, (0.0 if self.sts_calls % FAULT_STS_EVERY == 1 else 1.0)
            if roll >= rate:
                return self.app(environ, start_response)
            self.counts[service] += 1
        if service == "sts":
            status, code, message = "400 Bad Request", "Throttling", "Rate exceeded"
            body = (
                f'<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type>'
                f"<Code>{code}</Code><Message>{message}</Message></Error><RequestId>fault</RequestId></ErrorResponse>"
            )
        else:
            status, code, message = (
                ("503 Slow Down", "SlowDown", "Please reduce your request rate.")
                if roll < rate / 2
                else (
                    "500 Internal Server Error",
                    "InternalError",
                    "We encountered an internal error. Please try again.",
                )
            )
            body = f"<Error><Code>{code}</Code><Message>{message}</Message><RequestId>fault</RequestId></Error>"
        data = body.encode()
        start_response(status, [("Content-Type", "application/xml"), ("Content-Length", str(len(data)))])
        return [data]
