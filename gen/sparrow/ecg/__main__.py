"""``python -m sparrow.ecg``: the ECG application's command line."""

import sys

from .cli import main

sys.exit(main())
