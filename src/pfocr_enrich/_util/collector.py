"""Pausing Python's cyclic garbage collector while a library's gene lists are built.

Building 120,000 gene lists triggers collection after collection, and the older
generations' passes walk every list made so far: on the 120k-set synthetic library
``lists_from_dict`` took 0.46 s, 0.13 s with the collector paused (the lists hold
strings and make no cycles, so nothing is left for it to find).
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["collector_paused"]


@contextmanager
def collector_paused() -> Iterator[None]:
    """Disable the cyclic collector inside the block (restored after, also on error).

    Examples
    --------
    >>> with collector_paused():
    ...     lists = [[str(i)] for i in range(10)]
    >>> gc.isenabled()
    True
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
