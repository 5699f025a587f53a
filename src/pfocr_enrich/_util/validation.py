"""Argument checks shared by every public entry point.

One message shape everywhere (scikit-learn's): "The 'x' parameter of f must be
<expected>. Got <given> instead." A wrong type is a TypeError, a bad value of the
right type a ValueError; booleans must be real bools.
"""

from __future__ import annotations

import numpy as np


def param_error(func: str, param: str, expected: str, got: object) -> ValueError:
    """The ValueError for a parameter whose value is not what ``func`` accepts."""
    return ValueError(f"The '{param}' parameter of {func} must be {expected}. Got {got!r} instead.")


def check_size_bound(value: int | None, func: str, param: str) -> None:
    """``value`` is None or an int >= 0 (bools refused)."""
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 0:
        raise param_error(func, param, "an int >= 0 or None", value)


def check_alpha(alpha: object, func: str) -> None:
    """``alpha`` is a number in [0, 1] (bools refused)."""
    if (
        isinstance(alpha, bool)
        or not isinstance(alpha, (int, float, np.floating))
        or not 0 <= alpha <= 1
    ):
        raise param_error(func, "alpha", "a number in [0, 1]", alpha)
