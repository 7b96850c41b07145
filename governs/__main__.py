"""``python -m governs`` is ``governs``."""

import sys

from governs.cli import main

sys.exit(main())
