#!/usr/bin/env python3
"""How many routes fit Lambda's 4 KB environment, and the cold start with the largest `ROUTES`
that fits (the contract's "Several destinations", limits). Run with `bench/routes`.

Lambda measures a function's environment as the JSON of its variables map (its refusal quotes
"String measured: {...}"), so `ROUTES`' own quotes count twice. The other variables are
the template's for the function with the most (`Backfill`; `Transform` has one fewer), with
`Routes` set (every `DESTINATION_*` but `_SESSION_SECONDS` empty) and a 20-character source
bucket, a 10-character `SOURCE_PREFIX`, the source account id, the other parameters at their
defaults. A typical route, as the contract states it: 8-character id, 20-character bucket,
45-character role ARN, 36-character ExternalId, 10-character `source_prefix` and `prefix`, no
KMS key, no renditions. The worst case: the same routes with ExternalIds of 1,224 characters,
the longest STS accepts.

The cold start: the release transform binary's first Runtime API poll (bench/run.py's fake
Runtime API) with the single-route settings and with the largest `ROUTES` that fits, median of
21 processes each, alternating; the endpoint is a closed port, so any network call at cold
start would show (nothing is fetched before the first event).
"""

import json
import statistics
import sys
from pathlib import Path

from cfnlint.decode.cfn_yaml import load

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run import first_poll_ms  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
LIMIT = 4096

TYPICAL_PARAMETERS = {
    "SourceBucket": "uploads-111111111111",  # 20
    "SourcePrefix": "uploads/a/",  # 10
    "SourceAccountId": "111111111111",
}


def route(i, external_id_length=36):
    account = f"{222222222222 + i % 100:012d}"
    return {
        "id": f"route{i:03d}",  # 8
        "source_prefix": "uploads/a/",  # 10
        "bucket": f"renditions-{i:09d}",  # 20
        "role_arn": f"arn:aws:iam::{account}:role/writer-{i:07d}",  # 45
        "external_id": ("e" * external_id_length)[:external_id_length],
        "prefix": f"out/{i:05d}/",  # 10
    }


def other_variables(function):
    """The function's environment from the template, parameters at their defaults or typical."""
    template = load(str(ROOT / "template.yaml"))
    params = {k: str(v.get("Default", "")) for k, v in template["Parameters"].items()}
    params |= TYPICAL_PARAMETERS
    variables = template["Resources"][function]["Properties"]["Environment"]["Variables"]
    env = {}
    for name, value in variables.items():
        if isinstance(value, dict) and "Ref" in value:
            env[name] = params[value["Ref"]]
        elif isinstance(value, dict) and "Fn::If" in value:
            env[name] = ""  # the DESTINATION_* that Routes replaces
        else:
            env[name] = str(value)
    return env


def measured(env):
    return len(json.dumps(env, separators=(",", ":"), ensure_ascii=False).encode())


def fitting(function, external_id_length):
    env = other_variables(function)
    n = 0
    while True:
        routes = [route(i, external_id_length) for i in range(n + 1)]
        env["ROUTES"] = json.dumps(routes, separators=(",", ":"))
        if measured(env) > LIMIT:
            env["ROUTES"] = json.dumps([route(i, external_id_length) for i in range(n)], separators=(",", ":"))
            return n, env
        n += 1


def main():
    assert len(route(0)["role_arn"]) == 45 and len(route(0)["bucket"]) == 20 and len(route(0)["id"]) == 8
    result = {}
    for function in ("Backfill", "Transform"):
        n, env = fitting(function, 36)
        result[function] = {
            "typical_routes_that_fit": n,
            "bytes_measured": measured(env),
            "bytes_without_routes": measured({k: v for k, v in env.items() if k != "ROUTES"}),
            "bytes_per_typical_route": round((measured(env) - measured({**env, "ROUTES": "[]"})) / max(n, 1), 1),
            "worst_case_routes_that_fit": fitting(function, 1224)[0],
        }
    n, env = fitting("Backfill", 36)
    largest = {
        "ROUTES": env["ROUTES"],
        **{k: "" for k in ("DESTINATION_BUCKET", "DESTINATION_ROLE_ARN", "DESTINATION_EXTERNAL_ID")},
    }
    one, many = [], []
    for _ in range(3):
        one.append(first_poll_ms(rounds=7))
        many.append(first_poll_ms(largest, rounds=7))
    result["cold_start_first_poll_ms"] = {
        "one_route_median": round(statistics.median(one), 1),
        f"{n}_routes_median": round(statistics.median(many), 1),
    }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
