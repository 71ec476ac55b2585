#!/usr/bin/env python3
"""Checks of the SAM templates that cfn-lint and `sam validate` do not make.

1. Every function package of the workspace is an AWS::Serverless::Function of template.yaml
   (CodeUri functions/<package>, BuildProperties.Binary <package>), and every function of the
   template points to a package with that binary.
2. Least privilege (what cfn-guard rules would say): no Allow statement with `*` or `s3:*`
   actions, no Allow of an S3 action on Resource "*", no managed `*FullAccess` policy, no SAM
   policy template granting full access.
3. Every setting of the contract is an environment variable of every function, fed by a
   parameter, and every parameter has a description and an allowed pattern or values.
4. The README names every parameter of both templates.

`--self-test` first runs check 2 on bad snippets, so the guard is known to catch them.
`--list-functions` only prints the template's function logical ids (for CI's build check).
Uses cfn-lint's YAML loader (it understands !Ref, !Sub, ...), from the SAM venv.
"""

import re
import sys
from pathlib import Path

from cfnlint.decode.cfn_yaml import load

ROOT = Path(__file__).resolve().parent.parent

CONTRACT_SETTINGS = [
    "DESTINATION_BUCKET", "DESTINATION_ROLE_ARN", "DESTINATION_EXTERNAL_ID", "DESTINATION_PREFIX",
    "DESTINATION_ACCOUNT_ID", "DESTINATION_REGION", "DESTINATION_KMS_KEY_ARN",
    "DESTINATION_SESSION_SECONDS", "ROLE_SESSION_NAME", "SOURCE_BUCKET", "SOURCE_PREFIX",
    "SOURCE_ACCOUNT_ID", "RENDITIONS", "MAX_INPUT_BYTES", "MAX_INPUT_PIXELS",
    "BACKFILL_CONCURRENCY", "METRICS_NAMESPACE", "AWS_ENDPOINT_URL",
]


def as_list(v):
    if v is None:
        return []
    return v if isinstance(v, list) else [v]


def statements(node):
    """Every policy statement anywhere under `node`, including both branches of Fn::If."""
    if isinstance(node, dict):
        if "Effect" in node and ("Action" in node or "NotAction" in node):
            yield node
        for v in node.values():
            yield from statements(v)
    elif isinstance(node, list):
        for v in node:
            yield from statements(v)


def guard(template, name):
    """Least-privilege problems of one template, as messages."""
    problems = []
    for logical_id, res in (template.get("Resources") or {}).items():
        props = res.get("Properties") or {}
        for arn in as_list(props.get("ManagedPolicyArns")):
            if "FullAccess" in str(arn):
                problems.append(f"{name}: {logical_id} attaches the managed policy {arn}")
        for pol in as_list(props.get("Policies")):
            if isinstance(pol, str) and "FullAccess" in pol:
                problems.append(f"{name}: {logical_id} uses the policy {pol}")
            if isinstance(pol, dict):
                for key in pol:
                    if "FullAccess" in key:
                        problems.append(f"{name}: {logical_id} uses the policy template {key}")
        for st in statements(props):
            if st.get("Effect") != "Allow":
                continue
            actions = [str(a) for a in as_list(st.get("Action"))]
            if "NotAction" in st:
                problems.append(f"{name}: {logical_id} allows NotAction, which grants everything else")
            for a in actions:
                if a == "*" or a.lower() == "s3:*":
                    problems.append(f"{name}: {logical_id} allows {a}")
            resources = as_list(st.get("Resource"))
            if any(a.lower().startswith("s3:") for a in actions) and "*" in [str(r) for r in resources]:
                problems.append(f"{name}: {logical_id} allows S3 actions on Resource '*'")
    return problems


def self_test():
    bad = {
        "Resources": {
            "A": {"Type": "AWS::IAM::Role", "Properties": {"ManagedPolicyArns": ["arn:aws:iam::aws:policy/AmazonS3FullAccess"]}},
            "B": {"Type": "AWS::IAM::Role", "Properties": {"Policies": [{"PolicyDocument": {"Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "arn:aws:s3:::b/*"}]}}]}},
            "C": {"Type": "AWS::IAM::Role", "Properties": {"Policies": [{"PolicyDocument": {"Statement": [{"Effect": "Allow", "Action": ["s3:GetObject"], "Resource": "*"}]}}]}},
            "D": {"Type": "AWS::Serverless::Function", "Properties": {"Policies": ["AmazonS3FullAccess"]}},
            "E": {"Type": "AWS::IAM::Role", "Properties": {"Policies": [{"PolicyDocument": {"Statement": [{"Fn::If": ["X", {"Effect": "Allow", "Action": "*", "Resource": "*"}, {"Ref": "AWS::NoValue"}]}]}}]}},
        }
    }
    found = guard(bad, "bad")
    for logical_id in "ABCDE":
        assert any(f" {logical_id} " in p for p in found), f"the guard missed resource {logical_id}: {found}"
    fine = {"Resources": {"F": {"Type": "AWS::S3::BucketPolicy", "Properties": {"PolicyDocument": {"Statement": [{"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "*"}]}}}}}
    assert guard(fine, "fine") == [], "a Deny of s3:* is fine"
    import copy

    source = load(str(ROOT / "template.yaml"))
    assert batch_role_problems(source) == [], batch_role_problems(source)
    role = lambda doc: doc["Resources"]["BatchOperationsRole"]["Properties"]
    statements = lambda doc: role(doc)["Policies"][0]["PolicyDocument"]["Statement"]
    widened = []
    for change in [
        lambda d: statements(d)[0].__setitem__("Resource", "*"),
        lambda d: role(d)["AssumeRolePolicyDocument"]["Statement"][0].pop("Condition"),
        lambda d: statements(d).append({"Sid": "More", "Effect": "Allow", "Action": "s3:DeleteObject", "Resource": "arn:aws:s3:::b/*"}),
        lambda d: statements(d)[1].pop("Condition"),
        lambda d: d["Parameters"]["BatchOperations"].__setitem__("Default", "Enabled"),
    ]:
        doc = copy.deepcopy(source)
        change(doc)
        widened.append(bool(batch_role_problems(doc)))
    assert all(widened), f"the Batch Operations role check missed a change: {widened}"
    print("self-test: the guard catches what it must")


def packages():
    """Function packages of the workspace: {package name: [bin names]}."""
    found = {}
    for manifest in sorted((ROOT / "functions").glob("*/Cargo.toml")):
        text = manifest.read_text()
        name = re.search(r'^name\s*=\s*"([^"]+)"', text, re.M).group(1)
        bins = [p.stem for p in (manifest.parent / "src" / "bin").glob("*.rs")] or [name]
        found[name] = bins
    return found


BATCH_ROLE_ACTIONS = {
    "InvokeTransform": ({"lambda:InvokeFunction"}, [{"Fn::GetAtt": ["Transform", "Arn"]}]),
    "ListSourceForGeneratedManifests": ({"s3:ListBucket"}, [{"Fn::Sub": "arn:${AWS::Partition}:s3:::${SourceBucket}"}]),
    "ReadSourceForGeneratedManifests": ({"s3:GetObject", "s3:GetObjectVersion"}, [{"Fn::Sub": "arn:${AWS::Partition}:s3:::${SourceBucket}/${SourcePrefix}*"}]),
    "ReadManifests": ({"s3:GetObject", "s3:GetObjectVersion"}, [{"Fn::Sub": "arn:${AWS::Partition}:s3:::${BatchManifestBucket}/${BatchManifestPrefix}*"}]),
    "WriteReportsAndGeneratedManifests": ({"s3:PutObject"}, [{"Fn::Sub": "arn:${AWS::Partition}:s3:::${BatchReportBucket}/${BatchReportPrefix}*"}]),
    "LocateManifestAndReportBuckets": ({"s3:GetBucketLocation"}, [{"Fn::Sub": "arn:${AWS::Partition}:s3:::${BatchManifestBucket}"}, {"Fn::Sub": "arn:${AWS::Partition}:s3:::${BatchReportBucket}"}]),
}


def batch_role_problems(doc, name="template.yaml"):
    """The Batch Operations role is exactly what CONTRACT.md and the README say."""
    problems = []
    params = doc.get("Parameters") or {}
    if (params.get("BatchOperations") or {}).get("Default") != "Disabled":
        problems.append(f"{name}: BatchOperations is not Disabled by default")
    role = (doc.get("Resources") or {}).get("BatchOperationsRole")
    if not role:
        return problems + [f"{name}: no BatchOperationsRole"]
    if role.get("Condition") != "HasBatchOperations":
        problems.append(f"{name}: BatchOperationsRole is not behind the HasBatchOperations condition")
    props = role.get("Properties") or {}
    trust = as_list((props.get("AssumeRolePolicyDocument") or {}).get("Statement"))
    expected_trust = [{"Effect": "Allow", "Principal": {"Service": "batchoperations.s3.amazonaws.com"}, "Action": "sts:AssumeRole",
                       "Condition": {"StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}}}]
    if trust != expected_trust:
        problems.append(f"{name}: BatchOperationsRole's trust is not exactly batchoperations.s3.amazonaws.com for this account: {trust}")
    seen = {}
    for policy in as_list(props.get("Policies")):
        for st in as_list((policy.get("PolicyDocument") or {}).get("Statement")):
            seen[st.get("Sid")] = (set(as_list(st.get("Action"))), as_list(st.get("Resource")), st)
    if set(seen) != set(BATCH_ROLE_ACTIONS):
        problems.append(f"{name}: BatchOperationsRole's statements are {sorted(k or '?' for k in seen)}, not {sorted(BATCH_ROLE_ACTIONS)}")
    for sid, (actions, resources) in BATCH_ROLE_ACTIONS.items():
        if sid in seen and (seen[sid][0] != actions or seen[sid][1] != resources or seen[sid][2].get("Effect") != "Allow"):
            problems.append(f"{name}: BatchOperationsRole statement {sid} allows {sorted(seen[sid][0])} on {seen[sid][1]}, not {sorted(actions)} on {resources}")
    listing = seen.get("ListSourceForGeneratedManifests")
    if listing and (listing[2].get("Condition") or {}).get("StringLike", {}).get("s3:prefix") != {"Fn::Sub": "${SourcePrefix}*"}:
        problems.append(f"{name}: BatchOperationsRole lists the source bucket outside SourcePrefix")
    outputs = doc.get("Outputs") or {}
    if (outputs.get("BatchOperationsRoleArn") or {}).get("Value") != {"Fn::GetAtt": ["BatchOperationsRole", "Arn"]}:
        problems.append(f"{name}: no BatchOperationsRoleArn output")
    return problems


def main():
    if "--list-functions" in sys.argv:
        resources = load(str(ROOT / "template.yaml")).get("Resources") or {}
        print("\n".join(k for k, v in resources.items() if v.get("Type") == "AWS::Serverless::Function"))
        return
    if "--self-test" in sys.argv:
        self_test()
    problems = []
    source = load(str(ROOT / "template.yaml"))
    destination = load(str(ROOT / "destination" / "template.yaml"))
    resources = source.get("Resources") or {}

    # 1. Packages and functions.
    functions = {k: v for k, v in resources.items() if v.get("Type") == "AWS::Serverless::Function"}
    pkgs = packages()
    pointed = {}
    for logical_id, fn in functions.items():
        code = str((fn.get("Properties") or {}).get("CodeUri", ""))
        binary = ((fn.get("Metadata") or {}).get("BuildProperties") or {}).get("Binary")
        package = code.removeprefix("functions/").strip("/")
        if (fn.get("Metadata") or {}).get("BuildMethod") != "rust-cargolambda":
            problems.append(f"template.yaml: {logical_id} is not built with rust-cargolambda")
        if package not in pkgs:
            problems.append(f"template.yaml: {logical_id} has CodeUri {code!r}, which is no package under functions/")
            continue
        if binary != package or binary not in pkgs[package]:
            problems.append(f"template.yaml: {logical_id} builds binary {binary!r}; package {package} has {pkgs[package]} and its function binary is named after it")
        pointed[package] = logical_id
    for package in pkgs:
        if package not in pointed:
            problems.append(f"template.yaml: the function package {package} has no AWS::Serverless::Function")

    # 2. Least privilege.
    problems += guard(source, "template.yaml") + guard(destination, "destination/template.yaml")

    # 3. Settings and parameters.
    env = (((source.get("Globals") or {}).get("Function") or {}).get("Environment") or {}).get("Variables") or {}
    params = source.get("Parameters") or {}
    for var in CONTRACT_SETTINGS:
        value = env.get(var)
        if not (isinstance(value, dict) and value.get("Ref") in params):
            problems.append(f"template.yaml: the setting {var} is not fed by a parameter in Globals.Function.Environment")
    for name, doc in [("template.yaml", source), ("destination/template.yaml", destination)]:
        for pname, p in (doc.get("Parameters") or {}).items():
            if not p.get("Description"):
                problems.append(f"{name}: parameter {pname} has no description")
            if not any(k in p for k in ("AllowedPattern", "AllowedValues", "MinValue")):
                problems.append(f"{name}: parameter {pname} has no allowed pattern, values or range")

    # 4. The README names every parameter.
    readme = (ROOT / "README.md").read_text()
    for name, doc in [("template.yaml", source), ("destination/template.yaml", destination)]:
        for pname in doc.get("Parameters") or {}:
            if f"`{pname}`" not in readme:
                problems.append(f"README.md does not name the parameter {pname} of {name}")

    # 5. The S3 trigger subscribes every event the contract handles, in both modes.
    wanted = {"s3:ObjectCreated:*", "s3:ObjectRemoved:*", "s3:LifecycleExpiration:*"}
    for logical_id, kind in [("SourceBucketS3Mode", "LambdaConfigurations"), ("SourceBucketSqsMode", "QueueConfigurations")]:
        notification = ((resources.get(logical_id) or {}).get("Properties") or {}).get("NotificationConfiguration") or {}
        events = {c.get("Event") for c in notification.get(kind) or []}
        if events != wanted:
            problems.append(f"template.yaml: {logical_id} subscribes {sorted(e for e in events if e)}, not {sorted(wanted)}")

    # 6. The Batch Operations job role: off by default, trusted by the service for this account
    #    only, allowed exactly what a LambdaInvoke job over the source bucket needs.
    problems += batch_role_problems(source)

    for p in problems:
        print(f"FAIL {p}")
    if problems:
        sys.exit(1)
    print(f"templates: {len(functions)} function(s) for {len(pkgs)} package(s); least privilege holds; "
          f"{len(CONTRACT_SETTINGS)} settings fed by parameters; README names every parameter")


if __name__ == "__main__":
    main()
