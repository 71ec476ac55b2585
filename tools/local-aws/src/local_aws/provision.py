"""Provisioning: one pipeline (buckets and roles on exact ARNs) in a running server, and the
function environments that go with it.
"""

import json
import os
import secrets
import shlex

from .accounts import client, load_state


def policy(*statements):
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def allow(actions, resources):
    return {"Effect": "Allow", "Action": sorted(actions), "Resource": resources}


def lambda_trust(account):
    """A function role's trust: Lambda's service principal, plus the account's admin so tests
    can take the role as Lambda hands it to a function (moto answers 500 to a trust policy
    whose principal is only a service)."""
    principal = {"Service": "lambda.amazonaws.com", "AWS": f"arn:aws:iam::{account}:user/admin"}
    return policy({"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole"})


def pipeline(args):
    state = load_state(args.state_file)
    endpoint = state["endpoint"]
    src = state["accounts"]["source"]
    dst = state["accounts"]["destination"]
    name = args.name
    source_bucket = f"src-{name}"
    destination_bucket = f"dst-{name}"
    execution_role = f"pipeline-{name}"
    writer_role = f"writer-{name}"
    execution_role_arn = f"arn:aws:iam::{src['id']}:role/{execution_role}"
    writer_role_arn = f"arn:aws:iam::{dst['id']}:role/{writer_role}"
    external_id = secrets.token_hex(16)
    sp, dp = args.source_prefix, args.destination_prefix

    # Source account: the bucket and the pipeline execution role.
    s3_src = client("s3", endpoint, src["admin"])
    s3_src.create_bucket(Bucket=source_bucket)
    iam_src = client("iam", endpoint, src["admin"])
    iam_src.create_role(
        RoleName=execution_role,
        AssumeRolePolicyDocument=lambda_trust(src["id"]),
    )
    execution = [
        allow(
            {"s3:GetObject", "s3:GetObjectVersion"} - set(args.execution_drop), [f"arn:aws:s3:::{source_bucket}/{sp}*"]
        ),
        allow({"s3:ListBucket"} - set(args.execution_drop), [f"arn:aws:s3:::{source_bucket}"]),
        allow({"sts:AssumeRole"} - set(args.execution_drop), [writer_role_arn]),
    ]
    iam_src.put_role_policy(
        RoleName=execution_role,
        PolicyName="pipeline",
        PolicyDocument=policy(*[s for s in execution if s["Action"]]),
    )

    # Destination account: the bucket and the writer role.
    s3_dst = client("s3", endpoint, dst["admin"])
    s3_dst.create_bucket(Bucket=destination_bucket)
    iam_dst = client("iam", endpoint, dst["admin"])
    iam_dst.create_role(
        RoleName=writer_role,
        AssumeRolePolicyDocument=policy(
            {
                "Effect": "Allow",
                "Principal": {"AWS": execution_role_arn},
                "Action": "sts:AssumeRole",
                "Condition": {"StringEquals": {"sts:ExternalId": external_id}},
            }
        ),
    )
    writer = [
        allow(
            {"s3:PutObject", "s3:GetObject", "s3:DeleteObject"} - set(args.writer_drop),
            [f"arn:aws:s3:::{destination_bucket}/{dp}*"],
        ),
        allow({"s3:ListBucket"} - set(args.writer_drop), [f"arn:aws:s3:::{destination_bucket}"]),
    ]
    iam_dst.put_role_policy(
        RoleName=writer_role,
        PolicyName="writer",
        PolicyDocument=policy(*[s for s in writer if s["Action"]]),
    )

    # What Lambda gives the function: the execution role's temporary credentials.
    sts = client("sts", endpoint, src["admin"])
    creds = sts.assume_role(RoleArn=execution_role_arn, RoleSessionName=f"lambda-{name}"[:64])["Credentials"]
    uploader = None
    if args.upload_prefix is not None:
        uploader = uploader_role(iam_src, sts, src, name, source_bucket, args.upload_prefix)

    result = {
        "endpoint": endpoint,
        "region": state["region"],
        "source": {"account_id": src["id"], "bucket": source_bucket, "prefix": sp},
        "destination": {
            "account_id": dst["id"],
            "bucket": destination_bucket,
            "prefix": dp,
            "role_arn": writer_role_arn,
            "external_id": external_id,
        },
        "execution_role": {
            "arn": execution_role_arn,
            "credentials": {
                "access_key_id": creds["AccessKeyId"],
                "secret_access_key": creds["SecretAccessKey"],
                "session_token": creds["SessionToken"],
            },
        },
    }
    if uploader:
        result["uploader_role"] = uploader
    container_endpoint = getattr(args, "sam_endpoint", None) or state.get("container_endpoint")
    if container_endpoint:
        result["container_endpoint"] = container_endpoint
    if args.env_file:
        write_env_file(args.env_file, result)
    if args.lambda_env_file:
        write_env_file(args.lambda_env_file, result, plain=True)
    if args.sam_env_vars:
        write_sam_env_vars(args.sam_env_vars, result)
    if args.upload_url_env_file:
        if not uploader:
            raise SystemExit("local-aws: --upload-url-env-file needs --upload-prefix (the uploader role)")
        write_upload_url_env(args.upload_url_env_file, result)
    print(json.dumps(result), flush=True)


def uploader_role(iam_src, sts, src, name, source_bucket, upload_prefix):
    """The upload-url function's role as the template defines it: s3:PutObject under the upload
    prefix and nothing else; assumed as Lambda would hand it to the function."""
    role = f"uploader-{name}"
    arn = f"arn:aws:iam::{src['id']}:role/{role}"
    iam_src.create_role(
        RoleName=role,
        AssumeRolePolicyDocument=lambda_trust(src["id"]),
    )
    iam_src.put_role_policy(
        RoleName=role,
        PolicyName="uploader",
        PolicyDocument=policy(allow({"s3:PutObject"}, [f"arn:aws:s3:::{source_bucket}/{upload_prefix}*"])),
    )
    creds = sts.assume_role(RoleArn=arn, RoleSessionName=f"lambda-upload-{name}"[:64])["Credentials"]
    return {
        "arn": arn,
        "upload_prefix": upload_prefix,
        "credentials": {
            "access_key_id": creds["AccessKeyId"],
            "secret_access_key": creds["SecretAccessKey"],
            "session_token": creds["SessionToken"],
        },
    }


def pipeline_settings(p):
    """The contract's settings of a provisioned pipeline, as the template would set them."""
    return {
        "AWS_ENDPOINT_URL": p["endpoint"],
        "SOURCE_BUCKET": p["source"]["bucket"],
        "SOURCE_PREFIX": p["source"]["prefix"],
        "DESTINATION_BUCKET": p["destination"]["bucket"],
        "DESTINATION_PREFIX": p["destination"]["prefix"],
        "DESTINATION_ROLE_ARN": p["destination"]["role_arn"],
        "DESTINATION_EXTERNAL_ID": p["destination"]["external_id"],
    }


def private_file(path):
    """A file only its owner can read: it holds credentials or the ExternalId."""
    return os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w")


def role_environment(p, credentials):
    """What Lambda sets for a function running as a role: region and its temporary credentials."""
    return {
        "AWS_REGION": p["region"],
        "AWS_DEFAULT_REGION": p["region"],
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_ACCESS_KEY_ID": credentials["access_key_id"],
        "AWS_SECRET_ACCESS_KEY": credentials["secret_access_key"],
        "AWS_SESSION_TOKEN": credentials["session_token"],
    }


def write_environment(path, env, plain=False):
    """`env` as shell export lines, or with `plain` as KEY=VALUE lines as `cargo lambda watch
    --env-file` reads them; readable by its owner only."""
    with private_file(path) as f:
        for k, v in env.items():
            # dotenv needs base64 (session tokens) double-quoted; JSON quoting is compatible.
            f.write(f"{k}={json.dumps(v)}\n" if plain else f"export {k}={shlex.quote(v)}\n")


def write_env_file(path, p, plain=False):
    """The pipeline function's environment: the execution role's credentials and the settings."""
    write_environment(path, {**role_environment(p, p["execution_role"]["credentials"]), **pipeline_settings(p)}, plain)


def write_upload_url_env(path, p):
    """upload-url's own environment (KEY=VALUE lines): the uploader role's credentials and the
    source and upload settings, nothing of the destination."""
    uploader = p["uploader_role"]
    env = {
        **role_environment(p, uploader["credentials"]),
        "AWS_ENDPOINT_URL": p["endpoint"],
        "SOURCE_BUCKET": p["source"]["bucket"],
        "SOURCE_PREFIX": p["source"]["prefix"],
        "SOURCE_ACCOUNT_ID": p["source"]["account_id"],
        "UPLOAD_PREFIX": uploader["upload_prefix"],
        "AWS_LAMBDA_FUNCTION_NAME": "upload-url",
        "AWS_LAMBDA_LOG_FORMAT": "JSON",
    }
    write_environment(path, env, plain=True)


def write_sam_env_vars(path, p):
    """`sam local invoke --env-vars` JSON for this pipeline: the settings of every function
    (SAM sets a variable only in the functions whose template declares it; credentials are not
    template variables: SAM hands the container the shell's). The endpoint is the one a
    container reaches when the server listens on a bridge (`serve --also-listen`)."""
    settings = {**pipeline_settings(p), "SOURCE_ACCOUNT_ID": p["source"]["account_id"]}
    settings["AWS_ENDPOINT_URL"] = p.get("container_endpoint", p["endpoint"])
    if "uploader_role" in p:
        settings["UPLOAD_PREFIX"] = p["uploader_role"]["upload_prefix"]
    with private_file(path) as f:
        json.dump({"Parameters": settings}, f, indent=2)
