"""The Lambda base image SAM runs a `provided.al2023` function in.

With access to public.ecr.aws, SAM pulls the real image itself. Here the registry cannot be
reached, so a stand-in is built from Debian's packages under SAM's exact image name: a minimal
Debian (`mmdebstrap --variant=minbase`) with Lambda's folders and the Runtime Interface
Emulator as its entry point (SAM adds the emulator itself, from its own wheel, in the
`-rapid-` image it builds on top). The function binary needs at most GLIBC_2.34 (AL2023's);
Debian 12 has 2.36.
"""

import os
import platform
import tempfile

from .engine import apt_install
from .run import log, run

STAND_IN_LABEL = "org.cross-account-s3.stand-in"

CONTAINERFILE = f"""\
FROM localhost/cross-account-s3/debian-minbase:bookworm
LABEL {STAND_IN_LABEL}="Debian 12 minbase standing in for Lambda's provided:al2023 (scripts/sam-local)"
RUN mkdir -p /var/task /var/runtime /opt /var/rapid
WORKDIR /var/task
ENTRYPOINT ["/var/rapid/aws-lambda-rie"]
"""


def lambda_architecture(machine=None):
    """This machine's Lambda architecture: what `sam local invoke` can run without emulation."""
    machine = machine or platform.machine()
    known = {"x86_64": "x86_64", "amd64": "x86_64", "aarch64": "arm64", "arm64": "arm64"}
    if machine not in known:
        raise SystemExit(f"sam-local: no Lambda architecture runs natively on {machine}")
    return known[machine]


def base_image(architecture):
    return f"public.ecr.aws/lambda/provided:al2023-{architecture}"


def rapid_image(architecture):
    return f"public.ecr.aws/lambda/provided:al2023-rapid-{architecture}"


def has_image(engine, name):
    return engine.command("image", "inspect", name, check=False, capture=True).returncode == 0


def ensure_stand_in(engine, architecture):
    """Builds the stand-in when the engine has no image of that name (about 80 s, once)."""
    name = base_image(architecture)
    if has_image(engine, name):
        return
    apt_install(["mmdebstrap"], "the stand-in for Lambda's base image")
    log(f"building a stand-in for {name} from Debian's packages (mmdebstrap, once)")
    with tempfile.TemporaryDirectory(prefix="sam-local-image.") as work:
        rootfs = os.path.join(work, "rootfs.tar")
        run(["mmdebstrap", "--quiet", "--variant=minbase", "--include=ca-certificates", "bookworm", rootfs])
        engine.command("import", rootfs, "localhost/cross-account-s3/debian-minbase:bookworm", capture=True)
        with open(os.path.join(work, "Containerfile"), "w") as f:
            f.write(CONTAINERFILE)
        # Docker's BuildKit would ask the registry about the FROM image; the classic builder
        # takes the local one (podman's builder always does).
        engine.command(
            "build",
            "--tag",
            name,
            "--file",
            os.path.join(work, "Containerfile"),
            work,
            capture=True,
            extra_env={"DOCKER_BUILDKIT": "0"},
        )
    # SAM builds its -rapid- image on the base once; an old one would hide the new base.
    if has_image(engine, rapid_image(architecture)):
        engine.command("rmi", "--force", rapid_image(architecture), capture=True)
