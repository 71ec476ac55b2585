"""A local `sam deploy`: the project's two stacks in the local two-account AWS, created by its
CloudFormation in the right account, each with its parameters.

The source stack (`template.yaml`, translated by SAM's translator) goes to the source account,
then the destination stack (`destination/template.yaml`) to the destination account, taking the
source stack's `PipelineRoleArn` output, as the README's deploy guide has operators do. What
moto does differently from CloudFormation is made up for here, each step for a named reason,
never by writing a policy in Python:

- conditions and the functions moto cannot evaluate: `templates.resolve`;
- each function's code: an `s3://` object of an artifact bucket, as `sam package` uploads it.
  The object is a zip whose `bootstrap` says the local AWS does not run functions: the tests
  and the demo run the real binaries themselves, with the environment the stack defines;
- the inline policies of the roles the stack created are put back as the stack deployed them
  (moto's authorizer cannot read the form its CloudFormation stores them in);
- a trust policy whose only principal is a service gets the account's admin as a second
  principal, so the tests can take the role as Lambda hands it to a function (moto answers
  500 when an IAM principal assumes a service-only role). No identity policy changes;
- the resources moto's CloudFormation skips are reported (`not_created`).
"""

import ast
import copy
import io
import json
import os
import zipfile

from . import templates
from .accounts import REGION, client, log

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "..", ".."))
SOURCE_TEMPLATE = os.path.join(ROOT, "template.yaml")
DESTINATION_TEMPLATE = os.path.join(ROOT, "destination", "template.yaml")

PLACEHOLDER = b"""#!/bin/sh
echo "the local AWS does not run functions: run the real binary (scripts/demo, cargo lambda)" >&2
exit 1
"""


def artifact_bucket(account_id):
    return f"local-aws-artifacts-{account_id}"


def code_uri(account_id):
    return lambda logical_id: f"s3://{artifact_bucket(account_id)}/{logical_id}.zip"


def upload_artifacts(s3, account_id, template):
    """The zips the translated template's functions name, in the account's artifact bucket."""
    bucket = artifact_bucket(account_id)
    names = {b["Name"] for b in s3.list_buckets().get("Buckets", [])}
    if bucket not in names:
        s3.create_bucket(Bucket=bucket)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        info = zipfile.ZipInfo("bootstrap")
        info.external_attr = 0o755 << 16
        z.writestr(info, PLACEHOLDER)
    for resource in template["Resources"].values():
        code = resource.get("Properties", {}).get("Code", {})
        if resource["Type"] == "AWS::Lambda::Function" and code.get("S3Bucket") == bucket:
            s3.put_object(Bucket=bucket, Key=code["S3Key"], Body=buffer.getvalue())


def pseudo_parameters(account_id, stack_name):
    return {
        "AWS::AccountId": account_id,
        "AWS::Region": REGION,
        "AWS::Partition": "aws",
        "AWS::StackName": stack_name,
        "AWS::URLSuffix": "amazonaws.com",
    }


def create_stack(state, account, name, template, parameters):
    """Creates a stack as `account`'s admin and waits for it; returns its outputs, its
    resources (logical id to physical id and type) and what moto did not create."""
    keys = state["accounts"][account]["admin"]
    endpoint = state["endpoint"]
    cfn = client("cloudformation", endpoint, keys)
    account_id = state["accounts"][account]["id"]
    pseudo = pseudo_parameters(account_id, name)
    body = templates.resolve(template, parameters, pseudo)
    upload_artifacts(client("s3", endpoint, keys), account_id, body)
    cfn.create_stack(
        StackName=name,
        TemplateBody=json.dumps(body),
        Parameters=[{"ParameterKey": k, "ParameterValue": str(v)} for k, v in parameters.items()],
        Capabilities=["CAPABILITY_NAMED_IAM", "CAPABILITY_AUTO_EXPAND"],
    )
    stack = cfn.describe_stacks(StackName=name)["Stacks"][0]
    if stack["StackStatus"] != "CREATE_COMPLETE":
        reason = stack.get("StackStatusReason", "no reason given")
        raise SystemExit(f"local-aws: stack {name} in {account}: {stack['StackStatus']}: {reason}")
    created = {
        r["LogicalResourceId"]: {"id": r["PhysicalResourceId"], "type": r["ResourceType"]}
        for r in cfn.describe_stack_resources(StackName=name)["StackResources"]
        if r.get("PhysicalResourceId")
    }
    not_created = {k: v["Type"] for k, v in body["Resources"].items() if k not in created}
    outputs = {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}
    environments = templates.environments(body, parameters, pseudo)
    return {"outputs": outputs, "resources": created, "not_created": not_created, "environments": environments}


def deployed_document(document):
    """A policy document as IAM answers it. moto's CloudFormation stores an inline policy as
    Python's text of the dict (single quotes), which its authorizer cannot read; JSON otherwise."""
    if not isinstance(document, str):
        return document
    try:
        return json.loads(document)
    except json.JSONDecodeError:
        return ast.literal_eval(document)


def settle_roles(state, account, stack):
    """What moto needs of the roles the stack created: their inline policies put back as
    deployed, and the admin beside a service-only trust. Returns each role's inline policy
    documents and trust policy, as deployed (logical id -> policy name -> document; logical
    id -> trust, before the admin is added)."""
    keys = state["accounts"][account]["admin"]
    iam = client("iam", state["endpoint"], keys)
    admin = f"arn:aws:iam::{state['accounts'][account]['id']}:user/admin"
    policies, trusts = {}, {}
    for logical_id, resource in stack["resources"].items():
        if resource["type"] != "AWS::IAM::Role":
            continue
        role = resource["id"]
        policies[logical_id] = {}
        for policy_name in iam.list_role_policies(RoleName=role)["PolicyNames"]:
            document = deployed_document(iam.get_role_policy(RoleName=role, PolicyName=policy_name)["PolicyDocument"])
            iam.put_role_policy(RoleName=role, PolicyName=policy_name, PolicyDocument=json.dumps(document))
            policies[logical_id][policy_name] = document
        trust = iam.get_role(RoleName=role)["Role"]["AssumeRolePolicyDocument"]
        trust = deployed_document(trust)
        trusts[logical_id] = copy.deepcopy(trust)
        changed = False
        for statement in trust["Statement"]:
            principal = statement.get("Principal", {})
            if isinstance(principal, dict) and set(principal) == {"Service"}:
                principal["AWS"] = admin
                changed = True
        if changed:
            iam.update_assume_role_policy(RoleName=role, PolicyDocument=json.dumps(trust))
    return policies, trusts


def cache_dir(state_file):
    return os.path.join(os.path.dirname(os.path.abspath(state_file)), ".local-aws-templates")


def deploy(state, state_file, name, source_parameters, destinations):
    """The source stack, then one destination stack per entry of `destinations` (account ->
    parameters; each gets the source stack's `PipelineRoleArn` output); returns what each
    created, its outputs, its roles' policies and its functions' environments, by account."""
    source_id = state["accounts"]["source"]["id"]
    source_template = templates.translated(SOURCE_TEMPLATE, cache_dir(state_file), code_uri(source_id))
    destination_template = templates.translated(DESTINATION_TEMPLATE, cache_dir(state_file), code_uri(source_id))
    source = create_stack(state, "source", name, source_template, source_parameters)
    stacks = {"source": source}
    for account, parameters in destinations.items():
        parameters = {**parameters, "PipelineRoleArn": source["outputs"]["PipelineRoleArn"]}
        stacks[account] = create_stack(state, account, name, destination_template, parameters)
    for account, stack in stacks.items():
        stack["policies"], stack["trusts"] = settle_roles(state, account, stack)
        if stack["not_created"]:
            skipped = ", ".join(f"{k} ({v})" for k, v in sorted(stack["not_created"].items()))
            log(f"stack {name} in {account}: the local AWS does not create {skipped}")
    return stacks
