"""The server: moto on an ephemeral loopback port, with the verifying and fault layers in front,
its accounts provisioned and IAM enforcement on; it stops when whoever started it goes away.
"""

import contextlib
import ipaddress
import json
import os
import signal
import socket
import sys
import threading
import time
import urllib.request

from .accounts import ACCOUNTS, REGION, create_admin, log

# Read by moto when it handles a request; set before moto is imported all the same.
os.environ["MOTO_S3_ALLOW_CROSSACCOUNT_ACCESS"] = "false"
os.environ.setdefault("AWS_DEFAULT_REGION", REGION)


def wait_until_ready(endpoint, timeout_seconds=30.0):
    """Polls the moto API until it answers: the server is ready when it says so, not after a sleep."""
    deadline = time.monotonic() + timeout_seconds
    while True:
        try:
            with urllib.request.urlopen(f"{endpoint}/moto-api/", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise SystemExit(f"local-aws: moto did not answer on {endpoint} within {timeout_seconds}s")
        time.sleep(0.05)


def enforce_iam(endpoint):
    """Switches IAM enforcement on for every later request (moto wants text/plain here)."""
    request = urllib.request.Request(
        f"{endpoint}/moto-api/reset-auth",
        data=b"0",
        method="POST",
        headers={"Content-Type": "text/plain"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        if response.status != 200:
            raise SystemExit(f"local-aws: reset-auth answered {response.status}")


IP_FREEBIND = getattr(socket, "IP_FREEBIND", 15)


def gateway_socket(address, port):
    """A listening socket on a bridge's gateway address, never on every address. Bound with
    IP_FREEBIND: podman creates its bridge (and the address) only when the first container
    joins it, and may remove it with the last one; the socket serves whenever it exists."""
    ip = ipaddress.ip_address(address)
    if ip.is_unspecified or not ip.is_private or ip.version != 4:
        raise SystemExit(
            f"local-aws: --also-listen {address}: give the container bridge's gateway (a private IPv4 "
            "address, for instance podman's 10.88.0.1), never 0.0.0.0 or a public address"
        )
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.IPPROTO_IP, IP_FREEBIND, 1)
    sock.bind((address, port))
    sock.listen(128)
    return sock


def serve(args):
    import logging

    from moto.server import ThreadedMotoServer

    # One line per request drowns the test output; errors still show.
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    # The resources its CloudFormation skips: the local deploy reports them once per stack
    # ("the local AWS does not create ..."), moto twice per resource on every deploy.
    import warnings

    warnings.filterwarnings("ignore", message="Tried to parse .* not supported by moto", category=UserWarning)
    logging.getLogger("moto").addFilter(lambda r: "No Moto CloudFormation support" not in r.getMessage())

    class FaultyMotoServer(ThreadedMotoServer):
        """moto's threaded server with the fault and counting layers in front of its
        application."""

        def _server_entry(self):
            from moto.moto_server.werkzeug_app import (
                DomainDispatcherApplication,
                MotoRequestHandler,
                create_backend_app,
            )
            from werkzeug.serving import make_server

            from .counting import AssumeRoleCalls
            from .faults import Faults
            from .presigned import Presigned

            faults = Faults(DomainDispatcherApplication(create_backend_app), os.environ.get("FAULT_SEED"))
            self.app = Presigned(AssumeRoleCalls(faults))
            self._server = make_server(self._ip_address, self._port, self.app, True, request_handler=MotoRequestHandler)
            self._server_ready_event.set()
            self._server.serve_forever()

        def also_listen(self, address, port):
            """The same application on `address`: a container engine's bridge gateway, so that
            functions in containers reach the local AWS (their 127.0.0.1 is their own)."""
            from moto.moto_server.werkzeug_app import MotoRequestHandler
            from werkzeug.serving import make_server

            sock = gateway_socket(address, port)
            extra = make_server(address, port, self.app, True, request_handler=MotoRequestHandler, fd=sock.fileno())
            threading.Thread(target=extra.serve_forever, daemon=True).start()
            return extra

    server = FaultyMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    wait_until_ready(endpoint)
    extra = server.also_listen(args.also_listen, port) if args.also_listen else None

    state = {
        "endpoint": endpoint,
        "region": REGION,
        "pid": os.getpid(),
        "accounts": {name: {"id": id_, "admin": create_admin(endpoint, id_)} for name, id_ in ACCOUNTS.items()},
    }
    enforce_iam(endpoint)

    if extra:
        state["container_endpoint"] = f"http://{args.also_listen}:{port}"
    line = json.dumps(state)
    if args.state_file:
        tmp = f"{args.state_file}.tmp"
        with open(tmp, "w") as f:
            f.write(line + "\n")
        os.replace(tmp, args.state_file)
    print(line, flush=True)
    log(f"serving on {endpoint} (pid {os.getpid()}), IAM enforcement on")

    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, lambda *_: stop.set())

    if args.parent_pid:

        def watch_parent():
            while not stop.is_set():
                try:
                    os.kill(args.parent_pid, 0)
                except ProcessLookupError:
                    stop.set()
                stop.wait(0.5)

        threading.Thread(target=watch_parent, daemon=True).start()
    else:

        def watch_stdin():
            # Returns at EOF: whoever started us is gone (or closed the pipe on purpose).
            sys.stdin.buffer.read()
            stop.set()

        threading.Thread(target=watch_stdin, daemon=True).start()

    stop.wait()
    if extra:
        extra.shutdown()
    server.stop()
    if args.state_file:
        with contextlib.suppress(FileNotFoundError):
            os.remove(args.state_file)
