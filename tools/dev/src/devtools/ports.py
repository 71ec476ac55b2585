"""Loopback ports: a free one for a local server, and waiting until a server accepts."""

import socket
import time


def free_port():
    """A port nobody listens on now (the kernel's choice on 127.0.0.1)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port, timeout_seconds=120.0, poll_seconds=0.1):
    """Returns once 127.0.0.1:`port` accepts a connection; False after `timeout_seconds`."""
    deadline = time.monotonic() + timeout_seconds
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return True
        except OSError:
            if time.monotonic() > deadline:
                return False
            time.sleep(poll_seconds)
