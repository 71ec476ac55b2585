"""Checks of the SAM templates that cfn-lint and `sam validate` do not make. See `checks`."""
