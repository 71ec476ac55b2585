"""The counting layer of the local AWS: WSGI middleware in front of moto (and its fault layer)
that counts STS AssumeRole calls per role ARN, as moto keeps no count.

GET /_local_aws/assume-role-calls answers {role ARN: calls so far}. A test reads it before and
after running the real function binary: "at most one AssumeRole per distinct role per
container" is then checked on the wire, whatever the binary does inside.
"""

import io
import json
import threading
from urllib.parse import parse_qs

PATH = "/_local_aws/assume-role-calls"


def assume_role_arn(body):
    """The RoleArn of an AssumeRole form body, or None for any other request."""
    form = parse_qs(body.decode("utf-8", "replace"))
    if form.get("Action") != ["AssumeRole"]:
        return None
    return (form.get("RoleArn") or [None])[0]


class AssumeRoleCalls:
    """WSGI middleware: see the module's documentation."""

    def __init__(self, app):
        self.app = app
        self.lock = threading.Lock()
        self.calls = {}

    def __call__(self, environ, start_response):
        if environ.get("PATH_INFO") == PATH:
            with self.lock:
                data = json.dumps(self.calls).encode()
            start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(data)))])
            return [data]
        if environ.get("REQUEST_METHOD") == "POST" and environ.get("PATH_INFO", "/") == "/":
            # STS posts a form: read it, then put it back for what comes after.
            length = int(environ.get("CONTENT_LENGTH") or 0)
            body = environ["wsgi.input"].read(length)
            environ["wsgi.input"] = io.BytesIO(body)
            role = assume_role_arn(body)
            if role:
                with self.lock:
                    self.calls[role] = self.calls.get(role, 0) + 1
        return self.app(environ, start_response)
