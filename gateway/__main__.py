"""``python -m gateway`` is ``governs``."""

import sys

from gateway.cli import main

sys.exit(main())
