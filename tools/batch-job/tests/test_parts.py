"""The small parts of batch-job: S3 locations, a stack's facts, the progress bar."""

import unittest

from batch_job.cli import Refused, bar, s3_location, stack_facts


class Parts(unittest.TestCase):
    def test_s3_locations(self):
        self.assertEqual(s3_location("s3://b/k/l.csv", "--csv"), ("b", "k/l.csv"))
        for bad in ["b/k", "s3://b", "https://b.s3.amazonaws.com/k"]:
            with self.subTest(bad), self.assertRaises(Refused) as caught:
                s3_location(bad, "--csv")
            self.assertIn("--csv", str(caught.exception))

    def test_stack_facts_join_outputs_and_parameters(self):
        stack = {
            "Stacks": [
                {
                    "Outputs": [{"OutputKey": "TransformFunctionArn", "OutputValue": "arn"}],
                    "Parameters": [{"ParameterKey": "SourcePrefix", "ParameterValue": "p/"}, {"ParameterKey": "Empty"}],
                }
            ]
        }
        self.assertEqual(stack_facts(stack), {"TransformFunctionArn": "arn", "SourcePrefix": "p/", "Empty": ""})

    def test_the_bar(self):
        self.assertEqual(bar(0, 0, width=4), "[....]")
        self.assertEqual(bar(1, 2, width=4), "[##..]")
        self.assertEqual(bar(2, 2, width=4), "[####]")


if __name__ == "__main__":
    unittest.main()
