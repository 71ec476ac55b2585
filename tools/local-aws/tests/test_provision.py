"""The environments written for a provisioned pipeline: each function gets what the template
gives it, in files only their owner can read."""

import json
import os
import shlex
import stat
import tempfile
import unittest

from local_aws import provision

PIPELINE = {
    "endpoint": "http://127.0.0.1:5000",
    "region": "us-east-1",
    "source": {"account_id": "111111111111", "bucket": "src-x", "prefix": "in/"},
    "destination": {
        "account_id": "222222222222",
        "bucket": "dst-x",
        "prefix": "out/",
        "role_arn": "arn:aws:iam::222222222222:role/writer-x",
        "external_id": "0123456789abcdef",
    },
    "execution_role": {
        "arn": "arn:aws:iam::111111111111:role/pipeline-x",
        "credentials": {"access_key_id": "ASIAEXEC", "secret_access_key": "s/e+c", "session_token": "tok en=="},
    },
    "functions": {
        "Transform": {
            "SOURCE_BUCKET": "src-x",
            "SOURCE_PREFIX": "in/",
            "DESTINATION_EXTERNAL_ID": "0123456789abcdef",
            "AWS_ENDPOINT_URL": "http://127.0.0.1:5000",
        },
        "UploadUrlFunction": {
            "SOURCE_BUCKET": "src-x",
            "UPLOAD_PREFIX": "in/uploads/",
            "AWS_ENDPOINT_URL": "http://127.0.0.1:5000",
        },
    },
    "container_endpoint": "http://10.88.0.1:5000",
    "uploader_role": {
        "arn": "arn:aws:iam::111111111111:role/uploader-x",
        "upload_prefix": "in/uploads/",
        "credentials": {"access_key_id": "ASIAUPLOAD", "secret_access_key": "u", "session_token": "t"},
    },
}


def read_plain(path):
    with open(path) as f:
        return dict(line.rstrip("\n").split("=", 1) for line in f)


class EnvironmentFiles(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()
        self.addCleanup(self.dir.cleanup)

    def path(self, name):
        return os.path.join(self.dir.name, name)

    def test_the_pipelines_settings_and_execution_role(self):
        provision.write_env_file(self.path("f.env"), PIPELINE, plain=True)
        env = read_plain(self.path("f.env"))
        self.assertEqual(env["AWS_ACCESS_KEY_ID"], '"ASIAEXEC"')
        self.assertEqual(env["DESTINATION_EXTERNAL_ID"], '"0123456789abcdef"')
        self.assertEqual(env["SOURCE_PREFIX"], '"in/"')
        self.assertEqual(stat.S_IMODE(os.stat(self.path("f.env")).st_mode), 0o600)

    def test_shell_lines_survive_the_shell(self):
        provision.write_env_file(self.path("f.sh"), PIPELINE)
        with open(self.path("f.sh")) as f:
            words = dict(shlex.split(line)[1].split("=", 1) for line in f)
        self.assertEqual(words["AWS_SESSION_TOKEN"], "tok en==")
        self.assertEqual(words["AWS_SECRET_ACCESS_KEY"], "s/e+c")

    def test_upload_url_gets_nothing_of_the_destination(self):
        provision.write_upload_url_env(self.path("u.env"), PIPELINE)
        env = read_plain(self.path("u.env"))
        self.assertEqual(env["AWS_ACCESS_KEY_ID"], '"ASIAUPLOAD"', "the uploader role, not the pipeline's")
        self.assertEqual(env["UPLOAD_PREFIX"], '"in/uploads/"')
        self.assertFalse([k for k in env if k.startswith("DESTINATION_")], env)
        with open(self.path("u.env")) as f:
            self.assertNotIn("0123456789abcdef", f.read())
        self.assertEqual(stat.S_IMODE(os.stat(self.path("u.env")).st_mode), 0o600)

    def test_sam_env_vars_per_function_with_the_containers_endpoint(self):
        provision.write_sam_env_vars(self.path("v.json"), PIPELINE)
        with open(self.path("v.json")) as f:
            functions = json.load(f)
        self.assertEqual(set(functions), {"Transform", "UploadUrlFunction"})
        self.assertEqual(functions["Transform"]["AWS_ENDPOINT_URL"], "http://10.88.0.1:5000")
        self.assertNotIn("DESTINATION_EXTERNAL_ID", functions["UploadUrlFunction"])
        self.assertEqual(stat.S_IMODE(os.stat(self.path("v.json")).st_mode), 0o600)

    def test_dropping_actions_breaks_only_those(self):
        document = {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Action": ["s3:GetObject", "s3:GetObjectVersion"], "Resource": "a"},
                {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "b"},
            ],
        }
        broken = provision.without_actions(document, ["s3:ListBucket", "s3:GetObjectVersion"])
        self.assertEqual(broken["Statement"], [{"Effect": "Allow", "Action": ["s3:GetObject"], "Resource": "a"}])


if __name__ == "__main__":
    unittest.main()
