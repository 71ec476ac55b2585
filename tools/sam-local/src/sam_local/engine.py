"""The container engine `sam local invoke` talks to (through the Docker API): the developer's
Docker when one answers, else podman from Debian's packages, set up with the project's own
settings file (named by CONTAINERS_CONF; /etc is never edited) and served on a private socket.

What a container needs to reach the local AWS differs by engine: on Linux (podman, docker) the
bridge's gateway address on this machine, where the local AWS also listens; on Docker Desktop
the name `host.docker.internal`, which Docker Desktop forwards to this machine's loopback.
"""

import contextlib
import ipaddress
import json
import os
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass, field

from .run import log, run

# Lambda's own limits; podman's defaults ask for more than a sandbox may set ("setrlimit
# RLIMIT_NOFILE: Operation not permitted"). crun 1.8.1 (Debian 12) refuses cgroups in hybrid
# mode; runc with cgroupfs runs.
CONTAINERS_CONF = """\
# podman for `sam local invoke` (written by scripts/sam-local; CONTAINERS_CONF names this file,
# the machine's /etc/containers is left alone).
[containers]
default_ulimits = ["nofile=1024:1024", "nproc=4096:4096"]

[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
"""

PODMAN_PACKAGES = ["podman", "runc", "uidmap"]


@dataclass
class Engine:
    kind: str  # podman | docker | docker-desktop
    cli: str  # the command that manages its images and containers
    env: dict = field(default_factory=dict)  # what SAM and the cli need (DOCKER_HOST, CONTAINERS_CONF)
    listen: str | None = None  # the address the local AWS must also listen on (the bridge's gateway)
    container_host: str | None = None  # how a container names this machine

    def command(self, *args, extra_env=None, **kwargs):
        return run([self.cli, *args], env={**os.environ, **self.env, **(extra_env or {})}, **kwargs)


def apt_install(packages, what):
    """Debian's packages when missing: installed when this is root with apt, otherwise a stop
    that says the command."""
    missing = [p for p in packages if not shutil.which(p if p != "uidmap" else "newuidmap")]
    if not missing:
        return
    command = ["apt-get", "install", "-y", "--no-install-recommends", *missing]
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        raise SystemExit(f"sam-local: {what} needs {' '.join(missing)}: install them ({' '.join(command)})")
    log(f"installing {' '.join(missing)} from Debian's packages ({what})")
    if run(command, check=False, capture=True).returncode != 0:
        run(["apt-get", "update", "-qq"], capture=True)
        run(command, capture=True)


def gateway_of(inspect_json):
    """The gateway address of a network, from `podman network inspect` or `docker network
    inspect` (a list of one network, in either engine's spelling)."""
    networks = json.loads(inspect_json)
    if not networks:
        raise SystemExit("sam-local: the engine's default network was not found")
    network = networks[0]
    subnets = network.get("subnets") or network.get("IPAM", {}).get("Config") or []
    for subnet in subnets:
        gateway = subnet.get("gateway") or subnet.get("Gateway")
        if gateway and ":" not in gateway:
            return gateway
    # Docker 20.10 lists only the default bridge's subnet; its gateway is the subnet's first
    # address (docker0, 172.17.0.1 by default).
    for subnet in subnets:
        cidr = subnet.get("subnet") or subnet.get("Subnet") or ""
        if cidr and ":" not in cidr:
            return str(next(ipaddress.ip_network(cidr, strict=False).hosts()))
    raise SystemExit(f"sam-local: the network {network.get('name') or network.get('Name')} has no IPv4 gateway")


def docker_system():
    """The operating system a Docker engine reports (DOCKER_HOST or the default socket), or
    None when none answers."""
    if not shutil.which("docker"):
        return None
    info = run(["docker", "info", "--format", "{{.OperatingSystem}}"], check=False, capture=True)
    return info.stdout.strip() if info.returncode == 0 else None


@contextlib.contextmanager
def docker(system):
    if "Docker Desktop" in system:
        # Forwarded by Docker Desktop to this machine's loopback; moto takes this one dotted
        # name as a host, not as a bucket. Not tested here (no Docker Desktop on these machines).
        yield Engine(kind="docker-desktop", cli="docker", container_host="host.docker.internal")
        return
    inspect = run(["docker", "network", "inspect", "bridge"], capture=True).stdout
    gateway = gateway_of(inspect)
    yield Engine(kind="docker", cli="docker", listen=gateway, container_host=gateway)


def wait_for_socket(path, process, timeout_seconds=60.0):
    deadline = time.monotonic() + timeout_seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"sam-local: podman system service exited with {process.returncode}")
        with contextlib.suppress(OSError), socket.socket(socket.AF_UNIX) as s:
            s.connect(path)
            return
        time.sleep(0.2)
    raise SystemExit(f"sam-local: podman's API socket {path} did not answer within {timeout_seconds:.0f} s")


def stop(process, what):
    """Stops a process we started, by its PID: SIGTERM, then SIGKILL after 10 s."""
    if process.poll() is None:
        os.kill(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.kill(process.pid, signal.SIGKILL)
            process.wait()
    log(f"stopped {what} (pid {process.pid})")


@contextlib.contextmanager
def podman(workdir):
    """podman's Docker API on a socket of our own, for as long as the block runs."""
    apt_install(PODMAN_PACKAGES, "podman")
    os.makedirs(workdir, exist_ok=True)
    conf = os.path.join(workdir, "containers.conf")
    with open(conf, "w") as f:
        f.write(CONTAINERS_CONF)
    sock = os.path.join(workdir, "podman.sock")
    with contextlib.suppress(FileNotFoundError):
        os.remove(sock)
    env = {"CONTAINERS_CONF": conf}
    service = subprocess.Popen(
        ["podman", "system", "service", "--time=0", f"unix://{sock}"],
        env={**os.environ, **env},
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=open(os.path.join(workdir, "podman-service.log"), "w"),  # noqa: SIM115 (closed with the process)
    )
    try:
        wait_for_socket(sock, service)
        log(f"podman's Docker API on unix://{sock} (pid {service.pid})")
        engine = Engine(kind="podman", cli="podman", env={**env, "DOCKER_HOST": f"unix://{sock}"})
        gateway = gateway_of(engine.command("network", "inspect", "podman", capture=True).stdout)
        engine.listen = engine.container_host = gateway
        yield engine
    finally:
        stop(service, "podman system service")


def open_engine(choice, workdir):
    """The engine `choice` names (auto: a Docker that answers, else podman)."""
    if choice == "podman":
        return podman(workdir)
    system = docker_system()
    if system is not None:
        return docker(system)
    if choice == "docker":
        raise SystemExit("sam-local: no Docker engine answers (`docker info` failed): start it, or set DOCKER_HOST")
    return podman(workdir)
