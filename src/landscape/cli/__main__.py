"""``python -m landscape.cli``: the same as the ``landscape`` command."""

import sys

from landscape.cli import main

sys.exit(main())
