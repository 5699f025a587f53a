"""The YAML front matter of one figure page: read it as text, parse it, check it is a figure.

A page is a ``---`` line, YAML, and a closing ``---`` line (anything after it is
not read). The text is read as a text-mode file reads it (UTF-8 with an
optional BOM, ``\\r\\n`` and ``\\r`` line ends) and parsed with PyYAML's safe
loader (LibYAML's when PyYAML was built with it).
"""

from __future__ import annotations

import errno
import os
import re
from collections.abc import Iterator
from typing import Any

import yaml

from .files import decode_error_line, open_text, os_reason
from .report import problem, shown

__all__ = [
    "LOADER",
    "MAX_FRONT_MATTER",
    "SAFE_LOADER",
    "front_matter_lines",
    "load_front_matter",
    "parse_figure",
]

#: Front matter longer than this (characters) is not parsed (problem ``too_large``): PFOCR
#: pages have a few thousand; the bound keeps one bad file from taking the memory.
MAX_FRONT_MATTER = 1_000_000
# The characters that start an anchor (&a), alias (*a) or tag (!t).
_NODE_PROPERTY_START = re.compile("[&*!]")

#: PyYAML's safe loader, in C (LibYAML) when PyYAML was built with it.
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_STR_TAG = "tag:yaml.org,2002:str"


class _Loader(SAFE_LOADER):  # type: ignore[misc,valid-type]
    """PyYAML's safe loader, minus its per-node overhead for plain strings.

    Most nodes of a figure page are strings (80+ schema-jsonld keywords a page), and
    ``SafeConstructor`` builds each one through a generic dispatch that ends in
    ``node.value``; returning it directly gives the same objects 25% faster. Every other
    node (numbers, dates, lists, mappings, aliases, errors) takes PyYAML's own path.
    """

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        # Only PyYAML's behaviour while str nodes have SafeConstructor's own constructor
        # (another library could register one of its own on the safe loaders).
        self._str_shortcut = (
            self.yaml_constructors.get(_STR_TAG)
            is yaml.constructor.SafeConstructor.construct_yaml_str
        )

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        if self._str_shortcut and node.tag == _STR_TAG and type(node) is yaml.ScalarNode:
            return node.value
        return super().construct_object(node, deep=deep)


#: The loader of figure pages.
LOADER = _Loader


def parse_figure(path: str | os.PathLike[str]) -> dict[str, Any]:
    r"""Parse the YAML front matter of one PFOCR figure page.

    Parameters
    ----------
    path : str or os.PathLike
        A figure page (``_figures/<figid>.md``).

    Returns
    -------
    dict
        The front matter as PyYAML reads it (safe loading), keys in file order.

    Raises
    ------
    FigureFormatError
        The file cannot be read (not a regular file, not UTF-8), has no ``---``
        front matter or one over :data:`MAX_FRONT_MATTER` characters, its YAML
        is invalid or uses anchors, aliases or tags, it is not a mapping, or it
        has no ``figid``. ``.path`` and ``.line`` (1-based, in the file) locate
        the problem; ``.problem`` is its load report code.
    FileNotFoundError
        The file does not exist.

    Examples
    --------
    >>> import tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "PMC1__f1.md")
    >>> with open(path, "w") as fh:
    ...     _ = fh.write("---\nfigid: PMC1__f1\nyear: '2021'\n---\n")
    >>> parse_figure(path)
    {'figid': 'PMC1__f1', 'year': '2021'}
    """
    path = os.fspath(path)
    if not os.path.lexists(path):
        raise FileNotFoundError(errno.ENOENT, "parse_figure: no such figure file", path)
    front_matter, _ = load_front_matter(path)
    return front_matter


def front_matter_lines(path: str) -> list[str]:
    """Lines between the opening and closing ``---``; reads no further than the closing line.

    Raises the file's problem: ``unreadable`` (not a regular file, not readable,
    not UTF-8), ``no_front_matter`` or ``too_large`` (more than
    :data:`MAX_FRONT_MATTER` characters).
    """
    lineno = 0  # the last line read
    try:
        with open_text(path) as fh:
            first = fh.readline(MAX_FRONT_MATTER)
            lineno = 1
            if first.rstrip() != "---":
                got = "an empty file" if not first else shown(first.rstrip("\n"))
                detail = f"expected '---' to open the YAML front matter, got {got}"
                raise problem(path, "no_front_matter", detail, line=1)
            lines: list[str] = []
            size = 0
            while line := fh.readline(MAX_FRONT_MATTER + 1 - size):
                lineno += 1
                if line.rstrip() == "---":
                    return lines
                size += len(line)
                if size > MAX_FRONT_MATTER:
                    detail = (
                        f"the YAML front matter is longer than {MAX_FRONT_MATTER:,} characters "
                        "(figure pages are a few thousand); not read"
                    )
                    raise problem(path, "too_large", detail, line=lineno)
                lines.append(line)
    except UnicodeDecodeError as exc:
        line = decode_error_line(path, 4 * MAX_FRONT_MATTER + 16384) or lineno + 1
        detail = f"expected UTF-8 text, got {exc.reason}"
        raise problem(path, "unreadable", detail, line=line) from None
    except OSError as exc:
        raise problem(path, "unreadable", os_reason(exc), line=lineno + 1) from None
    detail = "the YAML front matter opened by '---' is never closed by a second '---' line"
    raise problem(path, "no_front_matter", detail, line=1)


def _starts(text: str) -> Iterator[int]:
    """Offsets of ``&``, ``*`` and ``!`` in ``text`` (few on a page; none on most)."""
    return (found.start() for found in _NODE_PROPERTY_START.finditer(text))


def _refuse_node_properties(path: str, text: str) -> None:
    """Raise ``unsupported_yaml`` at the first anchor, alias or explicit tag of ``text``.

    PFOCR pages use none of them. Aliases can make a few hundred bytes stand for
    billions of values (each alias of a list repeats it), and tags ask for types
    a figure page does not have. Only texts where one could start (a ``&``, ``*``
    or ``!`` not preceded by a letter or digit) are scanned, event by event.
    """
    if not any(at == 0 or not text[at - 1].isalnum() for at in _starts(text)):
        return
    try:
        for event in yaml.parse(text, Loader=SAFE_LOADER):
            if isinstance(event, yaml.AliasEvent):
                what = f"an alias (*{event.anchor})"
            elif getattr(event, "anchor", None) is not None:
                what = f"an anchor (&{event.anchor})"
            elif getattr(event, "tag", None) is not None:
                what = f"a tag ({event.tag})"
            else:
                continue
            detail = f"YAML anchors, aliases and tags are not read in figure pages, got {what}"
            raise problem(path, "unsupported_yaml", detail, line=event.start_mark.line + 2)
    except yaml.YAMLError:
        return  # invalid YAML: loading it reports the error


def _parse_yaml(path: str, text: str) -> Any:
    _refuse_node_properties(path, text)
    try:
        return yaml.load(text, Loader=LOADER)  # a safe loader
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        reason = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        line = None if mark is None else mark.line
    except (ValueError, OverflowError) as exc:
        # A plain scalar typed as a date or number that is not one (2021-13-45, 0x_):
        # PyYAML's constructors raise ValueError without a position.
        reason, line = f"not a valid value: {exc}", _bad_value_line(text)
    if line is None:
        raise problem(path, "invalid_yaml", f"invalid YAML front matter ({reason})") from None
    lines = text.split("\n")[:-1]  # every line of the text ends with "\n"
    shown = lines[line] if line < len(lines) else "<end of front matter>"
    detail = f"invalid YAML front matter ({reason}): {shown!r}"
    # The YAML text starts on line 2 of the file (after '---'); marks are 0-based.
    raise problem(path, "invalid_yaml", detail, line=line + 2) from None


def _bad_value_line(text: str) -> int | None:
    """0-based line of the first scalar of ``text`` that PyYAML cannot construct."""
    loader = LOADER(text)
    try:
        stack = [loader.get_single_node()]
        while stack:
            node = stack.pop()
            if isinstance(node, yaml.ScalarNode):
                try:
                    loader.construct_object(node)
                except (ValueError, OverflowError):
                    return node.start_mark.line
            elif isinstance(node, yaml.SequenceNode):
                stack.extend(reversed(node.value))
            elif isinstance(node, yaml.MappingNode):
                stack.extend(item for pair in reversed(node.value) for item in reversed(pair))
    finally:
        loader.dispose()
    return None


def load_front_matter(path: str) -> tuple[dict[str, Any], int | None]:
    """Return the front matter of a figure page and the 1-based file line of ``figid:``."""
    text = "".join(front_matter_lines(path))
    data = _parse_yaml(path, text)
    if not isinstance(data, dict):
        got = "nothing" if data is None else f"a {type(data).__name__}"
        raise problem(
            path,
            "not_a_mapping",
            f"expected the front matter to be a mapping of keys to values, got {got}",
            line=2,
        )
    figid = data.get("figid")
    if isinstance(figid, int) and not isinstance(figid, bool):
        figid = str(figid)
    if not isinstance(figid, str) or not figid.strip():
        # The line of 'figid:' when there is one, else the first line of the mapping.
        detail = f"expected a 'figid' key with the figure id, got {shown(figid)}"
        raise problem(path, "missing_figid", detail, line=_figid_line(text) or 2)
    data["figid"] = figid.strip()
    return data, _figid_line(text)


def _figid_line(text: str) -> int | None:
    """1-based file line of the first line starting with ``figid:`` (the YAML starts on line 2)."""
    if text.startswith("figid:"):
        return 2
    at = text.find("\nfigid:")
    return None if at < 0 else text.count("\n", 0, at + 1) + 2
