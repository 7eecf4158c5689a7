"""One article of a course: its folder under data/articles/<slug>/ and the files of the data
contract in it (article.txt, units.csv, key.csv, sources.csv, claims.csv, sections.csv,
checksum.sha256). Made by `Course.article(slug)`; read once, on first use. Its CSV files are read
with readkit.course.tables (the one reader of the contract's files); `readkit validate` reads
them through here too (`table`, `data`), with row numbers for its messages.

Unit ids are unique within an article (two articles may both have a p01s1): an answers file
names its article, and a graded assignment belongs to the article whose sections.csv names it.
"""

from __future__ import annotations

from functools import cached_property
from pathlib import Path
from typing import NamedTuple

from readkit.course.errors import CourseError
from readkit.course.key import ASSESSMENT, KEY_COLUMNS, KeyEntry, check_split, parse_key
from readkit.course.sections import Section, parse_sections, units_in_paragraphs
from readkit.course.tables import Table, read_table

SECTIONS_FILE = "sections.csv"
NO_PANDAS = (
    "This needs pandas (readkit's load_* helpers give pandas tables), and pandas is not "
    "installed here. The browser version of the course cannot run it: open this lesson with "
    "`make lab` (the course's README says how). Elsewhere: pip install pandas."
)


class Unit(NamedTuple):
    """One unit of the article: a sentence, quotation, caption or headline (units.csv)."""

    unit_id: str
    paragraph: int
    text: str


class Article:
    """The files of one article folder. Make a new Article (a new Course) to see edited files."""

    def __init__(self, folder: Path, slug: str, title: str = "") -> None:
        self.folder = Path(folder)
        self.slug = slug
        self.title = title or slug

    def __repr__(self) -> str:
        return f"Article({self.slug!r})"

    # -- files -------------------------------------------------------------------------------

    def file(self, name: str) -> Path:
        path = self.folder / name
        if not path.is_file():
            raise CourseError(
                f"{name} is missing from {self.folder}. Restore it from the course repository "
                "(git checkout data/)."
            )
        return path

    def has(self, name: str) -> bool:
        return (self.folder / name).is_file()

    def table(self, name: str) -> Table:
        """A CSV file of the article folder: its header and numbered rows (tables.Table)."""
        return read_table(self.file(name))

    def rows(self, name: str) -> list[dict[str, str]]:
        """A CSV file of the article folder as plain rows of strings, in file order."""
        return list(self.table(name).rows)

    def data(self, name: str) -> bytes:
        """A file of the article folder byte for byte (article.txt for its checksum)."""
        return self.file(name).read_bytes()

    # -- the text -----------------------------------------------------------------------

    @cached_property
    def text(self) -> str:
        """The article exactly as published (typos and markup included)."""
        return self.file("article.txt").read_text(encoding="utf-8")

    @cached_property
    def units(self) -> tuple[Unit, ...]:
        """units.csv in reading order."""
        return tuple(Unit(row["unit_id"], int(row["paragraph"]), row["text"])
                     for row in self.rows("units.csv"))

    @cached_property
    def unit_paragraphs(self) -> dict[str, int]:
        """unit_id -> paragraph, in reading order."""
        return {unit.unit_id: unit.paragraph for unit in self.units}

    def select_units(self, units=None) -> list[Unit]:
        """The units asked for, always in reading order.

        units: None (the whole article), one unit id ("p16s2"), a list of ids, or a paragraph
        range: the inclusive tuple (8, 10) or range(8, 11). Bad input raises with a message
        saying what to pass instead.
        """
        article = self.units
        if units is None:
            return list(article)
        if isinstance(units, range) or (
            isinstance(units, tuple) and len(units) == 2 and all(type(n) is int for n in units)
        ):
            return self._paragraph_range(units)
        if isinstance(units, str):
            units = [units]
        try:
            wanted = [str(unit_id) for unit_id in units]
        except TypeError:
            raise TypeError(
                "units must be None, a list of unit ids such as ['p07s2', 'p09s1'], or a "
                f"paragraph range such as (1, 12) or range(1, 13); got {type(units).__name__}."
            ) from None
        if not wanted:
            raise ValueError("No units given (units is empty): pass at least one unit id or a "
                             "paragraph range such as (1, 12).")
        unknown = [u for u in dict.fromkeys(wanted) if u not in self.unit_paragraphs]
        if unknown:
            raise ValueError(
                f"Unknown unit id{'s' if len(unknown) > 1 else ''}: {', '.join(unknown)}. "
                "Unit ids look like 'p07s2' (paragraph 7, sentence 2); see the article's "
                "units.csv or readkit.load_units() for the list."
            )
        chosen = set(wanted)
        return [unit for unit in article if unit.unit_id in chosen]

    def _paragraph_range(self, units: tuple[int, int] | range) -> list[Unit]:
        paragraphs = units if isinstance(units, range) else range(units[0], units[1] + 1)
        chosen = [unit for unit in self.units if unit.paragraph in paragraphs]
        if not chosen:
            last = max((unit.paragraph for unit in self.units), default=0)
            shown = (f"{paragraphs.start} to {paragraphs[-1]}"
                     if paragraphs.step == 1 and len(paragraphs) else str(list(paragraphs)))
            raise ValueError(
                f"No units in paragraphs {shown}: the article has paragraphs 1 to {last}. "
                "Pass (first, last) with numbers in that range."
            )
        return chosen

    # -- the key -----------------------------------------------------------------------------

    @cached_property
    def _key(self) -> dict[str, KeyEntry]:
        return parse_key(self.rows("key.csv"))

    def key(self, split: str | None = None) -> dict[str, KeyEntry]:
        """unit_id -> KeyEntry in reading order, optionally for one split only. A learner's
        package has labels for the practice rows only: its assessment rows have none and are
        left out."""
        check_split(split)
        return {u: e for u, e in self._key.items()
                if e.label and (split is None or e.split == split)}

    def split_unit_ids(self, split: str) -> list[str]:
        """The unit ids of one split, from key.csv's unit_id and split columns only: labels and
        rationales are never read (the assessment-mode Sorter uses this)."""
        check_split(split)
        table = self.table("key.csv")
        if table.missing(("unit_id", "split")):
            raise CourseError(f"{table.path} needs the columns unit_id and split (found: "
                              f"{', '.join(table.header)}).")
        return [row["unit_id"] for row in table.rows if row["split"] == split]

    # -- sections ----------------------------------------------------------------------------

    @cached_property
    def _sections(self) -> tuple[Section, ...]:
        # Required (header only when the article has no assignment yet): a missing file is a
        # broken course, not an article without graded parts.
        return tuple(parse_sections(self.rows(SECTIONS_FILE)))

    def sections(self, assignment: str | None = None) -> list[Section]:
        """The graded sections of this article's sections.csv (all, or one assignment's),
        checked."""
        return [s for s in self._sections if assignment is None or s.assignment == assignment]

    def section(self, assignment: str, name: str) -> Section:
        sections = self.sections(assignment)
        for found in sections:
            if found.section == name:
                return found
        names = ", ".join(s.section for s in sections) or "none"
        raise CourseError(
            f"{self.folder.name}/sections.csv has no section {name!r} for {assignment!r} "
            f"(it has: {names})."
        )

    def section_units(self, section: Section) -> list[str]:
        """The units a section grades: the assessment units in its paragraph range, in reading
        order. Read from key.csv's split column only (learner side has no assessment labels)."""
        assessment = set(self.split_unit_ids(ASSESSMENT))
        return [u for u in units_in_paragraphs(section, self.unit_paragraphs) if u in assessment]

    # -- sources and claims ------------------------------------------------------------------

    def claims(self) -> list[dict[str, str]]:
        """claims.csv as plain rows (strings), in file order."""
        return self.rows("claims.csv")

    # -- DataFrames for lessons and reports ----------------------------------------------------

    def _frame(self, name: str, dtypes: dict[str, str]):
        try:
            import pandas as pd
        except ImportError:  # the browser version of the course (Pyodide) has no pandas
            raise ModuleNotFoundError(NO_PANDAS, name="pandas") from None

        # keep_default_na=False: an empty cell is an empty string, never NaN.
        return pd.read_csv(self.file(name), dtype=dtypes, keep_default_na=False)

    def load_units(self):
        """unit_id, paragraph, text in reading order."""
        return self._frame("units.csv",
                           {"unit_id": "string", "paragraph": "int64", "text": "string"})

    def load_sources(self):
        """source_id, name, kind, date, citation for every source the article draws on."""
        columns = ("source_id", "name", "kind", "date", "citation")
        return self._frame("sources.csv", dict.fromkeys(columns, "string"))

    def load_claims(self):
        """Every number in the article: what it counts, for which event, reported by whom."""
        strings = ("claim_id", "unit_id", "unit", "counts_what", "event", "reported_by")
        return self._frame("claims.csv",
                           {**dict.fromkeys(strings, "string"), "value": "float64"})

    def load_key(self, split: str | None = None):
        """The key as a DataFrame (all columns as strings), optionally for one split only."""
        check_split(split)
        key = self._frame("key.csv", dict.fromkeys(KEY_COLUMNS, "string"))
        return key if split is None else key[key["split"] == split].reset_index(drop=True)
