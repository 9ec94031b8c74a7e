"""``python -m rlmodels``: the same as the ``rlmodels`` command."""

import sys

from .cli import main

sys.exit(main())
