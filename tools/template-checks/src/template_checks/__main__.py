"""`python -m template_checks`: see `cli`."""

import sys

from .cli import main

sys.exit(main())
