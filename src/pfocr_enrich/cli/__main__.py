"""``python -m pfocr_enrich.cli``: the same command as ``pfocr-enrich``."""

import sys

from . import main

sys.exit(main())
