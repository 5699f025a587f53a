"""``python -m pfocr_enrich.cli``: the same command as ``pfocr-enrich``."""

import sys

from . import main

if __name__ == "__main__":  # importing the module (e.g. to run its doctests) runs nothing
    sys.exit(main())
