"""The demo's download table reads sizes from real files' headers (the repository's samples and
fuzz seeds, made by real encoders)."""

import unittest
from pathlib import Path

from local_aws.files import dimensions

ROOT = Path(__file__).resolve().parents[3]
SEEDS = ROOT / "fuzz" / "corpus" / "render"


class Dimensions(unittest.TestCase):
    def test_real_files(self):
        for path, size in [
            (ROOT / "events/images/sample.jpg", (1600, 1200)),
            (ROOT / "events/images/transparent.png", (640, 480)),
            (SEEDS / "progressive.jpg", (64, 48)),
            (SEEDS / "lossy.webp", (64, 48)),
            (SEEDS / "lossless.webp", (64, 48)),
            (SEEDS / "icc.webp", (64, 48)),
        ]:
            with self.subTest(path.name):
                self.assertEqual(dimensions(path.read_bytes()), size)

    def test_what_is_not_an_image(self):
        for data in [b"", b"not an image", (ROOT / "events/images/not-an-image.jpg").read_bytes(), b"\xff\xd8\xff"]:
            self.assertIsNone(dimensions(data))


if __name__ == "__main__":
    unittest.main()
