"""Each check catches what it must: the shipped templates pass, and each one widened by one
change (a statement broadened, a condition dropped, a setting handed to the wrong function)
fails. Run with the SAM venv's Python (cfn-lint's loader): `scripts/check-templates`."""

import copy
import unittest

from template_checks import checks

SOURCE, DESTINATION = checks.load_templates()
README = (checks.ROOT / "README.md").read_text()


def widened(change):
    doc = copy.deepcopy(SOURCE)
    change(doc)
    return doc


def role(doc, name):
    return doc["Resources"][name]["Properties"]


def batch_statements(doc):
    return role(doc, "BatchOperationsRole")["Policies"][0]["PolicyDocument"]["Statement"]


def uploader_statements(doc):
    return role(doc, "UploaderRole")["Policies"][0]["PolicyDocument"]["Statement"]


SAMCONFIG = (checks.ROOT / "samconfig.toml").read_text()


def pipeline_assume(doc):
    statements = role(doc, "PipelineRole")["Policies"][0]["PolicyDocument"]["Statement"]
    return next(st for st in statements if st.get("Sid") == "AssumeTheWriterRole")


def env(doc, fn):
    return doc["Resources"][fn]["Properties"]["Environment"]["Variables"]


class TheShippedTemplates(unittest.TestCase):
    def test_pass_every_check(self):
        self.assertEqual(checks.all_problems(SOURCE, DESTINATION, README), [])

    def test_list_every_function(self):
        self.assertEqual(
            sorted(checks.functions(SOURCE)), ["AccessCheck", "Backfill", "Transform", "UploadUrlFunction"]
        )


class TheLeastPrivilegeGuard(unittest.TestCase):
    def test_catches_each_broad_grant(self):
        def allow(action, resource):
            return {"PolicyDocument": {"Statement": [{"Effect": "Allow", "Action": action, "Resource": resource}]}}

        bad = {
            "Resources": {
                "A": {
                    "Type": "AWS::IAM::Role",
                    "Properties": {"ManagedPolicyArns": ["arn:aws:iam::aws:policy/AmazonS3FullAccess"]},
                },
                "B": {"Type": "AWS::IAM::Role", "Properties": {"Policies": [allow("s3:*", "arn:aws:s3:::b/*")]}},
                "C": {"Type": "AWS::IAM::Role", "Properties": {"Policies": [allow(["s3:GetObject"], "*")]}},
                "D": {"Type": "AWS::Serverless::Function", "Properties": {"Policies": ["AmazonS3FullAccess"]}},
                "E": {
                    "Type": "AWS::IAM::Role",
                    "Properties": {
                        "Policies": [
                            {
                                "PolicyDocument": {
                                    "Statement": [
                                        {
                                            "Fn::If": [
                                                "X",
                                                {"Effect": "Allow", "Action": "*", "Resource": "*"},
                                                {"Ref": "AWS::NoValue"},
                                            ]
                                        }
                                    ]
                                }
                            }
                        ]
                    },
                },
            }
        }
        found = checks.guard(bad, "bad")
        for logical_id in "ABCDE":
            with self.subTest(resource=logical_id):
                self.assertTrue(any(f" {logical_id} " in p for p in found), found)

    def test_lets_a_deny_through(self):
        deny = {"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "*"}
        fine = {
            "Resources": {
                "F": {"Type": "AWS::S3::BucketPolicy", "Properties": {"PolicyDocument": {"Statement": [deny]}}}
            }
        }
        self.assertEqual(checks.guard(fine, "fine"), [])


class EachWideningIsCaught(unittest.TestCase):
    CASES = [
        (
            "batch role on every resource",
            lambda d: batch_statements(d)[0].__setitem__("Resource", "*"),
            checks.batch_role_problems,
        ),
        (
            "batch role trusted without its condition",
            lambda d: role(d, "BatchOperationsRole")["AssumeRolePolicyDocument"]["Statement"][0].pop("Condition"),
            checks.batch_role_problems,
        ),
        (
            "batch role may delete",
            lambda d: batch_statements(d).append(
                {"Sid": "More", "Effect": "Allow", "Action": "s3:DeleteObject", "Resource": "arn:aws:s3:::b/*"}
            ),
            checks.batch_role_problems,
        ),
        (
            "batch role reads the destination",
            lambda d: batch_statements(d).append(
                {
                    "Sid": "More",
                    "Effect": "Allow",
                    "Action": "s3:GetObject",
                    "Resource": {"Fn::Sub": "arn:${AWS::Partition}:s3:::${DestinationBucket}/*"},
                }
            ),
            checks.batch_role_problems,
        ),
        (
            "uploader without its one permission",
            lambda d: uploader_statements(d).pop(0),
            checks.uploader_role_problems,
        ),
        (
            "batch role without a condition",
            lambda d: batch_statements(d)[1].pop("Condition"),
            checks.batch_role_problems,
        ),
        (
            "batch role on by default",
            lambda d: d["Parameters"]["BatchOperations"].__setitem__("Default", "Enabled"),
            checks.batch_role_problems,
        ),
        (
            "uploader may read",
            lambda d: uploader_statements(d)[0].__setitem__("Action", ["s3:PutObject", "s3:GetObject"]),
            checks.uploader_role_problems,
        ),
        (
            "uploader on the whole bucket",
            lambda d: uploader_statements(d)[0].__setitem__(
                "Resource", {"Fn::Sub": "arn:${AWS::Partition}:s3:::${SourceBucket}/*"}
            ),
            checks.uploader_role_problems,
        ),
        (
            "uploader may list",
            lambda d: uploader_statements(d).append(
                {"Sid": "More", "Effect": "Allow", "Action": "s3:ListBucket", "Resource": "arn:aws:s3:::b"}
            ),
            checks.uploader_role_problems,
        ),
        (
            "uploader may decrypt",
            lambda d: uploader_statements(d)[3]["Fn::If"][1].__setitem__("Action", "kms:Decrypt"),
            checks.uploader_role_problems,
        ),
        (
            "a public function URL",
            lambda d: role(d, "UploadUrlFunction")["FunctionUrlConfig"].__setitem__("AuthType", "NONE"),
            checks.uploader_role_problems,
        ),
        (
            "an invoke not limited to the URL",
            lambda d: role(d, "UploadCaller1Invoke").pop("InvokedViaFunctionUrl"),
            checks.uploader_role_problems,
        ),
        (
            "upload-url handed the ExternalId",
            lambda d: env(d, "UploadUrlFunction").__setitem__(
                "DESTINATION_EXTERNAL_ID", {"Ref": "DestinationExternalId"}
            ),
            checks.settings_problems,
        ),
        (
            "a setting taken from transform",
            lambda d: env(d, "Transform").pop("DESTINATION_ROLE_ARN"),
            checks.settings_problems,
        ),
        (
            "a Globals environment",
            lambda d: d["Globals"]["Function"].__setitem__("Environment", {"Variables": {"A": "b"}}),
            checks.settings_problems,
        ),
        (
            "a trigger without removals",
            lambda d: role(d, "SourceBucketS3Mode")["NotificationConfiguration"]["LambdaConfigurations"].pop(),
            checks.trigger_problems,
        ),
        (
            "a function built from another binary",
            lambda d: d["Resources"]["Backfill"]["Metadata"]["BuildProperties"].__setitem__("Binary", "transform"),
            checks.package_problems,
        ),
        (
            "the pipeline role assuming DestinationRoleArn even with Routes",
            lambda d: pipeline_assume(d).__setitem__("Resource", {"Ref": "DestinationRoleArn"}),
            lambda d: checks.route_problems(d, SAMCONFIG),
        ),
        (
            "the pipeline role assuming any role",
            lambda d: pipeline_assume(d).__setitem__("Resource", "*"),
            lambda d: checks.route_problems(d, SAMCONFIG),
        ),
        (
            "DESTINATION_BUCKET passed beside Routes",
            lambda d: env(d, "Backfill").__setitem__("DESTINATION_BUCKET", {"Ref": "DestinationBucket"}),
            checks.settings_problems,
        ),
        (
            "ROUTES kept from access-check",
            lambda d: env(d, "AccessCheck").pop("ROUTES"),
            checks.settings_problems,
        ),
        (
            "Routes required",
            lambda d: d["Parameters"]["Routes"].pop("Default"),
            lambda d: checks.route_problems(d, SAMCONFIG),
        ),
        (
            "a parameter without a pattern",
            lambda d: d["Parameters"]["SourcePrefix"].pop("AllowedPattern", None),
            lambda d: checks.parameter_problems([("template.yaml", d)]),
        ),
    ]

    def test_each_widening(self):
        for what, change, check in self.CASES:
            with self.subTest(what):
                self.assertNotEqual(check(widened(change)), [], f"{what} went unnoticed")

    def test_a_parameter_the_readme_does_not_name(self):
        doc = widened(lambda d: d["Parameters"].__setitem__("Unheard", {"Type": "String"}))
        problems = checks.readme_problems([("template.yaml", doc)], README)
        self.assertEqual(problems, ["README.md does not name the parameter Unheard of template.yaml"])


class TheSamconfigRoutes(unittest.TestCase):
    def test_an_unquoted_routes_is_cut_at_its_first_comma_and_caught(self):
        unquoted = SAMCONFIG.replace("\"Routes='[", '"Routes=[').replace("}]'\"", '}]"')
        self.assertNotEqual(unquoted, SAMCONFIG)
        problems = checks.samconfig_route_problems(unquoted)
        self.assertTrue(any("not JSON" in p and "quote it" in p for p in problems), problems)

    def test_a_route_role_not_in_route_role_arns_is_caught(self):
        missing = SAMCONFIG.replace(',arn:aws:iam::333333333333:role/s3-cross-account-writer-archive"', '"')
        self.assertNotEqual(missing, SAMCONFIG)
        problems = checks.samconfig_route_problems(missing)
        self.assertTrue(any("RouteRoleArns lists" in p for p in problems), problems)

    def test_without_a_two_account_sample_it_says_so(self):
        self.assertEqual(
            checks.samconfig_route_problems('[default.deploy.parameters]\nparameter_overrides = ["A=1"]\n'),
            ["samconfig.toml: no sample environment routes to two destination accounts"],
        )


if __name__ == "__main__":
    unittest.main()
