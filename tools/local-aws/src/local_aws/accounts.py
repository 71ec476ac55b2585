"""The accounts of the local AWS and the admin clients that set them up and check results.

Everything here is local and fake: the keys are moto's, valid only against this server.
"""

import json
import sys

SOURCE_ACCOUNT = "111111111111"
DESTINATION_ACCOUNT = "222222222222"
# A second destination account, for several routes (each destination its own account, and
# cross-account access refused between them as between any two).
SECOND_DESTINATION_ACCOUNT = "333333333333"
# Every account the local AWS plays, by the name the state file and `--account` use.
ACCOUNTS = {"source": SOURCE_ACCOUNT, "destination": DESTINATION_ACCOUNT, "destination2": SECOND_DESTINATION_ACCOUNT}
REGION = "us-east-1"

ADMIN_POLICY = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
}


def log(message):
    print(f"local-aws: {message}", file=sys.stderr, flush=True)


def client(service, endpoint, keys=None, account=None):
    """A boto3 client for the local server, as an admin key pair or (auth off) as an account."""
    import boto3

    if keys is None:
        keys = {"access_key_id": "provisioning", "secret_access_key": "provisioning"}
    c = boto3.client(
        service,
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id=keys["access_key_id"],
        aws_secret_access_key=keys["secret_access_key"],
        aws_session_token=keys.get("session_token"),
    )
    if account is not None:

        def add_account_header(request, **_):
            request.headers["x-moto-account-id"] = account

        c.meta.events.register("before-sign.*.*", add_account_header)
    return c


def create_admin(endpoint, account):
    iam = client("iam", endpoint, account=account)
    iam.create_user(UserName="admin")
    iam.put_user_policy(UserName="admin", PolicyName="admin", PolicyDocument=json.dumps(ADMIN_POLICY))
    key = iam.create_access_key(UserName="admin")["AccessKey"]
    return {"access_key_id": key["AccessKeyId"], "secret_access_key": key["SecretAccessKey"]}


def load_state(path):
    """The state `serve` wrote: endpoint, region, pid and each account's id and admin keys."""
    with open(path) as f:
        return json.load(f)


def admin_s3(state, account):
    """An S3 client of `account`'s admin (a name of `ACCOUNTS`)."""
    return client("s3", state["endpoint"], state["accounts"][account]["admin"])
