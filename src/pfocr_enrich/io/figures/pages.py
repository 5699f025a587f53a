"""The YAML front matter of one figure page: read it as text, parse it, check it is a figure.

A page is a ``---`` line, YAML, and a closing ``---`` line (anything after it is
not read). The text is read as a text-mode file reads it (UTF-8 with an
optional BOM, ``\\r\\n`` and ``\\r`` line ends) and parsed with PyYAML's safe
loader (LibYAML's when PyYAML was built with it).
"""

from __future__ import annotations

import os
from typing import Any

import yaml

from .report import problem

__all__ = ["LOADER", "SAFE_LOADER", "front_matter_lines", "load_front_matter", "parse_figure"]

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
        The file has no ``---`` front matter, its YAML is invalid (the message
        gives the 1-based line in the file), it is not a mapping, or it has no
        ``figid``. ``.path`` and ``.line`` locate the problem.
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
    front_matter, _ = load_front_matter(os.fspath(path))
    return front_matter


def front_matter_lines(path: str) -> list[str]:
    """Lines between the opening and closing ``---``; reads no further than the closing line."""
    try:
        with open(path, encoding="utf-8-sig") as fh:
            first = fh.readline()
            if first.rstrip() != "---":
                got = "an empty file" if not first else repr(first.rstrip("\n"))
                raise problem(
                    path,
                    "no_front_matter",
                    f"expected '---' to open the YAML front matter, got {got}",
                    line=1,
                )
            lines = []
            for line in fh:
                if line.rstrip() == "---":
                    return lines
                lines.append(line)
    except UnicodeDecodeError as exc:
        raise problem(path, "unreadable", f"expected UTF-8 text, got {exc.reason}") from None
    detail = "the YAML front matter opened by '---' is never closed by a second '---' line"
    raise problem(path, "no_front_matter", detail, line=1)


def _parse_yaml(path: str, text: str) -> Any:
    try:
        return yaml.load(text, Loader=LOADER)  # a safe loader
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        reason = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        if mark is None:
            raise problem(path, "invalid_yaml", f"invalid YAML front matter ({reason})") from None
        lines = text.split("\n")[:-1]  # every line of the text ends with "\n"
        shown = lines[mark.line] if mark.line < len(lines) else "<end of front matter>"
        detail = f"invalid YAML front matter ({reason}): {shown!r}"
        # The YAML text starts on line 2 of the file (after '---'); marks are 0-based.
        raise problem(path, "invalid_yaml", detail, line=mark.line + 2) from None


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
        raise problem(
            path, "missing_figid", f"expected a 'figid' key with the figure id, got {figid!r}"
        )
    data["figid"] = figid.strip()
    return data, _figid_line(text)


def _figid_line(text: str) -> int | None:
    """1-based file line of the first line starting with ``figid:`` (the YAML starts on line 2)."""
    if text.startswith("figid:"):
        return 2
    at = text.find("\nfigid:")
    return None if at < 0 else text.count("\n", 0, at + 1) + 2
