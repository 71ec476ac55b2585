"""The accounts a running local AWS plays: each with its admin, cross-account S3 access refused
between any two (so a second destination account is as separate from the first as from the
source), and a bucket's own account served."""

import json
import subprocess
import sys
import unittest

from local_aws import accounts


class ThreeAccounts(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = subprocess.Popen(
            [sys.executable, "-m", "local_aws", "serve"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        cls.state = json.loads(cls.server.stdout.readline())

    @classmethod
    def tearDownClass(cls):
        cls.server.stdin.close()  # the server stops when its stdin closes
        cls.server.wait(timeout=30)
        cls.server.stdout.close()

    def test_every_account_has_its_id_and_admin(self):
        ids = {name: a["id"] for name, a in self.state["accounts"].items()}
        self.assertEqual(ids, accounts.ACCOUNTS)
        self.assertEqual(len(set(ids.values())), 3)

    def test_a_bucket_is_its_accounts_alone(self):
        buckets = {name: f"accounts-test-{name}" for name in accounts.ACCOUNTS}
        for name, bucket in buckets.items():
            s3 = accounts.admin_s3(self.state, name)
            s3.create_bucket(Bucket=bucket)
            s3.put_object(Bucket=bucket, Key="k", Body=name.encode())
        for reader in accounts.ACCOUNTS:
            s3 = accounts.admin_s3(self.state, reader)
            for owner, bucket in buckets.items():
                with self.subTest(reader=reader, owner=owner):
                    if reader == owner:
                        body = s3.get_object(Bucket=bucket, Key="k")["Body"].read()
                        self.assertEqual(body, owner.encode())
                    else:
                        with self.assertRaises(Exception) as refused:
                            s3.get_object(Bucket=bucket, Key="k")
                        status = refused.exception.response["ResponseMetadata"]["HTTPStatusCode"]
                        self.assertEqual(status, 403, f"{reader}'s admin read {owner}'s bucket")


if __name__ == "__main__":
    unittest.main()
