"""`scripts/batch-job`: the CreateJob requests it builds, against golden files, for every kind of
manifest, and its refusals. The local AWS has no S3 Control jobs, so the script takes the stack's
outputs, the account and the token from arguments and a file, and needs no AWS: a dry run with
every fact given must not call the CLI (PATH holds no `aws`). `BATCH_JOB_BLESS=1` rewrites the
golden files from the script's output. (Moved from the transform crate's tests, unchanged.)"""

import json
import os
import subprocess
import tempfile
import unittest
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
TESTDATA = ROOT / "tools/batch-job/testdata"


def batch_job(*args):
    env = {k: v for k, v in os.environ.items() if k != "AWS_PROFILE"}
    env["PATH"] = "/usr/bin:/bin"
    return subprocess.run(
        [
            str(ROOT / "scripts/batch-job"),
            "--stack-file",
            str(TESTDATA / "stack.json"),
            "--account-id",
            "111111111111",
            "--client-request-token",
            "6f1c1e9e-0d7a-4c4e-9b1e-2f0a5d3c8b7a",
            "--dry-run",
            *args,
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )


class TheRequests(unittest.TestCase):
    CASES = {
        "prefix": ["--prefix", "photos/été 2026/"],
        "prefix-filtered-forced": [
            "--prefix",
            "photos/",
            "--created-after",
            "2026-11-01T00:00:00Z",
            "--min-size",
            "1024",
            "--max-size",
            "67108864",
            "--force",
            "--priority",
            "50",
        ],
        "inventory": [
            "--inventory",
            "s3://example-inventory/inventory/example-uploads/all/2026-12-01T01-00Z/manifest.json",
            "--manifest-etag",
            "0f343b0931126a20f133d67c2b018a3b",
        ],
        "csv": [
            "--csv",
            "s3://example-inventory/inventory/rerender.csv",
            "--csv-fields",
            "Bucket,Key,VersionId",
            "--manifest-etag",
            "5d41402abc4b2a76b9719d911017c592",
            "--report",
            "s3://example-ops/batch-reports/rerender/",
        ],
    }

    def test_match_their_golden_files(self):
        for name, args in self.CASES.items():
            with self.subTest(name):
                out = batch_job(*args)
                self.assertEqual(out.returncode, 0, out.stderr)
                golden = TESTDATA / f"{name}.json"
                if os.environ.get("BATCH_JOB_BLESS"):
                    golden.write_text(out.stdout)
                got = json.loads(out.stdout)
                self.assertEqual(got, json.loads(golden.read_text()))
                op = got["Operation"]["LambdaInvoke"]
                self.assertEqual(op["InvocationSchemaVersion"], "2.0")
                self.assertEqual("force" in op.get("UserArguments", {}), "--force" in args, "force only when asked")


class WhatCannotWork(unittest.TestCase):
    def test_is_refused_with_what_to_do(self):
        stack = json.loads((TESTDATA / "stack.json").read_text())
        outputs = stack["Stacks"][0]["Outputs"]
        stack["Stacks"][0]["Outputs"] = [o for o in outputs if o["OutputKey"] != "BatchOperationsRoleArn"]
        with tempfile.NamedTemporaryFile("w", suffix=".json") as no_role:
            json.dump(stack, no_role)
            no_role.flush()
            cases = [
                (["--prefix", "private/"], "outside SourcePrefix"),
                (
                    ["--prefix", "photos/", "--report", "s3://elsewhere/reports/"],
                    "can write reports only under s3://example-ops/batch-reports/",
                ),
                (["--prefix", "photos/", "--report", "s3://example-ops/other/"], "can write reports only under"),
                (
                    ["--prefix", "photos/", "--account-id", "222222222222"],
                    "is in account 111111111111, but the job would run in 222222222222",
                ),
                (
                    ["--csv", "s3://other-bucket/keys.csv", "--manifest-etag", "x"],
                    "can read manifests only under s3://example-inventory/inventory/",
                ),
                (
                    ["--inventory", "s3://example-inventory/inventory/list.csv", "--manifest-etag", "x"],
                    "takes an S3 Inventory manifest.json",
                ),
                (["--prefix", "photos/", "--stack-file", no_role.name], "deploy it with BatchOperations=Enabled"),
            ]
            for args, says in cases:
                with self.subTest(args=args):
                    out = batch_job(*args)
                    self.assertEqual(out.returncode, 2, out.stderr)
                    self.assertIn(says, out.stderr)
                    self.assertEqual(out.stdout, "", "no request printed")


if __name__ == "__main__":
    unittest.main()
