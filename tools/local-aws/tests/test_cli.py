"""The command line as the shell scripts use it (scripts/start-local-aws.sh reads the state's
pid and endpoint through `state`)."""

import contextlib
import io
import json
import os
import tempfile
import unittest

from local_aws import cli

STATE = {"endpoint": "http://127.0.0.1:40000", "region": "us-east-1", "pid": 4242, "accounts": {}}


class TheStateCommand(unittest.TestCase):
    def setUp(self):
        fd, self.path = tempfile.mkstemp(suffix=".json")
        with os.fdopen(fd, "w") as f:
            json.dump(STATE, f)
        self.addCleanup(os.remove, self.path)

    def field(self, name):
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            cli.main(["state", "--state-file", self.path, "--field", name])
        return out.getvalue()

    def test_prints_one_field_a_line(self):
        self.assertEqual(self.field("pid"), "4242\n")
        self.assertEqual(self.field("endpoint"), "http://127.0.0.1:40000\n")

    def test_refuses_a_field_it_does_not_know(self):
        with self.assertRaises(SystemExit), contextlib.redirect_stderr(io.StringIO()):
            cli.main(["state", "--state-file", self.path, "--field", "accounts"])


class EverySubCommand(unittest.TestCase):
    def test_has_help(self):
        for command in ["serve", "pipeline", "put", "list", "put-with-grant", "download", "state", "event", "delete"]:
            out = io.StringIO()
            with self.subTest(command), self.assertRaises(SystemExit) as caught, contextlib.redirect_stdout(out):
                cli.main([command, "--help"])
            self.assertEqual(caught.exception.code, 0)
            self.assertIn("usage:", out.getvalue())


if __name__ == "__main__":
    unittest.main()
