"""Opening figure pages and ``_data`` tables as text, whatever is found under their names.

A name in a figures folder can be a broken or looping symbolic link, a folder, a
FIFO (opening one for reading would wait for a writer) or a file the process may
not read. :func:`open_text` opens without blocking and accepts regular files
only; everything else raises ``OSError`` with a reason that names what was found,
which the callers turn into a load report row.
"""

from __future__ import annotations

import os
import stat
from typing import IO

from ..._util.files import decode_error_line

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
