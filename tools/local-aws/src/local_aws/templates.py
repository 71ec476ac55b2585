"""The project's templates as CloudFormation would see them: SAM's own translator expands
`template.yaml` (the code behind CloudFormation's `AWS::Serverless-2016-10-31` transform), then
what moto's CloudFormation cannot evaluate is evaluated here with the stack's parameters.

moto leaves `Conditions`, `Fn::If` and `AWS::NoValue` partly unevaluated (a statement that
should vanish arrives as null: HTTP 500), and cannot evaluate `Fn::Select`/`Fn::Split` over a
`Fn::Sub`. `resolve` evaluates exactly those, from parameters and pseudo parameters, and leaves
everything else (`Ref` to resources, `Fn::GetAtt`, `Fn::Sub`) to moto, as CloudFormation would.
"""

import copy
import fcntl
import hashlib
import json
import os
import re

NO_VALUE = object()


class TemplateError(Exception):
    """A template this module cannot resolve: names the function and where it stands."""


def load(path):
    """A YAML template with CloudFormation's short tags (`!Ref`, `!Sub`...) as plain JSON values."""
    from cfnlint.decode import cfn_yaml

    return json.loads(json.dumps(cfn_yaml.load(path)))


def translate(template, code_uri):
    """`template` expanded by SAM's translator, each function's `CodeUri` first replaced by
    `code_uri(logical_id)` (an `s3://` URI: the translator refuses a local folder, as
    CloudFormation's transform would, and `sam package` does the same replacement)."""
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    from samtranslator.translator.transform import transform

    template = copy.deepcopy(template)
    for logical_id, resource in template.get("Resources", {}).items():
        if resource.get("Type") == "AWS::Serverless::Function":
            resource["Properties"]["CodeUri"] = code_uri(logical_id)

    class NoManagedPolicies:
        """The templates name no AWS managed policy: nothing to look up."""

        def load(self):
            return {}

    return transform(template, {}, NoManagedPolicies())


def translated(path, cache_dir, code_uri):
    """`translate(load(path))` with what moto skips noted, computed once per template content
    and versions of the translator and moto, and kept in `cache_dir` (beside the local AWS's
    state file: once per test run at most). Concurrent callers wait for the first under a lock."""
    from importlib.metadata import version

    with open(path, "rb") as f:
        tools = f"aws-sam-translator {version('aws-sam-translator')}, moto {version('moto')}"
        digest = hashlib.sha256(f.read() + tools.encode()).hexdigest()[:16]
    os.makedirs(cache_dir, exist_ok=True)
    # Named by content: template.yaml and destination/template.yaml differ in their digest.
    cached = os.path.join(cache_dir, f"{os.path.basename(path).removesuffix('.yaml')}-{digest}.json")
    with open(f"{cached}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if os.path.exists(cached):
            with open(cached) as f:
                return json.load(f)
        template = load(path)
        if "Transform" in template:
            template = translate(template, code_uri)
        template["Metadata"] = {**template.get("Metadata", {}), SKIPPED: skipped_by_moto(template)}
        tmp = f"{cached}.tmp"
        with open(tmp, "w") as f:
            json.dump(template, f)
        os.replace(tmp, cached)
        return template


SKIPPED = "LocalAwsSkips"


def skipped_by_moto(template):
    """The resources (logical id -> type) moto's CloudFormation does not create: it skips
    them with a warning, and fails on an output that reads one of their attributes."""
    from moto.cloudformation.parsing import get_model_map

    supported = get_model_map()
    return {k: r["Type"] for k, r in template.get("Resources", {}).items() if r["Type"] not in supported}


def names(node):
    """The logical ids an expression refers to (`Ref`, `Fn::GetAtt`, `${Name}` in `Fn::Sub`)."""
    if isinstance(node, list):
        return set().union(*(names(n) for n in node)) if node else set()
    if not isinstance(node, dict):
        return set()
    found = set().union(*(names(v) for v in node.values())) if node else set()
    if isinstance(node.get("Ref"), str):
        found.add(node["Ref"])
    attribute = node.get("Fn::GetAtt")
    if isinstance(attribute, list) and attribute:
        found.add(attribute[0])
    if isinstance(attribute, str):
        found.add(attribute.split(".")[0])
    sub = node.get("Fn::Sub")
    text = sub[0] if isinstance(sub, list) and sub else sub
    if isinstance(text, str):
        found |= {n.split(".")[0] for n in re.findall(r"\$\{([^!}][^}]*)\}", text)}
    return found


def parameter_values(template, given, pseudo):
    """Every parameter's value: `given`, else the template's default; plus pseudo parameters."""
    values = dict(pseudo)
    for name, spec in template.get("Parameters", {}).items():
        if name in given:
            values[name] = str(given[name])
        elif "Default" in spec:
            values[name] = str(spec["Default"])
        else:
            raise TemplateError(f"parameter {name} has no default: give it a value")
    unknown = set(given) - set(template.get("Parameters", {}))
    if unknown:
        raise TemplateError(f"the template has no parameter {', '.join(sorted(unknown))}")
    return values


class Resolver:
    """Evaluates conditions, `Fn::If`, `AWS::NoValue` and parameter-only `Fn::Select`,
    `Fn::Split`, `Fn::Sub`, `Fn::Equals`... of one stack."""

    def __init__(self, template, values):
        self.values = values
        self.definitions = template.get("Conditions", {})
        self.conditions = {}

    def condition(self, name):
        if name not in self.conditions:
            if name not in self.definitions:
                raise TemplateError(f"condition {name} is not defined")
            self.conditions[name] = bool(self.constant(self.definitions[name], f"Conditions.{name}"))
        return self.conditions[name]

    def constant(self, node, where):
        """The value of an expression of parameters and conditions only."""
        if isinstance(node, (str, int, float, bool)):
            return node
        if isinstance(node, list):
            return [self.constant(n, where) for n in node]
        if not isinstance(node, dict) or len(node) != 1:
            raise TemplateError(f"{where}: {json.dumps(node)[:80]} is not an intrinsic function")
        ((function, argument),) = node.items()
        if function == "Ref" and argument in self.values:
            return self.values[argument]
        if function == "Condition":
            return self.condition(argument)
        if function == "Fn::Equals":
            a, b = (self.constant(x, where) for x in argument)
            return str(a) == str(b)
        if function == "Fn::Not":
            return not self.constant(argument[0], where)
        if function == "Fn::And":
            return all(self.constant(x, where) for x in argument)
        if function == "Fn::Or":
            return any(self.constant(x, where) for x in argument)
        if function == "Fn::If":
            name, yes, no = argument
            return self.constant(yes if self.condition(name) else no, where)
        if function == "Fn::Split":
            separator, text = argument
            return str(self.constant(text, where)).split(separator)
        if function == "Fn::Select":
            index, items = argument
            items = self.constant(items, where)
            return items[int(self.constant(index, where))]
        if function == "Fn::Sub" and isinstance(argument, str):
            return self.substitute(argument, where)
        raise TemplateError(f"{where}: {function} of {json.dumps(argument)[:80]} needs a resource")

    def substitute(self, text, where):
        out, rest = [], text
        while "${" in rest:
            before, _, after = rest.partition("${")
            name, _, rest = after.partition("}")
            if name.startswith("!"):
                out += [before, "${", name[1:], "}"]
                continue
            if name not in self.values:
                raise TemplateError(f"{where}: ${{{name}}} needs a resource")
            out += [before, self.values[name]]
        return "".join(out + [rest])

    def resolve(self, node, where):
        """`node` with `Fn::If` chosen, `AWS::NoValue` removed and every parameter-only
        `Fn::Select`/`Fn::Split` evaluated; the rest left to CloudFormation."""
        if isinstance(node, list):
            items = (self.resolve(n, f"{where}[{i}]") for i, n in enumerate(node))
            return [n for n in items if n is not NO_VALUE]
        if not isinstance(node, dict):
            return node
        if node == {"Ref": "AWS::NoValue"}:
            return NO_VALUE
        if len(node) == 1:
            ((function, argument),) = node.items()
            if function == "Fn::If":
                name, yes, no = argument
                return self.resolve(yes if self.condition(name) else no, where)
            if function in ("Fn::Select", "Fn::Split"):
                try:
                    return self.constant(node, where)
                except TemplateError:
                    pass
        resolved = ((k, self.resolve(v, f"{where}.{k}")) for k, v in node.items())
        return {k: v for k, v in resolved if v is not NO_VALUE}


def resolve(template, given, pseudo):
    """The stack moto should create: resources and outputs whose condition is false left out
    (and outputs of resources moto skips),
    the `Conditions` and `Rules` sections gone (evaluated here; `Rules` are the operator's
    guard, checked by the template checks), every `Fn::If` chosen."""
    resolver = Resolver(template, parameter_values(template, given, pseudo))
    skipped = template.get("Metadata", {}).get(SKIPPED, {})
    out = {k: v for k, v in template.items() if k not in ("Conditions", "Rules", "Resources", "Outputs")}
    for section in ("Resources", "Outputs"):
        kept = {}
        for name, body in template.get(section, {}).items():
            condition = body.get("Condition")
            if condition is not None and not resolver.condition(condition):
                continue
            if section == "Outputs" and names(body.get("Value")) & set(skipped):
                continue
            body = {k: v for k, v in body.items() if k != "Condition"}
            kept[name] = resolver.resolve(body, f"{section}.{name}")
        out[section] = kept
    return out


def environments(resolved, given, pseudo):
    """Each function's environment (logical id -> variables) as the stack defines it: the
    `Environment` of `resolved` (what `resolve` made of the template for this stack), every
    value evaluated from the stack's parameters. (moto's Lambda API answers
    SignatureDoesNotMatch to every signed request while IAM is enforced, so the deployed
    configuration cannot be read back from it.)"""
    resolver = Resolver(resolved, parameter_values(resolved, given, pseudo))
    found = {}
    for name, resource in resolved["Resources"].items():
        if resource["Type"] == "AWS::Lambda::Function":
            variables = resource["Properties"].get("Environment", {}).get("Variables", {})
            found[name] = {k: str(resolver.constant(v, f"{name}.{k}")) for k, v in variables.items()}
    return found
