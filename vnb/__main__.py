"""``python -m vnb``: the command line."""

import sys

from vnb.cli import main

sys.exit(main())
