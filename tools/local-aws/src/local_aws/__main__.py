"""`python -m local_aws`: see `cli`."""

from .cli import main

main()
