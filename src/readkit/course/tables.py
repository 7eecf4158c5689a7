"""The CSV files of the data contract (data/articles.csv and each article's units.csv, key.csv,
sources.csv, claims.csv, sections.csv, hard_cases.csv), read and written here and nowhere else.

    table = read_table(path)        # header, and rows numbered as a spreadsheet shows them
    for number, row in table.numbered(): ...
    write_table(path, columns, rows)   # temp file + rename: a reader never sees half a file

Reading: UTF-8 (a byte-order mark, as spreadsheets save it, is dropped), every value a string
(a short row's missing cells are ""), cells beyond the header dropped. A row's number is its
line in a spreadsheet: the header is row 1, so messages name the row the editor sees. Writing:
"\n" line ends, the csv module's quoting, and the answers store's atomic write.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from readkit.course.answers import write_text_atomic

FIRST_ROW = 2  # the header is row 1


@dataclass(frozen=True)
class Table:
    """A CSV file as read: its header and its rows (column -> string), in file order."""

    path: Path
    header: tuple[str, ...]
    rows: tuple[dict[str, str], ...]

    def numbered(self) -> Iterator[tuple[int, dict[str, str]]]:
        """(row number as a spreadsheet shows it, row) for every data row."""
        return enumerate(self.rows, start=FIRST_ROW)

    def column(self, name: str) -> list[str]:
        return [row.get(name, "") for row in self.rows]

    def missing(self, required: Iterable[str]) -> list[str]:
        """The required columns the header lacks."""
        return [name for name in required if name not in self.header]


def parse_table(text: str, path: Path | str = "") -> Table:
    """A table from CSV text (what read_table reads from a file)."""
    reader = csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline=""))
    header = tuple(next(reader, []))
    rows = tuple({name: (cells[i] if i < len(cells) else "") for i, name in enumerate(header)}
                 for cells in reader if cells)
    return Table(Path(path), header, rows)


def read_table(path: Path | str) -> Table:
    """The CSV file at `path` (FileNotFoundError when there is none: the caller says what to
    do)."""
    with Path(path).open(encoding="utf-8", newline="") as handle:
        return parse_table(handle.read(), path)


def table_text(columns: Sequence[str], rows: Iterable[Mapping[str, object] | Sequence]) -> str:
    """CSV text: the header, then each row (a mapping by column name, or a sequence in column
    order). Values are written with str(); a mapping's missing columns are written empty."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        if isinstance(row, Mapping):
            writer.writerow(["" if row.get(c) is None else str(row.get(c)) for c in columns])
        else:
            writer.writerow(["" if value is None else str(value) for value in row])
    return out.getvalue()


def write_table(path: Path | str, columns: Sequence[str],
                rows: Iterable[Mapping[str, object] | Sequence] = ()) -> None:
    """Write the table atomically (temp file in the same folder, then rename)."""
    write_text_atomic(path, table_text(columns, rows))


# -- the contract's files and their columns (data/README.md) -------------------------------------

INDEX_FILE, INDEX_COLUMNS = "articles.csv", ("slug", "title")
UNITS_COLUMNS = ("unit_id", "paragraph", "text")
SOURCES_COLUMNS = ("source_id", "name", "kind", "date", "citation")
CLAIMS_COLUMNS = ("claim_id", "unit_id", "value", "unit", "counts_what", "event", "reported_by")
HARD_CASES_COLUMNS = ("unit_id", "case")
