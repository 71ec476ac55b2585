"""Whether every deployable package builds its dependencies with the same features.

`sam build` runs one `cargo lambda build --bin NAME` per function, from that function's
directory, so cargo resolves the features of each function alone. Where two functions turn on
different features of a shared crate (serde_json's `raw_value` through lambda_http, say), that
crate and everything above it are compiled again for the other function: the whole AWS SDK,
with fat LTO, once per feature set. The `workspace-hack` package turns on the union for all
of them; this check says what it lacks.

The check reads `cargo tree` of each package (normal and build edges, no dev: what `cargo build`
resolves), with build dependencies and proc-macros' trees on the host side, as cargo keeps them.
"""

import json
import re
import subprocess

# `name vX.Y.Z (path or proc-macro) [features]`, after the `|-- ` drawing.
_NODE = re.compile(r"^(?P<name>\S+) (?P<version>v\S+)(?P<notes>(?: \([^)]*\))*) \[(?P<features>[^\]]*)\](?: \(\*\))?$")
_INDENT = 4


def parse_tree(text):
    """Features of every crate in one `cargo tree --charset ascii -f '{p} [{f}]'` output.

    Returns {(name, version, side): frozenset(features)} where side is "target" or "host"
    (build dependencies, proc-macros and everything under them).
    """
    crates = {}
    # The path from the root to the last node: [depth, side, is proc-macro, build section open].
    stack = []
    for line in text.splitlines():
        if not line.strip():
            continue
        body = line.lstrip("|` -")
        depth = (len(line) - len(body)) // _INDENT
        while stack and stack[-1][0] > depth:
            stack.pop()
        if body.startswith("["):
            # "[build-dependencies]", drawn at its node's depth: the children that follow are
            # that node's build dependencies.
            if stack and stack[-1][0] == depth:
                stack[-1][3] = body == "[build-dependencies]"
            continue
        match = _NODE.match(body)
        if not match:
            raise ValueError(f"cargo tree line not understood: {line!r}")
        while stack and stack[-1][0] >= depth:
            stack.pop()
        if not stack:
            side = "target"
        else:
            _, parent_side, parent_is_macro, in_build_section = stack[-1]
            on_host = parent_side == "host" or parent_is_macro or in_build_section
            side = "host" if on_host else "target"
        is_macro = "(proc-macro)" in match.group("notes")
        features = frozenset(f for f in match.group("features").split(",") if f)
        key = (match.group("name"), match.group("version"), side)
        crates[key] = crates.get(key, frozenset()) | features
        stack.append([depth, side, is_macro, False])
    return crates


def differences(per_package):
    """Crates that two packages build with different features.

    per_package: {package: parse_tree(...)}. Returns a sorted list of
    (name, version, side, union, {package: features it lacks}).
    """
    union = {}
    for crates in per_package.values():
        for key, features in crates.items():
            union[key] = union.get(key, frozenset()) | features
    found = []
    for key in sorted(union):
        lacking = {
            package: sorted(union[key] - crates[key])
            for package, crates in sorted(per_package.items())
            if key in crates and crates[key] != union[key]
        }
        if lacking:
            found.append((*key, sorted(union[key]), lacking))
    return found


def deployable_packages(metadata):
    """The workspace's packages with a binary: the functions and render."""
    members = set(metadata["workspace_members"])
    return sorted(
        p["name"] for p in metadata["packages"] if p["id"] in members and any("bin" in t["kind"] for t in p["targets"])
    )


def _cargo(args, cwd):
    done = subprocess.run(["cargo", *args], cwd=cwd, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"cargo {' '.join(args)} failed in {cwd}: {done.stderr.strip()}")
    return done.stdout


def cargo_tree(package, target, cwd):
    args = ["tree", "--locked", "-p", package, "--target", target, "-e", "normal,build"]
    return _cargo([*args, "-f", "{p} [{f}]", "--charset", "ascii"], cwd)


def check(cwd, targets):
    """Prints what differs; returns 0 when every deployable package agrees, else 1."""
    metadata = json.loads(_cargo(["metadata", "--locked", "--no-deps", "--format-version", "1"], cwd))
    packages = deployable_packages(metadata)
    failed = False
    for target in targets:
        per_package = {p: parse_tree(cargo_tree(p, target, cwd)) for p in packages}
        for name, version, side, union, lacking in differences(per_package):
            failed = True
            who = "; ".join(f"{p} lacks {', '.join(f)}" for p, f in lacking.items())
            section = "build-dependencies" if side == "host" else "dependencies"
            print(
                f"{target}: {name} {version} ({side}) is built with different features: {who}. "
                f'Add `{name} = {{ version = "{version[1:]}", features = {json.dumps(union)} }}` '
                f"to workspace-hack/Cargo.toml's [{section}]"
            )
    if not failed:
        print(f"{', '.join(packages)}: the same features of every shared crate on {', '.join(targets)}")
    return 1 if failed else 0
