"""Provisioning: one pipeline in a running server, deployed from the project's templates (a
source stack and a destination stack, `deploy.py`), and the function environments that go
with it. No role or policy is written here: the templates own every statement.
"""

import json
import os
import secrets
import shlex

from . import deploy
from .accounts import client, load_state

# The function of the stack whose environment a pipeline's settings are (the others differ only
# in what they leave out: upload-url gets nothing of the destination).
PIPELINE_FUNCTION = "Transform"
UPLOAD_FUNCTION = "UploadUrlFunction"


# The second destination of `--routes`: its account, and its names' mark.
SECOND = "destination2"


def routes_of(state, args, external_ids):
    """With `--routes`: one route per destination account, each taking every key of the
    pipeline (ids `dst` and `dst2`), in its own bucket through its own writer role."""
    routes = []
    for route_id, account, mark in (("dst", "destination", ""), ("dst2", SECOND, "2")):
        account_id = state["accounts"][account]["id"]
        routes.append(
            {
                "id": route_id,
                "source_prefix": args.source_prefix,
                "bucket": f"dst{mark}-{args.name}",
                "role_arn": f"arn:aws:iam::{account_id}:role/writer{mark}-{args.name}",
                "external_id": external_ids[account],
                "prefix": args.destination_prefix,
            }
        )
    return routes


def stack_parameters(state, args, external_ids):
    """The stacks' parameters for a pipeline named `args.name`, as the README's deploy guide
    has an operator set them (each destination stack gets the pipeline role from the
    source's): one destination, or with `args.routes` two, in two accounts, as `Routes`."""
    name = args.name
    external_id = external_ids["destination"]
    src = state["accounts"]["source"]["id"]
    dst = state["accounts"]["destination"]["id"]
    source = {
        "SourceBucket": f"src-{name}",
        "SourcePrefix": args.source_prefix,
        "SourceAccountId": src,
        "DestinationBucket": f"dst-{name}",
        "DestinationPrefix": args.destination_prefix,
        "DestinationAccountId": dst,
        "DestinationRoleArn": f"arn:aws:iam::{dst}:role/writer-{name}",
        "DestinationExternalId": external_id,
        "PipelineRoleName": f"pipeline-{name}",
        "AwsEndpointUrl": state["endpoint"],
    }
    if args.upload_prefix is not None:
        source |= {"UploadUrl": "Enabled", "UploadPrefix": args.upload_prefix}
    # The Batch Operations job role too, its manifests and reports in the source bucket.
    source |= {
        "BatchOperations": "Enabled",
        "BatchManifestBucket": f"src-{name}",
        "BatchManifestPrefix": "batch/manifests/",
        "BatchReportBucket": f"src-{name}",
        "BatchReportPrefix": "batch/reports/",
    }
    destinations = {
        "destination": {
            "WriterRoleName": f"writer-{name}",
            "ExternalId": external_id,
            "DestinationBucketName": f"dst-{name}",
            "DestinationPrefix": args.destination_prefix,
        }
    }
    if getattr(args, "routes", False):
        routes = routes_of(state, args, external_ids)
        for key in ("DestinationBucket", "DestinationPrefix", "DestinationAccountId", "DestinationRoleArn"):
            source.pop(key)
        source.pop("DestinationExternalId")
        # Quoted as one value the way SAM's own parser would leave it: JSON, no spaces needed.
        source |= {
            "Routes": json.dumps(routes, separators=(",", ":")),
            "RouteRoleArns": ",".join(r["role_arn"] for r in routes),
        }
        destinations[SECOND] = {
            "WriterRoleName": f"writer2-{name}",
            "ExternalId": external_ids[SECOND],
            "DestinationBucketName": f"dst2-{name}",
            "DestinationPrefix": args.destination_prefix,
        }
    return source, destinations


def without_actions(document, dropped):
    """`document` with the `dropped` actions left out (a statement left with none goes): a
    broken setup, as an operator who edited the deployed role would make it."""
    statements = []
    for statement in document["Statement"]:
        actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        kept = [a for a in actions if a not in dropped]
        if kept:
            statements.append({**statement, "Action": kept})
    return {**document, "Statement": statements}


def break_role(iam, role, policies, dropped):
    """Puts the deployed inline policies of `role` back without the `dropped` actions."""
    for policy_name, document in policies.items():
        iam.put_role_policy(
            RoleName=role, PolicyName=policy_name, PolicyDocument=json.dumps(without_actions(document, dropped))
        )


def temporary_credentials(sts, role_arn, session_name):
    """What Lambda hands a function running as `role_arn`: the role's temporary credentials."""
    creds = sts.assume_role(RoleArn=role_arn, RoleSessionName=session_name[:64])["Credentials"]
    return {
        "access_key_id": creds["AccessKeyId"],
        "secret_access_key": creds["SecretAccessKey"],
        "session_token": creds["SessionToken"],
    }


def pipeline(args):
    state = load_state(args.state_file)
    endpoint = state["endpoint"]
    src = state["accounts"]["source"]
    dst = state["accounts"]["destination"]
    name = args.name
    external_ids = {"destination": secrets.token_hex(16), SECOND: secrets.token_hex(16)}
    external_id = external_ids["destination"]
    source_parameters, destination_parameters = stack_parameters(state, args, external_ids)
    stacks = deploy.deploy(state, args.state_file, name, source_parameters, destination_parameters)
    source, destination = stacks["source"], stacks["destination"]

    if args.execution_drop:
        role = source["resources"]["PipelineRole"]["id"]
        break_role(client("iam", endpoint, src["admin"]), role, source["policies"]["PipelineRole"], args.execution_drop)
    if args.writer_drop:
        role = destination["resources"]["WriterRole"]["id"]
        break_role(client("iam", endpoint, dst["admin"]), role, destination["policies"]["WriterRole"], args.writer_drop)

    sts = client("sts", endpoint, src["admin"])
    execution_role_arn = source["outputs"]["PipelineRoleArn"]
    result = {
        "endpoint": endpoint,
        "region": state["region"],
        "source": {"account_id": src["id"], "bucket": source_parameters["SourceBucket"], "prefix": args.source_prefix},
        "destination": {
            "account_id": dst["id"],
            "bucket": destination["outputs"]["DestinationBucket"],
            "prefix": args.destination_prefix,
            "role_arn": destination["outputs"]["WriterRoleArn"],
            "external_id": external_id,
        },
        **(
            {
                "destination2": {
                    "account_id": state["accounts"][SECOND]["id"],
                    "bucket": stacks[SECOND]["outputs"]["DestinationBucket"],
                    "prefix": args.destination_prefix,
                    "role_arn": stacks[SECOND]["outputs"]["WriterRoleArn"],
                    "external_id": external_ids[SECOND],
                }
            }
            if SECOND in stacks
            else {}
        ),
        "execution_role": {
            "arn": execution_role_arn,
            "credentials": temporary_credentials(sts, execution_role_arn, f"lambda-{name}"),
        },
        "functions": source["environments"],
        # Each role's inline policies as deployed (logical id -> policy name -> document), for
        # the checks the local AWS cannot make (it refuses every cross-account request).
        "policies": {**source["policies"], **destination["policies"]},
        "trusts": {**source["trusts"], **destination["trusts"]},
        "stacks": {account: {"name": name, "not_created": stack["not_created"]} for account, stack in stacks.items()},
    }
    if args.upload_prefix is not None:
        uploader_arn = source["outputs"]["UploaderRoleArn"]
        result["uploader_role"] = {
            "arn": uploader_arn,
            "upload_prefix": args.upload_prefix,
            "credentials": temporary_credentials(sts, uploader_arn, f"lambda-upload-{name}"),
        }
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
        if "uploader_role" not in result:
            raise SystemExit("local-aws: --upload-url-env-file needs --upload-prefix (the uploader role)")
        write_upload_url_env(args.upload_url_env_file, result)
    print(json.dumps(result), flush=True)


def pipeline_settings(p):
    """The contract's settings of a provisioned pipeline: the environment its stack gives the
    transform function."""
    return dict(p["functions"][PIPELINE_FUNCTION])


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
    """upload-url's own environment (KEY=VALUE lines): the uploader role's credentials and what
    its stack gives it (the source and upload settings, nothing of the destination)."""
    env = {
        **role_environment(p, p["uploader_role"]["credentials"]),
        **p["functions"][UPLOAD_FUNCTION],
        "AWS_LAMBDA_FUNCTION_NAME": "upload-url",
        "AWS_LAMBDA_LOG_FORMAT": "JSON",
    }
    write_environment(path, env, plain=True)


def write_sam_env_vars(path, p):
    """`sam local invoke --env-vars` JSON for this pipeline: each function's environment as
    its stack defines it, under the function's logical id (credentials are not template
    variables: SAM hands the container the shell's). The endpoint is the one a container
    reaches when the server listens on a bridge (`serve --also-listen`)."""
    endpoint = p.get("container_endpoint", p["endpoint"])
    functions = {name: {**env, "AWS_ENDPOINT_URL": endpoint} for name, env in p["functions"].items()}
    with private_file(path) as f:
        json.dump(functions, f, indent=2)
