"""Opening figure pages and ``_data`` tables as text, whatever is found under their names.

A name in a figures folder can be a broken or looping symbolic link, a folder, a
FIFO (opening one for reading would wait for a writer) or a file the process may
not read. :func:`open_text` opens without blocking and accepts regular files
only; everything else raises ``OSError`` with a reason that names what was found,
which the callers turn into a load report row.
"""

from __future__ import annotations

import codecs
import os
import re
import stat
from typing import IO

__all__ = ["decode_error_line", "open_text", "os_reason"]

# O_NONBLOCK: opening a FIFO returns at once (reads of regular files are not affected).
_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
_KINDS = (
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
)
_LINE_BREAK = re.compile(rb"\r\n|\r|\n")


class NotARegularFile(OSError):
    """The name exists but is not a regular file (after following symbolic links)."""


def open_text(path: str) -> IO[str]:
    """Open a regular file as UTF-8 text (BOM skipped, universal newlines).

    Raises
    ------
    OSError
        The file cannot be opened, or (:class:`NotARegularFile`) it is not a
        regular file; :func:`os_reason` says why in words.
    """
    fd = os.open(path, _FLAGS)
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            kind = next((name for test, name in _KINDS if test(mode)), "not a regular file")
            raise NotARegularFile(f"expected a regular file, got {kind}")
        return open(fd, encoding="utf-8-sig")  # noqa: SIM115 - the caller closes it
    except BaseException:
        os.close(fd)
        raise


def os_reason(exc: OSError) -> str:
    """Why a file could not be read, in words (``[Errno 13] Permission denied`` -> ``Permission denied``)."""
    if isinstance(exc, NotARegularFile):
        return str(exc)
    reason = exc.strerror or str(exc) or type(exc).__name__
    return f"cannot read the file: {reason}"


def decode_error_line(path: str, limit: int | None) -> int | None:
    """1-based line of the first byte that is not UTF-8 among the first ``limit`` bytes, if any.

    ``limit=None`` reads the whole file.

    Text-mode files decode 8 KB chunks, so the line being read when a decoding
    error is raised is not always the line of the bad byte; this finds the latter.
    """
    try:
        with open(path, "rb") as fh:
            data = fh.read(-1 if limit is None else limit)
    except OSError:
        return None
    start = 3 if data.startswith(codecs.BOM_UTF8) else 0
    try:
        data[start:].decode("utf-8")
    except UnicodeDecodeError as exc:
        return len(_LINE_BREAK.findall(data, start, start + exc.start)) + 1
    return None
