"""The second address the local AWS listens on, for functions in containers: a bridge's
gateway only, never every address or a public one."""

import socket
import unittest

from local_aws import server


class GatewaySockets(unittest.TestCase):
    def test_refuse_every_address_and_public_ones(self):
        for address in ["0.0.0.0", "1.1.1.1", "8.8.8.8", "::", "fd00::1"]:
            with self.subTest(address), self.assertRaisesRegex(SystemExit, "never 0.0.0.0"):
                server.gateway_socket(address, 0)

    def test_listen_on_an_address_that_does_not_exist_yet(self):
        # podman's bridge address appears with its first container; IP_FREEBIND binds before.
        # 10.255.255.254 is on no interface of a test machine.
        sock = server.gateway_socket("10.255.255.254", 0)
        self.addCleanup(sock.close)
        self.assertEqual(sock.getsockname()[0], "10.255.255.254")

    def test_accept_connections_on_the_given_address_only(self):
        sock = server.gateway_socket("127.0.0.2", 0)
        self.addCleanup(sock.close)
        port = sock.getsockname()[1]
        with socket.create_connection(("127.0.0.2", port), timeout=5):
            pass
        with self.assertRaises(ConnectionRefusedError):
            socket.create_connection(("127.0.0.1", port), timeout=5).close()


if __name__ == "__main__":
    unittest.main()
