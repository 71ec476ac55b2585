"""The local two-account AWS (tools/local-aws, through scripts/local-aws) for the containers:
started with `serve --also-listen <gateway>` so that a function in a container reaches it, and a
pipeline provisioned in it whose `sam local invoke --env-vars` file names that address."""

import contextlib
import json
import os
import subprocess

from .engine import stop
from .run import log, run


class LocalAws:
    def __init__(self, root, state_file, state):
        self.root = root
        self.state_file = state_file
        self.state = state

    def tool(self, *args, capture=True):
        return run([os.path.join(self.root, "scripts", "local-aws"), *args], capture=capture)

    def pipeline(self, name, env_vars, sam_endpoint=None, env_file=None):
        """A pipeline (source bucket and execution role, destination bucket and writer role,
        uploader role) and its env-vars file; the answer holds the roles' credentials. With
        `env_file`, also the execution role's environment as export lines (readable by its
        owner only)."""
        extra = ["--sam-endpoint", sam_endpoint] if sam_endpoint else []
        if env_file:
            extra += ["--env-file", env_file]
        out = self.tool(
            "pipeline",
            "--state-file",
            self.state_file,
            "--name",
            name,
            "--destination-prefix",
            "renditions/",
            "--upload-prefix",
            "uploads/",
            "--sam-env-vars",
            env_vars,
            *extra,
        ).stdout
        return json.loads(out.strip().splitlines()[-1])

    def put(self, account, bucket, key, path):
        self.tool(
            "put",
            "--state-file",
            self.state_file,
            "--account",
            account,
            "--bucket",
            bucket,
            "--key",
            key,
            "--file",
            path,
        )

    def delete(self, account, bucket, key):
        self.tool("delete", "--state-file", self.state_file, "--account", account, "--bucket", bucket, "--key", key)

    def keys(self, account, bucket):
        out = self.tool(
            "list", "--state-file", self.state_file, "--account", account, "--bucket", bucket, "--json"
        ).stdout
        return sorted(json.loads(out))

    def empty(self, account, bucket):
        for key in self.keys(account, bucket):
            self.delete(account, bucket, key)


@contextlib.contextmanager
def started(root, workdir, listen):
    """The local AWS for the block: on 127.0.0.1 and, when `listen` is given, on that bridge
    gateway too. Stopped by its PID."""
    state_file = os.path.join(workdir, "state.json")
    command = [os.path.join(root, "scripts", "local-aws"), "serve", "--state-file", state_file]
    if listen:
        command += ["--also-listen", listen]
    server = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        line = server.stdout.readline()
        if not line:
            raise SystemExit(f"sam-local: the local AWS did not start (exit {server.wait()})")
        state = json.loads(line)
        where = state.get("container_endpoint", "no container address")
        log(f"local AWS on {state['endpoint']} and {where} (pid {state['pid']})")
        yield LocalAws(root, state_file, state)
    finally:
        with contextlib.suppress(BrokenPipeError):
            server.stdin.close()
        stop(server, "the local AWS")
