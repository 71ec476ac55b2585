"""The engine's settings and addresses: what podman needs here, and the gateway each engine's
network inspection gives."""

import json
import tomllib
import unittest

from sam_local import engine, image


class PodmanSettings(unittest.TestCase):
    def test_set_lambdas_limits_and_runc_with_cgroupfs(self):
        conf = tomllib.loads(engine.CONTAINERS_CONF)
        self.assertEqual(conf["containers"]["default_ulimits"], ["nofile=1024:1024", "nproc=4096:4096"])
        self.assertEqual(conf["engine"], {"runtime": "runc", "cgroup_manager": "cgroupfs"})


class Gateways(unittest.TestCase):
    def test_podman_network_inspect(self):
        podman = [{"name": "podman", "subnets": [{"subnet": "10.88.0.0/16", "gateway": "10.88.0.1"}]}]
        self.assertEqual(engine.gateway_of(json.dumps(podman)), "10.88.0.1")

    def test_docker_network_inspect_skips_ipv6(self):
        docker = [
            {
                "Name": "bridge",
                "IPAM": {"Config": [{"Subnet": "fd00::/64", "Gateway": "fd00::1"}, {"Gateway": "172.17.0.1"}]},
            }
        ]
        self.assertEqual(engine.gateway_of(json.dumps(docker)), "172.17.0.1")

    def test_docker_20_lists_the_subnet_alone_and_the_gateway_is_its_first_address(self):
        docker = [{"Name": "bridge", "IPAM": {"Driver": "default", "Config": [{"Subnet": "172.17.0.0/16"}]}}]
        self.assertEqual(engine.gateway_of(json.dumps(docker)), "172.17.0.1")

    def test_a_network_without_an_ipv4_gateway_is_a_stop(self):
        with self.assertRaises(SystemExit):
            engine.gateway_of(json.dumps([{"name": "podman", "subnets": []}]))
        with self.assertRaises(SystemExit):
            engine.gateway_of("[]")


class Images(unittest.TestCase):
    def test_sams_names_per_architecture(self):
        self.assertEqual(
            image.base_image(image.lambda_architecture("x86_64")), "public.ecr.aws/lambda/provided:al2023-x86_64"
        )
        self.assertEqual(
            image.rapid_image(image.lambda_architecture("aarch64")), "public.ecr.aws/lambda/provided:al2023-rapid-arm64"
        )
        with self.assertRaises(SystemExit):
            image.lambda_architecture("riscv64")

    def test_the_stand_in_runs_the_emulator_in_lambdas_folders(self):
        self.assertIn('ENTRYPOINT ["/var/rapid/aws-lambda-rie"]', image.CONTAINERFILE)
        self.assertIn("mkdir -p /var/task /var/runtime /opt /var/rapid", image.CONTAINERFILE)


if __name__ == "__main__":
    unittest.main()
