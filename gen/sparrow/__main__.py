"""``python -m sparrow``: the same as the ``sparrow`` command."""

import sys

from .cli import main

sys.exit(main())
