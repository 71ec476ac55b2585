"""Checks of the SAM templates that cfn-lint and `sam validate` do not make.

1. Every function package of the workspace is an AWS::Serverless::Function of template.yaml
   (CodeUri functions/<package>, BuildProperties.Binary <package>), and every function of the
   template points to a package with that binary.
2. Least privilege (what cfn-guard rules would say): no Allow statement with `*` or `s3:*`
   actions, no Allow of an S3 action on Resource "*", no managed `*FullAccess` policy, no SAM
   policy template granting full access.
3. Each function gets exactly its own settings, each fed by a parameter: the pipeline's three
   (transform, backfill, access-check) every setting of the contract (BACKFILL_CONCURRENCY
   backfill only), upload-url only its own (nothing of the destination, no ExternalId); no
   Globals environment hands anything to every function. Every parameter has a description and
   an allowed pattern or values.
4. The README names every parameter of both templates.
5. The S3 trigger subscribes every event the contract handles, in both modes.
6. The Batch Operations job role and 7. upload-url's uploader role stay within what the
   contract allows them (README, "How the roles work"): each action on the resources it may
   name, no more (tests/ widens each and sees it caught). The statements themselves live in the
   template only; the roles as deployed are also tested against the local AWS
   (`scripts/local-aws deploy`, shared/tests/roles.rs).
8. Several destinations: `Routes` and `RouteRoleArns` default to empty; with Routes the
   pipeline role may assume exactly RouteRoleArns, else exactly DestinationRoleArn; the
   DESTINATION_* settings ROUTES replaces are empty with Routes; every `Routes` of
   samconfig.toml reaches the template as JSON (parsed by SAM's own parameter parser, which cuts
   an unquoted value at its first comma) with exactly its roles in RouteRoleArns, and one
   sample environment routes to two destination accounts.

The checks are functions of a loaded template (`load_templates`), each returning a list of
problems; `cli` runs them all, and `tests/` proves that each catches what it must (the
templates widened one change at a time). Uses cfn-lint's YAML loader (it understands !Ref,
!Sub, ...), from the SAM venv.
"""

import json
import re
import tomllib
from pathlib import Path

from cfnlint.decode.cfn_yaml import load
from samcli.cli.types import CfnParameterOverridesType


def repo_root():
    """The repository: the nearest folder above this file that holds template.yaml."""
    for folder in Path(__file__).resolve().parents:
        if (folder / "template.yaml").is_file() and (folder / "Cargo.toml").is_file():
            return folder
    raise SystemExit("template-checks: no template.yaml above " + __file__)


ROOT = repo_root()


def load_templates():
    """Both templates, loaded: (template.yaml, destination/template.yaml)."""
    return load(str(ROOT / "template.yaml")), load(str(ROOT / "destination" / "template.yaml"))


CONTRACT_SETTINGS = [
    "DESTINATION_BUCKET",
    "DESTINATION_ROLE_ARN",
    "DESTINATION_EXTERNAL_ID",
    "DESTINATION_PREFIX",
    "DESTINATION_ACCOUNT_ID",
    "DESTINATION_REGION",
    "DESTINATION_KMS_KEY_ARN",
    "DESTINATION_SESSION_SECONDS",
    "ROLE_SESSION_NAME",
    "SOURCE_BUCKET",
    "SOURCE_PREFIX",
    "SOURCE_ACCOUNT_ID",
    "ROUTES",
    "RENDITIONS",
    "MAX_INPUT_BYTES",
    "MAX_INPUT_PIXELS",
    "BACKFILL_CONCURRENCY",
    "METRICS_NAMESPACE",
    "AWS_ENDPOINT_URL",
]
PIPELINE_SETTINGS = [v for v in CONTRACT_SETTINGS if v != "BACKFILL_CONCURRENCY"]
# The settings ROUTES replaces: with Routes set, the template passes them empty.
REPLACED_BY_ROUTES = [
    v for v in CONTRACT_SETTINGS if v.startswith("DESTINATION_") and v != "DESTINATION_SESSION_SECONDS"
]
HAS_ROUTES = {"Fn::Not": [{"Fn::Equals": [{"Ref": "Routes"}, ""]}]}
UPLOAD_SETTINGS = [
    "SOURCE_BUCKET",
    "SOURCE_PREFIX",
    "SOURCE_ACCOUNT_ID",
    "MAX_INPUT_BYTES",
    "UPLOAD_PREFIX",
    "UPLOAD_CONTENT_TYPES",
    "UPLOAD_MAX_BYTES",
    "UPLOAD_EXPIRES_SECONDS",
    "AWS_ENDPOINT_URL",
]
# Besides its settings: what the template sets for the runtime (not fed by a parameter).
FUNCTION_SETTINGS = {
    "Transform": (PIPELINE_SETTINGS, {"GLIBC_TUNABLES"}),
    "Backfill": (CONTRACT_SETTINGS, {"GLIBC_TUNABLES"}),
    "AccessCheck": (PIPELINE_SETTINGS, set()),
    "UploadUrlFunction": (UPLOAD_SETTINGS, {"SOURCE_SUFFIX"}),
}


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


def packages():
    """Function packages of the workspace: {package name: [bin names]}."""
    found = {}
    for manifest in sorted((ROOT / "functions").glob("*/Cargo.toml")):
        text = manifest.read_text()
        name = re.search(r'^name\s*=\s*"([^"]+)"', text, re.M).group(1)
        bins = [p.stem for p in (manifest.parent / "src" / "bin").glob("*.rs")] or [name]
        found[name] = bins
    return found


def sub(text):
    return {"Fn::Sub": text}


# The most each role may be allowed: action -> the resources it may name. These are the
# contract's limits (README, "How the roles work"), not copies of the statements: the template
# alone lays the statements out, and may grant less.
BATCH_ROLE_ENVELOPE = {
    "lambda:InvokeFunction": [{"Fn::GetAtt": ["Transform", "Arn"]}],
    "s3:ListBucket": [sub("arn:${AWS::Partition}:s3:::${SourceBucket}")],
    "s3:GetObject": [
        sub("arn:${AWS::Partition}:s3:::${SourceBucket}/${SourcePrefix}*"),
        sub("arn:${AWS::Partition}:s3:::${BatchManifestBucket}/${BatchManifestPrefix}*"),
    ],
    "s3:PutObject": [sub("arn:${AWS::Partition}:s3:::${BatchReportBucket}/${BatchReportPrefix}*")],
    "s3:GetBucketLocation": [
        sub("arn:${AWS::Partition}:s3:::${BatchManifestBucket}"),
        sub("arn:${AWS::Partition}:s3:::${BatchReportBucket}"),
    ],
}
BATCH_ROLE_ENVELOPE["s3:GetObjectVersion"] = BATCH_ROLE_ENVELOPE["s3:GetObject"]

UPLOADER_ROLE_ENVELOPE = {
    "s3:PutObject": [sub("arn:${AWS::Partition}:s3:::${SourceBucket}/${UploadPrefix}*")],
    "logs:CreateLogStream": [{"Fn::GetAtt": ["UploadUrlLogGroup", "Arn"]}],
    "logs:PutLogEvents": [{"Fn::GetAtt": ["UploadUrlLogGroup", "Arn"]}],
    "xray:PutTraceSegments": ["*"],
    "xray:PutTelemetryRecords": ["*"],
    "kms:GenerateDataKey": [{"Ref": "SourceKmsKeyArn"}],
}


def envelope_problems(name, logical_id, props, envelope, needed):
    """A role's inline statements stay within `envelope` (action -> resources it may name),
    allow the `needed` action, and use no NotAction/NotResource."""
    problems = []
    granted = set()
    for st in statements(props.get("Policies")):
        if st.get("Effect") != "Allow":
            continue
        if "NotAction" in st or "NotResource" in st:
            problems.append(f"{name}: {logical_id} statement {st.get('Sid')} uses NotAction or NotResource")
        for action in as_list(st.get("Action")):
            granted.add(action)
            for resource in as_list(st.get("Resource")):
                if resource not in envelope.get(action, []):
                    problems.append(
                        f"{name}: {logical_id} statement {st.get('Sid')} allows {action} on {resource}; "
                        f"the contract allows it {envelope.get(action) or 'nowhere'}"
                    )
    if needed not in granted:
        problems.append(f"{name}: {logical_id} is not allowed {needed}, which its job needs")
    if props.get("ManagedPolicyArns"):
        problems.append(f"{name}: {logical_id} has managed policies; its permissions are its inline policy only")
    return problems


def batch_role_problems(doc, name="template.yaml"):
    """The Batch Operations role: off by default, trusted by the service for this account only, and
    within what the contract allows it (README, "How the roles work")."""
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
    expected_trust = [
        {
            "Effect": "Allow",
            "Principal": {"Service": "batchoperations.s3.amazonaws.com"},
            "Action": "sts:AssumeRole",
            "Condition": {"StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}},
        }
    ]
    if trust != expected_trust:
        problems.append(
            f"{name}: BatchOperationsRole's trust is not exactly batchoperations.s3.amazonaws.com "
            f"for this account: {trust}"
        )
    problems += envelope_problems(name, "BatchOperationsRole", props, BATCH_ROLE_ENVELOPE, "lambda:InvokeFunction")
    listings = [st for st in statements(props.get("Policies")) if "s3:ListBucket" in as_list(st.get("Action"))]
    for listing in listings:
        if (listing.get("Condition") or {}).get("StringLike", {}).get("s3:prefix") != sub("${SourcePrefix}*"):
            problems.append(f"{name}: BatchOperationsRole lists the source bucket outside SourcePrefix")
    outputs = doc.get("Outputs") or {}
    if (outputs.get("BatchOperationsRoleArn") or {}).get("Value") != {"Fn::GetAtt": ["BatchOperationsRole", "Arn"]}:
        problems.append(f"{name}: no BatchOperationsRoleArn output")
    return problems


def settings_problems(doc, name="template.yaml"):
    """Each function gets exactly its own settings, each fed by a parameter (check 3)."""
    problems = []
    if ((doc.get("Globals") or {}).get("Function") or {}).get("Environment"):
        problems.append(
            f"{name}: Globals.Function.Environment hands settings to every function; give each function its own"
        )
    params = doc.get("Parameters") or {}
    resources = doc.get("Resources") or {}
    for logical_id, (wanted, runtime) in FUNCTION_SETTINGS.items():
        env = (
            (((resources.get(logical_id) or {}).get("Properties") or {}).get("Environment") or {}).get("Variables")
        ) or {}
        for var in wanted:
            value = env.get(var)
            if var in REPLACED_BY_ROUTES:
                # !If [HasRoutes, "", !Ref <its parameter>]
                branches = value.get("Fn::If") if isinstance(value, dict) else None
                if not (branches and branches[:2] == ["HasRoutes", ""] and (branches[2] or {}).get("Ref") in params):
                    problems.append(
                        f"{name}: the setting {var} of {logical_id} is not its parameter, or empty with Routes"
                    )
            elif not (isinstance(value, dict) and value.get("Ref") in params):
                problems.append(f"{name}: the setting {var} of {logical_id} is not fed by a parameter")
        extra = sorted(set(env) - set(wanted) - runtime)
        if extra:
            problems.append(f"{name}: {logical_id} gets settings that are not its own: {extra}")
    functions = {k for k, v in resources.items() if v.get("Type") == "AWS::Serverless::Function"}
    if functions - set(FUNCTION_SETTINGS):
        problems.append(f"{name}: no settings are fixed for {sorted(functions - set(FUNCTION_SETTINGS))}")
    return problems


def route_problems(doc, samconfig, name="template.yaml"):
    """8. Several destinations: `Routes` and `RouteRoleArns` default to empty, the pipeline
    role may assume exactly the listed roles with Routes (else exactly DestinationRoleArn),
    and every `Routes` of samconfig.toml reaches the template as the JSON it is (SAM cuts an
    unquoted value at its first comma), its roles exactly its RouteRoleArns."""
    problems = []
    params = doc.get("Parameters") or {}
    for pname in ("Routes", "RouteRoleArns"):
        if (params.get(pname) or {}).get("Default") != "":
            problems.append(f"{name}: parameter {pname} does not default to empty")
    if (doc.get("Conditions") or {}).get("HasRoutes") != HAS_ROUTES:
        problems.append(f"{name}: the condition HasRoutes is not `Routes` non-empty")
    props = ((doc.get("Resources") or {}).get("PipelineRole") or {}).get("Properties") or {}
    assume = [st for st in statements(props.get("Policies")) if "sts:AssumeRole" in as_list(st.get("Action"))]
    wanted = {"Fn::If": ["HasRoutes", {"Fn::Split": [",", {"Ref": "RouteRoleArns"}]}, {"Ref": "DestinationRoleArn"}]}
    if [st.get("Resource") for st in assume] != [wanted] or any("Condition" in st for st in assume):
        problems.append(
            f"{name}: the pipeline role may assume other than exactly RouteRoleArns (with Routes) or DestinationRoleArn"
        )
    return problems + samconfig_route_problems(samconfig)


def parameter_overrides(value):
    """What SAM makes of a samconfig.toml `parameter_overrides` (a string or a list), with SAM's
    own parser."""
    given = tuple(value) if isinstance(value, list) else value
    return CfnParameterOverridesType().convert(given, None, None)


def samconfig_route_problems(samconfig):
    """Every environment of samconfig.toml that sets `Routes`: JSON, an array of routes whose
    role_arns are exactly its `RouteRoleArns`, and no Destination* beside it; one sample
    environment routes to at least two destination accounts."""
    problems = []
    accounts_of = {}
    for env_name, env in tomllib.loads(samconfig).items():
        if not isinstance(env, dict):
            continue
        deploy = (env.get("deploy") or {}).get("parameters") or {}
        if "parameter_overrides" not in deploy:
            continue
        values = parameter_overrides(deploy["parameter_overrides"])
        if "Routes" not in values:
            continue
        where = f"samconfig.toml [{env_name}]"
        try:
            routes = json.loads(values["Routes"])
        except ValueError as e:
            problems.append(
                f"{where}: Routes reaches the template as {values['Routes']!r}, not JSON ({e}); "
                "quote it: Routes='[...]'"
            )
            continue
        if not (isinstance(routes, list) and routes and all(isinstance(r, dict) for r in routes)):
            problems.append(f"{where}: Routes is not a JSON array of routes")
            continue
        roles = {r.get("role_arn") for r in routes}
        listed = set(filter(None, values.get("RouteRoleArns", "").split(",")))
        if roles != listed:
            problems.append(
                f"{where}: RouteRoleArns lists {sorted(listed)}, the routes' roles are {sorted(map(str, roles))}"
            )
        beside = sorted(
            k for k in ("DestinationBucket", "DestinationRoleArn", "DestinationExternalId") if values.get(k)
        )
        if beside:
            problems.append(f"{where}: Routes beside {beside}: the functions refuse both")
        accounts_of[env_name] = {str(r).split(":")[4] for r in roles if str(r).count(":") >= 5}
    if not any(len(accounts) >= 2 for accounts in accounts_of.values()):
        problems.append("samconfig.toml: no sample environment routes to two destination accounts")
    return problems


def uploader_role_problems(doc, name="template.yaml"):
    """The uploader role can write under UploadPrefix and read nothing (README, upload-url)."""
    problems = []
    params = doc.get("Parameters") or {}
    if (params.get("UploadUrl") or {}).get("Default") != "Disabled":
        problems.append(f"{name}: UploadUrl is not Disabled by default")
    resources = doc.get("Resources") or {}
    role = resources.get("UploaderRole")
    fn = resources.get("UploadUrlFunction")
    if not role or not fn:
        return problems + [f"{name}: no UploaderRole or UploadUrlFunction"]
    for logical_id, res in [("UploaderRole", role), ("UploadUrlFunction", fn)]:
        if res.get("Condition") != "HasUploadUrl":
            problems.append(f"{name}: {logical_id} is not behind the HasUploadUrl condition")
    props = role.get("Properties") or {}
    trust = as_list((props.get("AssumeRolePolicyDocument") or {}).get("Statement"))
    if trust != [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]:
        problems.append(f"{name}: UploaderRole's trust is not exactly lambda.amazonaws.com: {trust}")
    problems += envelope_problems(name, "UploaderRole", props, UPLOADER_ROLE_ENVELOPE, "s3:PutObject")
    for st in statements(props.get("Policies")):
        if "Condition" in st:
            problems.append(f"{name}: UploaderRole statement {st.get('Sid')} has a condition; its grants are plain")
    fprops = fn.get("Properties") or {}
    if fprops.get("Role") != {"Fn::GetAtt": ["UploaderRole", "Arn"]}:
        problems.append(f"{name}: UploadUrlFunction does not run as UploaderRole")
    if (fprops.get("FunctionUrlConfig") or {}).get("AuthType") != "AWS_IAM":
        problems.append(f"{name}: UploadUrlFunction's Function URL is not AuthType AWS_IAM")
    for logical_id, res in resources.items():
        p = res.get("Properties") or {}
        if (
            res.get("Type") == "AWS::Lambda::Permission"
            and p.get("FunctionName") == {"Ref": "UploadUrlFunction"}
            and (
                p.get("Principal") in ("*", None)
                or (p.get("Action") == "lambda:InvokeFunctionUrl" and p.get("FunctionUrlAuthType") != "AWS_IAM")
                or (p.get("Action") == "lambda:InvokeFunction" and p.get("InvokedViaFunctionUrl") is not True)
            )
        ):
            problems.append(f"{name}: {logical_id} opens upload-url beyond the given principals through its URL")
    return problems


def package_problems(source):
    """1. Every function package is a function of the template, built from its own binary."""
    problems = []
    pkgs = packages()
    pointed = {}
    for logical_id, fn in functions(source).items():
        code = str((fn.get("Properties") or {}).get("CodeUri", ""))
        binary = ((fn.get("Metadata") or {}).get("BuildProperties") or {}).get("Binary")
        package = code.removeprefix("functions/").strip("/")
        if (fn.get("Metadata") or {}).get("BuildMethod") != "rust-cargolambda":
            problems.append(f"template.yaml: {logical_id} is not built with rust-cargolambda")
        if package not in pkgs:
            problems.append(f"template.yaml: {logical_id} has CodeUri {code!r}, which is no package under functions/")
            continue
        if binary != package or binary not in pkgs[package]:
            problems.append(
                f"template.yaml: {logical_id} builds binary {binary!r}; package {package} has {pkgs[package]} "
                "and its function binary is named after it"
            )
        pointed[package] = logical_id
    for package in pkgs:
        if package not in pointed:
            problems.append(f"template.yaml: the function package {package} has no AWS::Serverless::Function")
    return problems


def functions(source):
    """The template's functions: {logical id: resource}."""
    resources = source.get("Resources") or {}
    return {k: v for k, v in resources.items() if v.get("Type") == "AWS::Serverless::Function"}


def parameter_problems(templates):
    """3b. Every parameter of both templates has a description and an allowed pattern or values."""
    problems = []
    for name, doc in templates:
        for pname, p in (doc.get("Parameters") or {}).items():
            if not p.get("Description"):
                problems.append(f"{name}: parameter {pname} has no description")
            if not any(k in p for k in ("AllowedPattern", "AllowedValues", "MinValue")):
                problems.append(f"{name}: parameter {pname} has no allowed pattern, values or range")
    return problems


def readme_problems(templates, readme):
    """4. The README names every parameter of both templates."""
    return [
        f"README.md does not name the parameter {pname} of {name}"
        for name, doc in templates
        for pname in doc.get("Parameters") or {}
        if f"`{pname}`" not in readme
    ]


TRIGGER_EVENTS = {"s3:ObjectCreated:*", "s3:ObjectRemoved:*", "s3:LifecycleExpiration:*"}


def trigger_problems(source):
    """5. The S3 trigger subscribes every event the contract handles, in both modes."""
    problems = []
    resources = source.get("Resources") or {}
    for logical_id, kind in [
        ("SourceBucketS3Mode", "LambdaConfigurations"),
        ("SourceBucketSqsMode", "QueueConfigurations"),
    ]:
        notification = ((resources.get(logical_id) or {}).get("Properties") or {}).get(
            "NotificationConfiguration"
        ) or {}
        events = {c.get("Event") for c in notification.get(kind) or []}
        if events != TRIGGER_EVENTS:
            problems.append(
                f"template.yaml: {logical_id} subscribes {sorted(e for e in events if e)}, not {sorted(TRIGGER_EVENTS)}"
            )
    return problems


def all_problems(source, destination, readme, samconfig=None):
    """Every check on both templates, the README and samconfig.toml."""
    if samconfig is None:
        samconfig = (ROOT / "samconfig.toml").read_text()
    templates = [("template.yaml", source), ("destination/template.yaml", destination)]
    return (
        package_problems(source)
        # 2. Least privilege.
        + guard(source, "template.yaml")
        + guard(destination, "destination/template.yaml")
        # 3. Settings and parameters.
        + settings_problems(source)
        + parameter_problems(templates)
        + readme_problems(templates, readme)
        + trigger_problems(source)
        # 6. The Batch Operations job role: off by default, trusted by the service for this
        #    account only, allowed exactly what a LambdaInvoke job over the source bucket needs.
        + batch_role_problems(source)
        # 7. upload-url's uploader role: s3:PutObject under UploadPrefix, its log group, X-Ray, KMS.
        + uploader_role_problems(source)
        # 8. Several destinations: Routes, RouteRoleArns, samconfig.toml's Routes.
        + route_problems(source, samconfig)
    )
