"""`python -m batch_job`: see `cli`."""

import sys

from .cli import main

sys.exit(main())
