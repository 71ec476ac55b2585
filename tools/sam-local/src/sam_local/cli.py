"""scripts/sam-local: every function in the Lambda container image through `sam local invoke`,
on its sample events, against the local two-account AWS; what CI runs and what a developer runs.

  scripts/sam-local [--engine auto|podman|docker] [--base-image stand-in|pull] [--no-build] [--keep]

1. A container engine (engine.py): a Docker that answers, else podman from Debian's packages
   with the project's settings file, its Docker API on a socket of its own.
2. Lambda's base image (image.py): SAM pulls it from public.ecr.aws where that can be reached
   (`--base-image pull`, the default with Docker); else a stand-in built from Debian's packages
   under the same name (the default with podman, and what CI runs).
3. `sam build` of every function for this machine's architecture (x86_64 here), a debug build,
   into a build folder of its own (.aws-sam/local-<arch>), so the arm64 release build in
   .aws-sam/build stays what scripts/arm64-check and operators use.
4. The local AWS (local.py) on 127.0.0.1 and on the engine's bridge gateway (never 0.0.0.0),
   and a pipeline in it whose env-vars file names the address a container reaches.
5. The samples (cases.py): Transform on the S3, SQS, EventBridge, test-event and delete events,
   AccessCheck on {}, Backfill on its dry run, UploadUrlFunction on its Function URL request;
   each answer and the destination bucket checked.
Everything started is stopped by its PID, and the containers SAM left are removed. `--keep`
keeps the engine and the local AWS running afterwards and prints how to invoke again.
"""

import argparse
import contextlib
import os
import shlex
import shutil
import signal
import tempfile
import threading

from . import cases, checks, engine, image, local
from .run import log, run


def build(root, architecture, build_dir):
    """`sam build` of every function for `architecture`, debug (SAM_BUILD_MODE) without debug
    info (faster to build and link; a panic's backtrace still names functions), not cached
    (SAM's cache looks at a function's CodeUri, not at the workspace crates it uses)."""
    log(f"sam build for {architecture} (debug) into {os.path.relpath(build_dir, root)}")
    run(
        [
            os.path.join(root, "scripts", "sam"),
            "build",
            "--parameter-overrides",
            f"Architecture={architecture}",
            "--build-dir",
            build_dir,
            "--no-cached",
        ],
        env={**os.environ, "SAM_BUILD_MODE": "debug", "CARGO_PROFILE_DEV_DEBUG": "false"},
        cwd=root,
    )


def remove_containers(eng, architecture):
    """The containers SAM ran from its image, if an interrupted invoke left any."""
    listed = eng.command(
        "ps", "--all", "--quiet", "--filter", f"ancestor={image.rapid_image(architecture)}", check=False, capture=True
    )
    ids = listed.stdout.split() if listed.returncode == 0 else []
    if ids:
        eng.command("rm", "--force", *ids, check=False, capture=True)
        log(f"removed {len(ids)} container(s) left by sam local invoke")


def kept_env_file(root):
    """.local-aws/sam-local.env: `local-aws pipeline --env-file` writes the execution role's
    environment there (0600); keep_running adds the engine's."""
    kept = os.path.join(root, ".local-aws")
    os.makedirs(kept, exist_ok=True)
    return os.path.join(kept, "sam-local.env")


def keep_running(root, eng, pipeline, invoker, env_vars):
    """Completes .local-aws/sam-local.env, keeps env-vars.json, prints how to invoke, waits for Ctrl-C."""
    kept_vars = os.path.join(root, ".local-aws", "env-vars.json")
    shutil.copyfile(env_vars, kept_vars)
    os.chmod(kept_vars, 0o600)
    with open(kept_env_file(root), "a") as f:
        for name, value in eng.env.items():
            f.write(f"export {name}={shlex.quote(value)}\n")
    invoke = invoker.command("Transform", "event.json")
    invoke[0] = "scripts/sam"
    invoke[invoke.index("--template") + 1] = os.path.relpath(invoker.template, root)
    invoke[invoke.index("--env-vars") + 1] = ".local-aws/env-vars.json"
    invoke[invoke.index("--event") + 1] = "-"
    print(
        f"""
== kept running (Ctrl-C stops everything): the local AWS at {pipeline["container_endpoint"]} for containers,
   source bucket s3://{pipeline["source"]["bucket"]}, destination s3://{pipeline["destination"]["bucket"]}.
   In another shell, from {root}:
     source .local-aws/sam-local.env      # the execution role's credentials and settings, the engine's socket
     scripts/local-aws put --state-file {invoker.state_file} --account source \\
       --bucket {pipeline["source"]["bucket"]} --key photos/mine.jpg --file events/images/transparent.png
     scripts/local-aws event --state-file {invoker.state_file} --bucket {pipeline["source"]["bucket"]} \\
       --key photos/mine.jpg | {shlex.join(invoke)}
""",
        flush=True,
    )
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    stop.wait()


def main(argv=None):
    parser = argparse.ArgumentParser(prog="sam-local", description=__doc__.split("\n\n")[0])
    parser.add_argument("--engine", choices=["auto", "podman", "docker"], default="auto")
    parser.add_argument(
        "--base-image",
        choices=["stand-in", "pull"],
        help="Lambda's base image: SAM pulls it (needs public.ecr.aws), or a stand-in from Debian's packages "
        "(default: stand-in with podman, pull with Docker)",
    )
    parser.add_argument("--no-build", action="store_true", help="use the last build (.aws-sam/local-<arch>)")
    parser.add_argument("--keep", action="store_true", help="afterwards keep the engine and the local AWS running")
    args = parser.parse_args(argv)
    root = os.path.abspath(os.path.join(os.path.dirname(__file__), *[".."] * 4))
    architecture = image.lambda_architecture()
    build_dir = os.path.join(root, ".aws-sam", f"local-{architecture}")

    with contextlib.ExitStack() as stack:
        work = tempfile.mkdtemp(prefix="sam-local.")
        stack.callback(shutil.rmtree, work, True)
        eng = stack.enter_context(engine.open_engine(args.engine, work))
        stack.callback(remove_containers, eng, architecture)
        base = args.base_image or ("stand-in" if eng.kind == "podman" else "pull")
        if base == "stand-in":
            image.ensure_stand_in(eng, architecture)
        if not args.no_build:
            build(root, architecture, build_dir)
        aws = stack.enter_context(local.started(root, work, eng.listen))
        env_vars = os.path.join(work, "env-vars.json")
        sam_endpoint = None
        if not eng.listen:
            port = aws.state["endpoint"].rsplit(":", 1)[1]
            sam_endpoint = f"http://{eng.container_host}:{port}"
        env_file = kept_env_file(root) if args.keep else None
        pipeline = aws.pipeline(f"sam-local-{os.getpid()}", env_vars, sam_endpoint, env_file)
        invoker = cases.Invoker(
            root=root,
            engine=eng,
            template=os.path.join(build_dir, "template.yaml"),
            env_vars=env_vars,
            overrides=[f"Architecture={architecture}", "UploadUrl=Enabled", f"UploadPrefix={cases.UPLOAD_PREFIX}"],
            skip_pull=base == "stand-in",
            region=pipeline["region"],
            log_dir=work,
            state_file=aws.state_file,
        )
        try:
            said = cases.run_all(root, aws, pipeline, invoker, work)
        except checks.Mismatch as e:
            raise SystemExit(f"sam-local: {e}") from None
        print(f"sam local invoke ({eng.kind}): {len(said)} samples answered as expected", flush=True)
        if args.keep:
            keep_running(root, eng, pipeline, invoker, env_vars)
