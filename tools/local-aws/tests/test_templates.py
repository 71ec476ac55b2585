"""What the local deploy evaluates before moto's CloudFormation sees a template: conditions,
`Fn::If`, `AWS::NoValue`, `Fn::Select`/`Fn::Split` over a `Fn::Sub`, and outputs of resources
moto skips; everything that needs a resource is left to CloudFormation."""

import unittest

from local_aws import templates

PSEUDO = {"AWS::AccountId": "111111111111", "AWS::Region": "us-east-1", "AWS::Partition": "aws"}

TEMPLATE = {
    "Parameters": {
        "Mode": {"Type": "String", "Default": "S3"},
        "Kms": {"Type": "String", "Default": ""},
        "Callers": {"Type": "String", "Default": ""},
        "Bucket": {"Type": "String"},
    },
    "Conditions": {
        "IsS3": {"Fn::Equals": [{"Ref": "Mode"}, "S3"]},
        "HasKms": {"Fn::Not": [{"Fn::Equals": [{"Ref": "Kms"}, ""]}]},
        "HasCaller2": {
            "Fn::And": [
                {"Condition": "IsS3"},
                {
                    "Fn::Not": [
                        {
                            "Fn::Equals": [
                                {"Fn::Select": [1, {"Fn::Split": [",", {"Fn::Sub": "${Callers},,,"}]}]},
                                "",
                            ]
                        }
                    ]
                },
            ]
        },
    },
    "Rules": {"Whatever": {"Assertions": []}},
    "Resources": {
        "Role": {
            "Type": "AWS::IAM::Role",
            "Properties": {
                "Policies": [
                    {
                        "PolicyDocument": {
                            "Statement": [
                                {"Sid": "Read", "Resource": {"Fn::Sub": "arn:aws:s3:::${Bucket}/*"}},
                                {
                                    "Fn::If": [
                                        "HasKms",
                                        {"Sid": "Kms", "Resource": {"Ref": "Kms"}},
                                        {"Ref": "AWS::NoValue"},
                                    ]
                                },
                                {"Sid": "Logs", "Resource": {"Fn::GetAtt": ["Logs", "Arn"]}},
                            ]
                        }
                    }
                ]
            },
        },
        "Queue": {"Type": "AWS::SQS::Queue", "Condition": "IsS3", "Properties": {}},
        "Caller2": {
            "Type": "AWS::Lambda::Permission",
            "Condition": "HasCaller2",
            "Properties": {"Principal": {"Fn::Select": [1, {"Fn::Split": [",", {"Fn::Sub": "${Callers},,,"}]}]}},
        },
        "Url": {"Type": "AWS::Lambda::Url", "Properties": {}},
        "Fn": {
            "Type": "AWS::Lambda::Function",
            "Properties": {
                "Environment": {
                    "Variables": {
                        "BUCKET": {"Ref": "Bucket"},
                        "MODE": {"Fn::If": ["IsS3", "s3", "other"]},
                        "FIXED": "x",
                    }
                }
            },
        },
    },
    "Outputs": {
        "QueueArn": {"Condition": "IsS3", "Value": {"Fn::GetAtt": ["Queue", "Arn"]}},
        "UrlValue": {"Value": {"Fn::GetAtt": ["Url", "FunctionUrl"]}},
        "Role": {"Value": {"Fn::Sub": "${Role.Arn}"}},
    },
    "Metadata": {templates.SKIPPED: {"Url": "AWS::Lambda::Url"}},
}


class Resolve(unittest.TestCase):
    def resolve(self, **given):
        return templates.resolve(TEMPLATE, {"Bucket": "b", **given}, PSEUDO)

    def test_a_false_condition_removes_resources_statements_and_outputs(self):
        out = self.resolve(Mode="SQS")
        self.assertNotIn("Queue", out["Resources"])
        self.assertNotIn("QueueArn", out["Outputs"])
        self.assertNotIn("Conditions", out)
        self.assertNotIn("Rules", out)
        statements = out["Resources"]["Role"]["Properties"]["Policies"][0]["PolicyDocument"]["Statement"]
        self.assertEqual([s["Sid"] for s in statements], ["Read", "Logs"], "no null where the If said NoValue")

    def test_a_true_condition_keeps_them_without_the_condition_key(self):
        out = self.resolve(Kms="arn:aws:kms:us-east-1:111111111111:key/k")
        self.assertEqual(out["Resources"]["Queue"], {"Type": "AWS::SQS::Queue", "Properties": {}})
        statements = out["Resources"]["Role"]["Properties"]["Policies"][0]["PolicyDocument"]["Statement"]
        self.assertEqual(statements[1], {"Sid": "Kms", "Resource": {"Ref": "Kms"}})

    def test_select_over_split_over_sub_is_evaluated(self):
        self.assertNotIn("Caller2", self.resolve(Callers="arn:aws:iam::1:role/a")["Resources"])
        out = self.resolve(Callers="arn:aws:iam::1:role/a,arn:aws:iam::1:role/b")
        self.assertEqual(out["Resources"]["Caller2"]["Properties"]["Principal"], "arn:aws:iam::1:role/b")

    def test_what_needs_a_resource_is_left_to_cloudformation(self):
        out = self.resolve()
        statements = out["Resources"]["Role"]["Properties"]["Policies"][0]["PolicyDocument"]["Statement"]
        self.assertEqual(statements[0]["Resource"], {"Fn::Sub": "arn:aws:s3:::${Bucket}/*"})
        self.assertEqual(statements[-1]["Resource"], {"Fn::GetAtt": ["Logs", "Arn"]})
        self.assertIn("Role", out["Outputs"])

    def test_outputs_of_resources_moto_skips_are_left_out(self):
        self.assertNotIn("UrlValue", self.resolve()["Outputs"])

    def test_function_environments_are_the_stacks(self):
        given = {"Bucket": "b", "Mode": "SQS"}
        env = templates.environments(templates.resolve(TEMPLATE, given, PSEUDO), given, PSEUDO)
        self.assertEqual(env, {"Fn": {"BUCKET": "b", "MODE": "other", "FIXED": "x"}})

    def test_a_missing_or_unknown_parameter_is_named(self):
        with self.assertRaisesRegex(templates.TemplateError, "parameter Bucket has no default"):
            templates.resolve(TEMPLATE, {}, PSEUDO)
        with self.assertRaisesRegex(templates.TemplateError, "no parameter Typo"):
            self.resolve(Typo="x")

    def test_names_finds_refs_getatts_and_subs(self):
        node = {"Fn::Join": ["", [{"Ref": "A"}, {"Fn::GetAtt": "B.Arn"}, {"Fn::Sub": "${C.Arn}-${!Literal}"}]]}
        self.assertEqual(templates.names(node), {"A", "B", "C"})


if __name__ == "__main__":
    unittest.main()
