"""Argument checks shared by every public entry point.

One message shape everywhere (scikit-learn's)::

    The 'x' parameter of f must be <expected>. Got <given> instead.

A wrong type is a :class:`TypeError`, a bad value of the right type a
:class:`ValueError`. Booleans must be real bools (``"no"`` is not False), and a
bool is not an int or a number (``alpha=True`` is refused).

The checkers are small and composable; each returns the value in a clean form
(``int``, ``float``, ``bool``) so callers can trust it afterwards::

    min_size = check_int(min_size, func="enrich", param="min_size", min=0, allow_none=True)
    flag = check_bool(collapse_duplicates, func="enrich", param="collapse_duplicates")
    method = check_choice(correction, CORRECTION_METHODS, func="enrich", param="correction")
"""

from __future__ import annotations

import math
import os
from collections.abc import Collection
from typing import Any

import numpy as np

__all__ = [
    "check_alpha",
    "check_bool",
    "check_choice",
    "check_int",
    "check_number_in",
    "check_path",
    "check_size_bound",
    "check_type",
    "describe",
    "param_error",
]

_SHOWN = 80  # characters of a given value's repr shown in a message


def describe(value: object, *, with_type: bool = False) -> str:
    """How a message shows a given value: its repr, shortened; big objects by type and shape.

    ``with_type=True`` adds the type, for messages about a wrong type.

    Examples
    --------
    >>> describe("no", with_type=True)
    "'no' (type str)"
    >>> describe(np.zeros((2, 3)))
    'an ndarray of shape (2, 3)'
    """
    name = type(value).__name__
    shape = getattr(value, "shape", None)
    if isinstance(shape, tuple) and len(shape) > 0 and not isinstance(value, (str, bytes)):
        article = "an" if name[:1].lower() in "aeiou" or name == "ndarray" else "a"
        return f"{article} {name} of shape {shape}"
    text = repr(value)
    if len(text) > _SHOWN:
        text = text[: _SHOWN - 1] + "…"
    if with_type and value is not None:
        text += f" (type {name})"
    return text


def param_error(
    func: str,
    param: str,
    expected: str,
    got: object,
    *,
    error: type[Exception] = ValueError,
    shown: str | None = None,
) -> Exception:
    """The error for a parameter whose value is not what ``func`` accepts.

    ``error`` is :class:`ValueError` (a bad value, the default) or :class:`TypeError`
    (a wrong type; the message then also names the given type). ``shown`` replaces
    the description of ``got`` when the problem is in a part of it (a row, a key).

    Examples
    --------
    >>> str(param_error("enrich", "min_size", "an int >= 0 or None", -1))
    "The 'min_size' parameter of enrich must be an int >= 0 or None. Got -1 instead."
    """
    given = describe(got, with_type=error is TypeError) if shown is None else shown
    return error(f"The '{param}' parameter of {func} must be {expected}. Got {given} instead.")


def check_type(
    value: Any,
    types: type | tuple[type, ...],
    *,
    func: str,
    param: str,
    expected: str,
    allow_none: bool = False,
) -> Any:
    """``value`` is an instance of ``types`` (or None when allowed), else a TypeError.

    A bool passes only when ``bool`` itself is among ``types`` (not as an ``int``).

    Examples
    --------
    >>> check_type(3, int, func="f", param="x", expected="an int")
    3
    """
    if value is None and allow_none:
        return None
    types = types if isinstance(types, tuple) else (types,)
    if isinstance(value, bool) and not any(t in (bool, np.bool_, object) for t in types):
        raise param_error(func, param, expected, value, error=TypeError)
    if not isinstance(value, types):
        raise param_error(func, param, expected, value, error=TypeError)
    return value


def check_path(
    value: object,
    *,
    func: str,
    param: str,
    expected: str = "a path (str or os.PathLike)",
    allow_none: bool = False,
) -> Any:
    """``value`` is a ``str`` or an ``os.PathLike`` (or None when allowed), else a TypeError.

    Whether the path exists is the caller's business (``FileNotFoundError`` names it).

    Examples
    --------
    >>> check_path(3, func="read_gmt", param="path")
    Traceback (most recent call last):
    ...
    TypeError: The 'path' parameter of read_gmt must be a path (str or os.PathLike). Got 3 (type int) instead.
    """
    expected += " or None" if allow_none else ""
    return check_type(
        value, (str, os.PathLike), func=func, param=param, expected=expected, allow_none=allow_none
    )


def check_bool(value: object, *, func: str, param: str) -> bool:
    """``value`` is True or False (numpy bools too); truthy strings and ints are refused.

    Examples
    --------
    >>> check_bool(np.True_, func="f", param="x")
    True
    """
    if not isinstance(value, (bool, np.bool_)):
        raise param_error(func, param, "a bool (True or False)", value, error=TypeError)
    return bool(value)


def _bounds_text(lo: float | None, hi: float | None, *, lo_open: bool, hi_open: bool) -> str:
    if lo is not None and hi is not None:
        return f" in {'(' if lo_open else '['}{lo}, {hi}{')' if hi_open else ']'}"
    if lo is not None:
        return f" {'>' if lo_open else '>='} {lo}"
    if hi is not None:
        return f" {'<' if hi_open else '<='} {hi}"
    return ""


def check_int(
    value: object,
    *,
    func: str,
    param: str,
    min: int | None = None,
    max: int | None = None,
    allow_none: bool = False,
    expected: str | None = None,
) -> int | None:
    """``value`` is an int (numpy ints too, not bools or floats) within ``[min, max]``.

    ``expected`` replaces the generated "an int >= min" when the bounds need words.

    Examples
    --------
    >>> check_int(np.int64(3), func="f", param="n", min=1)
    3
    >>> check_int(0, func="f", param="n", min=1)
    Traceback (most recent call last):
    ...
    ValueError: The 'n' parameter of f must be an int >= 1. Got 0 instead.
    """
    expected = expected or "an int" + _bounds_text(min, max, lo_open=False, hi_open=False)
    if allow_none:
        expected += " or None"
        if value is None:
            return None
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise param_error(func, param, expected, value, error=TypeError)
    if (min is not None and value < min) or (max is not None and value > max):
        raise param_error(func, param, expected, value)
    return int(value)


def check_number_in(
    value: object,
    lo: float | None,
    hi: float | None,
    *,
    func: str,
    param: str,
    lo_open: bool = False,
    hi_open: bool = False,
    allow_none: bool = False,
) -> float | None:
    """``value`` is a real number (not a bool, not NaN) between ``lo`` and ``hi``.

    The bounds are inclusive unless ``lo_open`` / ``hi_open``; None means unbounded.

    Examples
    --------
    >>> check_number_in(0.05, 0, 1, func="f", param="alpha")
    0.05
    >>> check_number_in(0, 0, 1, func="f", param="threshold", lo_open=True)
    Traceback (most recent call last):
    ...
    ValueError: The 'threshold' parameter of f must be a number in (0, 1]. Got 0 instead.
    """
    expected = "a number" + _bounds_text(lo, hi, lo_open=lo_open, hi_open=hi_open)
    if allow_none:
        expected += " or None"
        if value is None:
            return None
    if isinstance(value, (bool, np.bool_)) or not isinstance(
        value, (int, float, np.integer, np.floating)
    ):
        raise param_error(func, param, expected, value, error=TypeError)
    number = float(value)
    too_low = lo is not None and (number <= lo if lo_open else number < lo)
    too_high = hi is not None and (number >= hi if hi_open else number > hi)
    if math.isnan(number) or too_low or too_high:
        raise param_error(func, param, expected, value)
    return number


def check_choice(value: Any, choices: Collection[Any], *, func: str, param: str) -> Any:
    """``value`` is one of ``choices`` (None allowed when listed).

    A value of another type than the choices (``5`` for a method name) is a
    TypeError; a value of the right type that is not listed a ValueError.

    Examples
    --------
    >>> check_choice("hit", ("tested", "hit"), func="enrich", param="fdr_over")
    'hit'
    >>> check_choice("all", ("tested", "hit"), func="enrich", param="fdr_over")
    Traceback (most recent call last):
    ...
    ValueError: The 'fdr_over' parameter of enrich must be one of 'tested', 'hit'. Got 'all' instead.
    """
    listed = [c for c in choices if c is not None]
    expected = "one of " + ", ".join(repr(c) for c in listed)
    if None in choices:
        expected = "None or " + expected
    kinds = tuple({type(c) for c in listed})
    if value is None:
        if None in choices:
            return None
        raise param_error(func, param, expected, value, error=TypeError)
    if (isinstance(value, bool) and bool not in kinds) or not isinstance(value, kinds):
        raise param_error(func, param, expected, value, error=TypeError)
    if value not in listed:
        raise param_error(func, param, expected, value)
    return value


def check_size_bound(value: object, func: str, param: str) -> int | None:
    """``value`` is None or an int >= 0 (a size bound such as ``min_size``)."""
    return check_int(value, func=func, param=param, min=0, allow_none=True)


def check_alpha(alpha: object, func: str) -> float:
    """``alpha`` is a number in [0, 1] (a significance threshold)."""
    return check_number_in(alpha, 0, 1, func=func, param="alpha")
