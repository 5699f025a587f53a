"""The command line's input files: gene lists, ``--queries``, ``--library``, ``--background``.

Each problem a user can fix is an :class:`InputError` whose message names the
file and the flag, in command-line terms; ``main`` prints it as one line.
"""

from __future__ import annotations

import gzip
import sys
from pathlib import Path

import pandas as pd

from ..io import read_gmt, sample_library
from ..library import GeneSetLibrary

__all__ = [
    "InputError",
    "background",
    "load_library",
    "read_gene_list",
    "read_query_table",
    "read_text",
]

_SPREADSHEETS = (".xlsx", ".xlsm", ".xls", ".ods")
_ZIP_MAGIC = b"PK\x03\x04"  # .xlsx, .ods and .zip files all start so
_SNIFFED_LINES = 5  # lines looked at to tell a two-column table from a GMT
_SNIFFED_BYTES = 1 << 16  # bytes read for those lines


class InputError(ValueError):
    """A problem with the command line's inputs (reported as one line, exit code 2)."""


def read_text(source: str, what: str) -> str:
    """The text of ``source`` ('-' is standard input; ``.gz`` is decompressed).

    A spreadsheet or another binary file is an InputError that says what to do,
    rather than a decoding error.
    """
    if source == "-":
        return sys.stdin.read()
    path = Path(source)
    raw = path.read_bytes()
    if source.lower().endswith(".gz"):
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError) as exc:
            raise InputError(f"{what} {source}: not a readable .gz file ({exc})") from None
    if path.suffix.lower() in _SPREADSHEETS or raw.startswith(_ZIP_MAGIC):
        raise InputError(
            f"{what} {source} is a spreadsheet (or another zip file), not text: save the "
            "gene column as .txt or .csv (one gene per line) and pass that file"
        )
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(
            f"{what} {source} is not UTF-8 text (byte {exc.start}); pass a text file"
        ) from None


def read_gene_list(source: str, *, what: str = "gene list") -> list[str]:
    """Genes from a file (or stdin for '-'): whitespace, comma or tab separated; '#' comments.

    A list with no gene is an InputError naming the file.
    """
    genes: list[str] = []
    for line in read_text(source, what).splitlines():
        line = line.split("#", 1)[0]
        genes.extend(tok for tok in line.replace(",", " ").split() if tok)
    if not genes:
        name = "standard input" if source == "-" else source
        raise InputError(f"{what} {name} holds no gene (one gene per line; '#' starts a comment)")
    return genes


def _read_query_gmt(path: str) -> pd.DataFrame:
    """A GMT of queries as a long (query, gene) table, every list in its file order.

    Repeated genes stay, so the mapping report names the later copy as the duplicate.
    """
    rows: list[tuple[str, str]] = []
    first_line: dict[str, int] = {}
    for number, line in enumerate(read_text(path, "--queries").splitlines(), start=1):
        if not line.strip():
            continue
        fields = line.split("\t")
        name = fields[0].strip()
        if len(fields) < 3 or not name:
            raise InputError(
                f"--queries {path}, line {number}: expected name<TAB>description<TAB>genes..., "
                f"got {len(fields)} field(s)"
            )
        if name in first_line:
            raise InputError(
                f"--queries {path}, line {number}: query {name!r} was already named on line "
                f"{first_line[name]}"
            )
        first_line[name] = number
        rows.extend((name, gene.strip()) for gene in fields[2:] if gene.strip())
    if not rows:
        raise InputError(f"--queries {path}: no (query, gene) rows")
    return pd.DataFrame(rows, columns=["query", "gene"])


def read_query_table(path: str) -> pd.DataFrame:
    """``--queries``: a GMT or a long (query, gene) table, as a table in file order."""
    if not Path(path).exists():
        raise FileNotFoundError(f"no such queries file: {path}")
    lower = path.lower()
    if lower.endswith((".gmt", ".gmt.gz")):
        return _read_query_gmt(path)
    read_text(path, "--queries")  # a spreadsheet or binary file: a clear error first
    sep = "," if lower.endswith((".csv", ".csv.gz")) else "\t"
    raw = pd.read_csv(
        path,
        sep=sep,
        header=None,
        dtype=str,
        comment="#",
        skip_blank_lines=True,
        keep_default_na=False,
    )
    if raw.shape[1] < 2:
        raise InputError(
            f"--queries {path}: expected a GMT (.gmt) or a two-column table query<TAB>gene, "
            f"got {raw.shape[1]} column(s)"
        )
    first = [str(v).strip().lower() for v in raw.iloc[0]]
    if "query" in first and "gene" in first:
        table = raw.iloc[1:].rename(
            columns={first.index("query"): "query", first.index("gene"): "gene"}
        )
    else:
        table = raw.rename(columns={0: "query", 1: "gene"})
    table = table[["query", "gene"]]
    no_query = table["query"].str.strip() == ""
    no_gene = table["gene"].str.strip() == ""
    if (no_query & ~no_gene).any():
        first = table.loc[no_query & ~no_gene, "gene"].iloc[0]
        raise InputError(
            f"--queries {path}: {int((no_query & ~no_gene).sum())} row(s) name a gene but no "
            f"query (the first: {first!r})"
        )
    # A row with a query and no gene stays: a query of blanks only is reported, not lost.
    table = table[~no_query]
    if table.empty:
        raise InputError(f"--queries {path}: no (query, gene) rows")
    return table


def _looks_like_two_columns(path: Path) -> bool:
    """Whether the first lines of a would-be GMT have exactly two tab or comma separated fields.

    Reads only the file's head (a GMT can be large); a spreadsheet is an InputError.
    """
    opener = gzip.open if path.name.lower().endswith(".gz") else open
    with opener(path, "rb") as fh:
        head = fh.read(_SNIFFED_BYTES)
    if path.suffix.lower() in _SPREADSHEETS or head.startswith(_ZIP_MAGIC):
        raise InputError(
            f"--library {path} is a spreadsheet (or another zip file): give a GMT, "
            "figure pages or a saved .npz"
        )
    lines = head.decode("utf-8", "replace").splitlines()
    if len(head) == _SNIFFED_BYTES:
        lines = lines[:-1]  # cut at the byte limit
    lines = [line for line in lines if line.strip()][:_SNIFFED_LINES]
    sep = "," if path.name.lower().endswith((".csv", ".csv.gz")) else "\t"
    return bool(lines) and all(len(line.split(sep)) == 2 for line in lines)


def load_library(spec: str | None) -> GeneSetLibrary:
    """The library named on the command line: default sample, figures, GMT or saved npz."""
    if spec is None:
        return sample_library()
    path = Path(spec)
    if path.is_dir() or path.suffix == ".md" or any(ch in spec for ch in "*?["):
        from ..io.figures import read_figures  # PyYAML only when pages are read

        return read_figures(spec)
    if not path.exists():
        raise FileNotFoundError(f"no such library file or folder: {spec}")
    if path.suffix == ".npz":
        return GeneSetLibrary.load(path)
    if not path.name.lower().endswith((".gmt", ".gmt.gz")) and _looks_like_two_columns(path):
        raise InputError(
            f"--library {spec} looks like a two-column table (set, gene), not a gene set "
            "library: give a GMT (one set per line: name<TAB>description<TAB>genes...), "
            "figure pages or a saved .npz (a query<TAB>gene table goes to --queries)"
        )
    return read_gmt(path)


def background(spec: str | None) -> list[str] | int | None:
    """``--background``: an integer N (a fixed universe size) or a file of genes."""
    if spec is None:
        return None
    if spec.isdigit() and not Path(spec).exists():
        return int(spec)
    return read_gene_list(spec, what="--background")
