"""Waiting for a local server: ready when it accepts, a clear no when it never does."""

import socket
import threading
import time
import unittest

from devtools import ports


class Ports(unittest.TestCase):
    def test_a_free_port_is_free(self):
        port = ports.free_port()
        with socket.socket() as s:
            s.bind(("127.0.0.1", port))

    def test_waits_until_a_server_listens(self):
        port = ports.free_port()
        server = socket.socket()
        self.addCleanup(server.close)

        def listen_later():
            time.sleep(0.3)
            server.bind(("127.0.0.1", port))
            server.listen()

        threading.Thread(target=listen_later).start()
        self.assertTrue(ports.wait_for_port(port, timeout_seconds=10, poll_seconds=0.05))

    def test_gives_up_on_a_port_nobody_opens(self):
        self.assertFalse(ports.wait_for_port(ports.free_port(), timeout_seconds=0.3, poll_seconds=0.05))


if __name__ == "__main__":
    unittest.main()
