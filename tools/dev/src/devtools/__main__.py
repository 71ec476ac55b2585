"""`python -m devtools`: see `cli`."""

import sys

from .cli import main

sys.exit(main())
