"""``python -m sparrow.ecg``: the same as ``sparrow ecg``."""

import sys

from ..cli import main

sys.exit(main(["ecg", *sys.argv[1:]]))
