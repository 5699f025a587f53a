"""A fast reader for the plain YAML that R's ``yaml::write_yaml`` writes in PFOCR pages.

PyYAML spends most of a figure page's parse time building one node object per
keyword (80+ a page) and resolving its tag in Python. PFOCR front matter uses a
tiny part of YAML: ``key: value`` lines, block lists (``- item``, often at the
key's own indentation), nested mappings, plain scalars folded over several
lines, single-quoted scalars and ``|-`` literal blocks. :func:`load` reads
exactly that part, line by line, and returns ``None`` for anything else, so the
caller can hand the text to PyYAML.

Identical results are the whole point, so the accepted shape is deliberately
narrow: every line must fit the grammar below, characters are limited to
printable ones without tabs, no line is empty, no plain scalar has a trailing
space, ``: `` or `` #`` in it or starts with an indicator character, keys are
unique, and indentation must match the block structure exactly. Plain scalars
get their type from the loader's own implicit resolvers and their value from
``SafeConstructor``'s own constructors (``'2021'`` stays a str, ``2021`` is an
int, ``NA`` a str, ``~`` None); a scalar whose type is not str, null, bool, int
or float (a date, ``<<``, ``=``) makes the page fall back to PyYAML. Anything
unusual (comments, anchors, tags, flow collections other than ``[]`` and
``{}``, double quotes, folded ``>`` blocks, duplicate keys, blank lines) falls
back as well: PyYAML then gives the same value or the same error as always.
``tests/test_figures.py`` compares both readers on real pages and on many
tricky and random documents.

Grammar (``m`` is the indentation of the enclosing mapping)::

    mapping  := (key ":" (" " inline | NL block))+        every key line at column m
    block    := sequence at column m or deeper  |  mapping deeper than m  |  nothing (null)
    sequence := ("- " (mapping at column+2 | inline))+     every item line at one column
    inline   := plain (NL continuation)*  |  'single-quoted'  |  "|-" or "|" NL lines  |  [] | {}
"""

from __future__ import annotations

import operator
import re
from functools import lru_cache
from itertools import accumulate
from typing import Any

from yaml.constructor import SafeConstructor
from yaml.nodes import ScalarNode

__all__ = ["load", "usable_with"]

# Characters YAML reads as printable text everywhere (so no reader error can hide in
# them), minus the tab and the BOM. "\x85", "\u2028" and "\u2029" are line breaks to
# YAML but not to Python's file reading, so they are left out too.
_OTHER_CHARS = re.compile(
    "[^\n\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff]"
)
# The same test on UTF-8 bytes, a few times faster: ASCII controls never occur inside a
# multi-byte character; C1 controls are "\xc2" + 0x80-0x9f; the others are fixed bytes.
_ASCII_CONTROLS = bytes([*range(0x0A), *range(0x0B, 0x20), 0x7F])  # all but "\n"
_C1_CONTROLS = re.compile(b"\xc2[\x80-\x9f]")
_OTHER_SEQUENCES = ("\u2028", "\u2029", "\ufeff", "\ufffe", "\uffff")
# A key line: a simple word or a single-quoted key without quotes in it, then ':' and
# either the end of the line or one space and a value.
_KEY = re.compile(r"(?:([A-Za-z_][A-Za-z0-9_-]{0,99})|'([^']{0,100})'):(?:$| (.*))")
_PLAIN_KEYS: set[str] = set()  # keys that matched _KEY's simple word (a cache of _split_key)
# Characters that give a plain scalar's first character a meaning of its own.
_INDICATORS = frozenset("-?:,[]{}#&*!|>'\"%@` ")

_STR, _SEQ, _MAP = "tag:yaml.org,2002:str", "tag:yaml.org,2002:seq", "tag:yaml.org,2002:map"
# Scalar types built here with SafeConstructor's own functions; any other type falls back.
_SCALARS = {
    "tag:yaml.org,2002:null": SafeConstructor.construct_yaml_null,
    "tag:yaml.org,2002:bool": SafeConstructor.construct_yaml_bool,
    "tag:yaml.org,2002:int": SafeConstructor.construct_yaml_int,
    "tag:yaml.org,2002:float": SafeConstructor.construct_yaml_float,
}
_EXPECTED = {
    **_SCALARS,
    _STR: SafeConstructor.construct_yaml_str,
    _SEQ: SafeConstructor.construct_yaml_seq,
    _MAP: SafeConstructor.construct_yaml_map,
}
_CONSTRUCTOR = SafeConstructor()


class _NotSimple(Exception):
    """The text leaves the simple shape: PyYAML must read it."""


def usable_with(loader: type) -> bool:
    """Whether :func:`load` gives what ``yaml.load(text, Loader=loader)`` gives.

    True while the loader has PyYAML's safe constructors for str, null, bool, int,
    float, lists and mappings, no path resolvers and no implicit resolver that looks
    at every scalar (another library could register its own on the safe loaders).
    """
    constructors = loader.yaml_constructors
    return (
        not loader.yaml_path_resolvers
        and None not in loader.yaml_implicit_resolvers
        and all(constructors.get(tag) is function for tag, function in _EXPECTED.items())
    )


def load(text: str, loader: type) -> dict[str, Any] | None:
    """The mapping a simple front matter holds, or None when PyYAML must read ``text``.

    ``text`` is the YAML between the ``---`` lines, each line ending in ``\n``;
    ``loader`` is the PyYAML loader whose implicit resolvers type the plain scalars
    (check :func:`usable_with` first).
    """
    if not text.endswith("\n") or not _printable(text):
        return None
    lines = text.split("\n")
    lines.pop()  # the empty string after the last "\n"
    reader = _Reader(text, lines, loader.yaml_implicit_resolvers)
    try:
        data = reader.mapping(0)
    except _NotSimple:
        return None
    return data if data and reader.i == len(lines) else None


def _printable(text: str) -> bool:
    """Whether ``_OTHER_CHARS`` finds nothing in ``text`` (tested on its UTF-8 bytes)."""
    data = text.encode("utf-8")
    if len(data.translate(None, _ASCII_CONTROLS)) != len(data):
        return False
    if text.isascii():
        return True
    return not (b"\xc2" in data and _C1_CONTROLS.search(data)) and not any(
        c in text for c in _OTHER_SEQUENCES
    )


class _Reader:
    """Reads ``lines`` from ``self.i`` on; every method consumes the lines it reads.

    ``block`` arguments are the indentation of the innermost block collection, as
    YAML counts it (a list written at its key's own column does not count): a plain
    or quoted scalar goes on over the following lines that are indented deeper.
    """

    def __init__(
        self, text: str, lines: list[str], resolvers: dict[Any, list[tuple[str, Any]]]
    ) -> None:
        self.text = text
        self.lines = lines
        self.stripped = [line.lstrip(" ") for line in lines]  # without the indentation
        self.indents = list(map(operator.sub, map(len, lines), map(len, self.stripped)))
        self.starts = list(accumulate(map(len, lines), initial=0))  # line i is at starts[i] + i
        self.i = 0
        self.resolvers = resolvers
        self.known = _known_str(resolvers)
        self.one_by_one = 0  # lines before this one are read one by one (see plain_items)

    # -- block structure ---------------------------------------------------------
    def mapping(self, m: int, first: str | None = None) -> dict[str, Any]:
        """Key lines at column ``m``; ``first`` is the text after ``- `` of an item's first key."""
        stripped, indents, resolvers, known = (
            self.stripped,
            self.indents,
            self.resolvers,
            self.known,
        )
        n = len(stripped)
        data: dict[str, Any] = {}
        i = self.i
        while True:
            if first is None:
                if i >= n or indents[i] != m:
                    break
                first = stripped[i]
            key, colon, text = first.partition(": ")
            if not colon and first[-1:] == ":" and first[:-1] in _PLAIN_KEYS:
                key, colon, text = first[:-1], ":", None  # "key:" and the value below
            if not (colon and key in _PLAIN_KEYS):  # not a simple key seen before
                key, text, plain = _split_key(first)
                if plain and key[0] in resolvers:
                    key = self.plain(key)  # ``yes:`` is a bool key, ``null:`` a None key
                    if type(key) is not str:
                        raise _NotSimple
            elif key[0] in resolvers and key not in known and type(self.plain(key)) is not str:
                raise _NotSimple
            if key in data:
                raise _NotSimple
            i += 1
            if (
                text and text[0] not in _INDICATORS and ": " not in text and " #" not in text
                and text[-1] not in ": " and (i == n or indents[i] <= m)
            ):  # fmt: skip
                # Most values of a page (a one-line plain scalar): done here, without a call.
                data[key] = text if text[0] not in resolvers or text in known else self.plain(text)
            else:
                self.i = i
                data[key] = self.block(m) if text is None else self.inline(text, m)
                i = self.i
            first = None
        self.i = i
        if i < n and indents[i] > m:
            raise _NotSimple  # a deeper line that belongs to nothing
        return data

    def block(self, m: int) -> Any:
        """The value of ``key:`` at column ``m`` with nothing after the colon."""
        if self.i >= len(self.lines):
            return self.plain("")
        indent, line = self.indents[self.i], self.lines[self.i]
        is_item = line.startswith("- ", indent)
        if indent < m or (indent == m and not is_item):
            return self.plain("")  # nothing: null
        if is_item:  # at column m, a list "indentless" under its key
            return self.sequence(indent, block=m if indent == m else indent)
        return self.mapping(indent)

    def sequence(self, s: int, block: int) -> list[Any]:
        """``- `` items at column ``s``."""
        lines, indents, resolvers, known = self.lines, self.indents, self.resolvers, self.known
        n = len(lines)
        dash = " " * s + "- "
        items: list[Any] = []
        i = self.i
        while i < n and lines[i].startswith(dash):
            self.i = i
            if i >= self.one_by_one and self.plain_items(s, block, items):
                i = self.i
                continue
            text = lines[i][s + 2 :]
            i += 1
            if text and _one_line_plain(text) and (i == n or indents[i] <= block):
                # Most items of a page (its keywords): done here, without a call.
                items.append(
                    text if text[0] not in resolvers or text in known else self.plain(text)
                )
                continue
            if _KEY.match(text):
                self.i = i - 1
                items.append(self.mapping(s + 2, first=text))
            else:
                self.i = i
                items.append(self.inline(text, block))
            i = self.i
        self.i = i
        return items

    def plain_items(self, s: int, block: int, items: list[Any]) -> bool:
        """Read a run of one-line plain ``- item`` lines at column ``s`` in one go; False if none.

        Most lines of a page are such items (its keywords). One regular expression
        finds the run, two substring searches check it and one split cuts it, in C
        instead of line by line in Python. Items with a ":" are not in a run (item
        mappings start so); a run that needs the line-by-line rules (an item with " #"
        in it or a space at the end) is left to them, as is an item the next line
        continues (a line deeper than ``block``).
        """
        i = self.i
        match = _item_run(s).match(self.text, self.starts[i] + i)
        if match is None:
            return False
        run = match.group()
        count = run.count("\n")
        end = i + count
        if end < len(self.lines) and self.indents[end] > block:
            count -= 1  # the last item goes on over the next line
            run = run[: run.rfind("\n", 0, -1) + 1]
        if not count or " #" in run or " \n" in run:
            self.one_by_one = end
            return False
        texts = run[s + 2 : -1].split("\n" + " " * s + "- ")
        resolvers, known = self.resolvers, self.known
        if {text[0] for text in texts}.isdisjoint(resolvers):
            items += texts
        else:
            items += [
                text if text[0] not in resolvers or text in known else self.plain(text)
                for text in texts
            ]
        self.i = i + count
        return True

    # -- scalars -------------------------------------------------------------------
    def inline(self, text: str, block: int) -> Any:
        """A value that starts on a key or item line (already consumed)."""
        head = text[:1]
        if head == "'":
            return self.quoted(text[1:], block)
        if text in ("|-", "|"):
            return self.literal(block, keep_last_break=text == "|")
        if text in ("[]", "{}"):
            return [] if text == "[]" else {}
        if (
            not text
            or head in _INDICATORS
            and not (head == "-" and text[1:2] not in ("", " ", "-"))
        ):
            raise _NotSimple
        _check_plain_line(text)
        # The scalar goes on over the deeper lines that follow, folded with single spaces.
        i = end = self.i
        indents = self.indents
        while end < len(indents) and indents[end] > block:
            end += 1
        if end == i:
            return self.plain(text)
        more = self.lines[i:end]
        joined = "\n".join(more) + "\n"
        # All at once: no ": " or " #" (a comment, also at a line's start: lines are
        # indented), no line ending in ":" or a space (nor a line of spaces).
        if ": " in joined or " #" in joined or ":\n" in joined or " \n" in joined:
            raise _NotSimple
        self.i = end
        return self.plain(" ".join([text, *self.stripped[i:end]]))

    def quoted(self, text: str, block: int) -> str:
        """A single-quoted scalar after its opening quote; it may go on over deeper lines."""
        parts = []
        while True:
            end = _closing_quote(text)
            if end >= 0:
                if text[end + 1 :] or (parts and end == 0):
                    raise _NotSimple
                parts.append(text[:end].replace("''", "'"))
                return " ".join(parts)
            if not text.strip(" ") or text.endswith(" "):
                raise _NotSimple  # blank parts and trailing spaces fold in subtler ways
            parts.append(text.replace("''", "'"))
            if self.i >= len(self.lines) or self.indents[self.i] <= block:
                raise _NotSimple
            text = self.stripped[self.i]
            self.i += 1

    def literal(self, block: int, *, keep_last_break: bool) -> str:
        """A ``|-`` (or ``|``) block: the following deeper lines, indentation removed."""
        lines, indents = self.lines, self.indents
        if self.i >= len(lines) or indents[self.i] <= block:
            raise _NotSimple
        column = indents[self.i]
        parts = []
        while self.i < len(lines) and indents[self.i] >= column:
            line = lines[self.i]
            if len(line) == indents[self.i]:
                raise _NotSimple  # a line of spaces only
            parts.append(line[column:])
            self.i += 1
        return "\n".join(parts) + ("\n" if keep_last_break else "")

    def plain(self, value: str) -> Any:
        """A plain scalar typed as PyYAML's resolver types it (only str, null, bool, int, float)."""
        if value in self.known:
            return value
        for tag, regexp in self.resolvers.get(value[:1], ()):
            if regexp.match(value):
                construct = _SCALARS.get(tag)
                if construct is None:
                    if tag == _STR:
                        break
                    raise _NotSimple
                return construct(_CONSTRUCTOR, ScalarNode(tag, value))
        if len(value) <= 64 and len(self.known) < 100_000:
            self.known.add(value)
        return value


# A line's first value character that needs no check: no indicator, no space.
_PLAIN_START = "[^\n" + re.escape("".join(sorted(_INDICATORS))) + "]"


@lru_cache(maxsize=32)
def _item_run(s: int) -> re.Pattern[str]:
    """Consecutive ``- item`` lines at column ``s`` whose items start like plain text, without ":"."""
    return re.compile(f"(?: {{{s}}}- {_PLAIN_START}[^\n:]*\n)+")


# Plain scalars that a table of implicit resolvers leaves str, found before: most keys and
# many values recur on every page ("figid", "Figure", "NA") and would go through the
# same regular expressions each time. One set per table; resolvers are only ever
# added to a table (PyYAML's add_implicit_resolver), which starts a new set.
_KNOWN_STR: dict[int, tuple[dict[Any, Any], int, set[str]]] = {}


def _known_str(resolvers: dict[Any, list[Any]]) -> set[str]:
    size = sum(map(len, resolvers.values()))
    entry = _KNOWN_STR.get(id(resolvers))
    if entry is None or entry[0] is not resolvers or entry[1] != size:
        entry = _KNOWN_STR[id(resolvers)] = (resolvers, size, set())
    return entry[2]


def _split_key(line: str) -> tuple[str, str | None, bool]:
    """(key, text after ": ", whether the key is plain) of a key line; text is None after a final ":"."""
    match = _KEY.match(line)
    if match is None:
        raise _NotSimple
    plain, quoted, text = match.groups()
    if quoted is not None:
        return quoted, text, False
    if len(_PLAIN_KEYS) < 10_000:
        _PLAIN_KEYS.add(plain)
    return plain, text, True


def _one_line_plain(text: str) -> bool:
    """A non-empty plain scalar that needs no checks: no indicator first, no ': ' or ' #', no ':' or ' ' last."""
    return (
        text[0] not in _INDICATORS
        and ": " not in text
        and " #" not in text
        and text[-1] not in ": "
    )


def _check_plain_line(text: str) -> None:
    """One line of a plain scalar: nothing that ends it early or is trimmed away."""
    if ": " in text or " #" in text or text[-1] in (":", " "):
        raise _NotSimple


def _closing_quote(text: str) -> int:
    """Index of the quote that closes a single-quoted scalar ('' is a quote), or -1."""
    end = text.find("'")
    while end >= 0 and text[end + 1 : end + 2] == "'":
        end = text.find("'", end + 2)
    return end
