"""One feature set per shared crate across the deployable packages (see devtools.features)."""

import contextlib
import io
import pathlib
import unittest

from devtools import features

ROOT = pathlib.Path(__file__).resolve().parents[3]

# Trimmed from `cargo tree -p render -e normal,build --charset ascii -f '{p} [{f}]'`.
TREE = """\
render v0.1.0 (/work/main/tools/render) []
|-- contract v0.1.0 (/work/main/contract) []
|   |-- bytes v1.12.2 [default,serde,std]
|   |   `-- serde v1.0.229 [alloc,default,derive,serde_derive,std]
|   |       `-- serde_derive v1.0.229 (proc-macro) [default]
|   |           `-- syn v2.0.119 [clone-impls,default,derive,parsing,printing,proc-macro]
|   |-- chrono v0.4.45 [alloc,clock,std]
|   |   |-- num-traits v0.2.19 [default,i128,std]
|   |   |   [build-dependencies]
|   |   |   `-- autocfg v1.5.1 []
|   |   |       `-- memchr v2.8.3 [std]
|   |   `-- serde v1.0.229 [alloc,default,derive,serde_derive,std] (*)
|   `-- memchr v2.8.3 [alloc,std]
`-- serde_json v1.0.154 [alloc,default,std]

"""


class ParseTree(unittest.TestCase):
    def setUp(self):
        self.crates = features.parse_tree(TREE)

    def test_reads_each_crate_with_its_features(self):
        self.assertEqual(self.crates[("chrono", "v0.4.45", "target")], {"alloc", "clock", "std"})
        self.assertEqual(self.crates[("contract", "v0.1.0", "target")], frozenset())

    def test_a_proc_macros_dependencies_are_on_the_host(self):
        self.assertIn(("syn", "v2.0.119", "host"), self.crates)
        self.assertNotIn(("syn", "v2.0.119", "target"), self.crates)
        self.assertEqual(self.crates[("serde_derive", "v1.0.229", "target")], {"default"})

    def test_build_dependencies_and_theirs_are_on_the_host_and_the_section_ends_with_its_node(self):
        self.assertEqual(self.crates[("autocfg", "v1.5.1", "host")], frozenset())
        self.assertEqual(self.crates[("memchr", "v2.8.3", "host")], {"std"})
        # chrono's serde, after num-traits' build dependencies, and contract's memchr are not.
        self.assertEqual(self.crates[("memchr", "v2.8.3", "target")], {"alloc", "std"})
        self.assertNotIn(("serde", "v1.0.229", "host"), self.crates)

    def test_a_line_it_does_not_understand_is_an_error_naming_it(self):
        with self.assertRaisesRegex(ValueError, "not understood: 'warning: something'"):
            features.parse_tree("warning: something\n")


class Differences(unittest.TestCase):
    def test_names_the_crate_the_union_and_what_each_package_lacks(self):
        found = features.differences(
            {
                "transform": {
                    ("serde_json", "v1", "target"): frozenset({"std"}),
                    ("tokio", "v1", "target"): frozenset(),
                },
                "upload-url": {("serde_json", "v1", "target"): frozenset({"std", "raw_value"})},
                "render": {("serde_json", "v1", "host"): frozenset()},
            }
        )
        self.assertEqual(found, [("serde_json", "v1", "target", ["raw_value", "std"], {"transform": ["raw_value"]})])

    def test_the_same_features_everywhere_is_no_difference(self):
        same = {("serde", "v1", "target"): frozenset({"derive"})}
        self.assertEqual(features.differences({"a": same, "b": dict(same)}), [])


class Workspace(unittest.TestCase):
    def test_every_function_and_render_resolve_the_same_features(self):
        # Before workspace-hack: serde_json, num-traits, uuid, either, aws_lambda_events, serde,
        # log, memchr and syn differed, and sam build compiled the AWS SDK three times.
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            status = features.check(ROOT, ["aarch64-unknown-linux-gnu", "x86_64-unknown-linux-gnu"])
        self.assertEqual(status, 0, out.getvalue())
        self.assertIn("access-check, backfill, render, transform, upload-url: the same features", out.getvalue())


if __name__ == "__main__":
    unittest.main()
