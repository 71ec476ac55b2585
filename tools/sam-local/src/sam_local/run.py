"""Running commands: every one logged before it runs, its failure a stop that names it."""

import shlex
import subprocess
import sys


def log(message):
    print(f"sam-local: {message}", file=sys.stderr, flush=True)


def run(command, check=True, capture=False, env=None, input=None, cwd=None):
    """Runs `command`; with `capture` its output is returned (text), otherwise it goes to stderr
    (stdout is kept for what this tool answers)."""
    result = subprocess.run(
        command,
        env=env,
        cwd=cwd,
        input=input,
        text=True,
        stdout=subprocess.PIPE if capture else sys.stderr,
        stderr=subprocess.PIPE if capture else None,
    )
    if check and result.returncode != 0:
        detail = f": {result.stderr.strip()[-2000:]}" if capture and result.stderr else ""
        raise SystemExit(f"sam-local: `{shlex.join(command)}` failed with {result.returncode}{detail}")
    return result
