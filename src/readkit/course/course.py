"""The Course: made once from a course folder, it is the only code that opens a file under data/.

    course = Course.open("path/to/course")   # instructor side: nbgrader_config.py and data/
    course = Course.default()                # learner side (a notebook): see `default`

Everything that loads, grades, releases or reports takes a Course explicitly: no process-wide
environment changes, no chdir, no walking up from the working directory. The csv module reads
the files (kernels that only show a widget or grade never import pandas); the `load_*` methods
give DataFrames for lessons and reports.
"""

from __future__ import annotations

import csv
import os
import tomllib
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import NamedTuple

from readkit.course.key import ASSESSMENT, KEY_COLUMNS, KeyEntry, check_split, parse_key
from readkit.course.sections import Section, parse_sections, units_in_paragraphs
from readkit.course.settings import Settings, parse_settings

CONFIG_FILE = "nbgrader_config.py"
SETTINGS_FILE = "readkit.toml"
DATA = "data"
# Set by a hub image or the grading sandbox: the course (or learner-data) folder for notebooks.
COURSE_VARIABLE = "READKIT_COURSE"
# The learner wheel carries the learner-safe data here (no assessment key).
PACKAGED_DATA = Path(__file__).resolve().parents[1] / "_data"
# This package's own source checkout (an editable install inside the course repository).
CHECKOUT = Path(__file__).resolve().parents[3]


class CourseError(RuntimeError):
    """The course or one of its files is missing or unreadable; the message says what to do."""


class Unit(NamedTuple):
    """One unit of the article: a sentence, quotation, caption or headline (units.csv)."""

    unit_id: str
    paragraph: int
    text: str


@dataclass(frozen=True)
class Layout:
    """The course's folders and gradebook, as nbgrader_config.py defines them (nbgrader's
    defaults where it does not)."""

    root: Path
    course_id: str
    source: Path
    release: Path
    submitted: Path
    autograded: Path
    feedback: Path
    exchange: Path | None
    db_url: str

    @property
    def reports(self) -> Path:
        """readkit's own outputs (grades.csv, the class report) beside nbgrader's folders."""
        return self.submitted.parent / "reports"


def _read_layout(root: Path) -> Layout:
    from traitlets.config.loader import ConfigFileNotFound, PyFileConfigLoader

    try:
        config = PyFileConfigLoader(CONFIG_FILE, path=str(root)).load_config()
    except ConfigFileNotFound:
        raise CourseError(f"{root} has no {CONFIG_FILE}: it is not a course folder.") from None
    except Exception as error:  # noqa: BLE001 (any error in the instructor's config file)
        raise CourseError(f"{root / CONFIG_FILE} could not be read: {error}") from None
    course = config.get("CourseDirectory", {})
    exchange = config.get("Exchange", {}).get("root")

    def folder(name: str, default: str) -> Path:
        return root / str(course.get(name) or default)

    return Layout(
        root=root,
        course_id=str(course.get("course_id") or ""),
        source=folder("source_directory", "source"),
        release=folder("release_directory", "release"),
        submitted=folder("submitted_directory", "submitted"),
        autograded=folder("autograded_directory", "autograded"),
        feedback=folder("feedback_directory", "feedback"),
        exchange=Path(exchange) if exchange else None,
        db_url=str(course.get("db_url") or f"sqlite:///{root / 'gradebook.db'}"),
    )


class Course:
    """A course folder (nbgrader_config.py, data/, solutions/, ...) or a learner-data folder.

    Files are read once per Course, on first use. Make a new Course to see edited files.
    """

    def __init__(self, root: Path | str, data: Path | str | None = None) -> None:
        self.root = Path(root).expanduser().resolve()
        self.data = Path(data).resolve() if data is not None else self.root / DATA

    def __repr__(self) -> str:
        return f"Course({str(self.root)!r})"

    # -- finding a course ------------------------------------------------------------------

    @classmethod
    def open(cls, root: Path | str) -> Course:
        """The course at `root`, checked: it needs nbgrader_config.py and data/."""
        course = cls(root)
        if not (course.root / CONFIG_FILE).is_file() or not course.data.is_dir():
            raise CourseError(
                f"{course.root} is not a course folder (it needs {CONFIG_FILE} and {DATA}/). "
                "Run the command from the course folder or pass --course DIR."
            )
        return course

    @classmethod
    def default(cls) -> Course:
        """The course a notebook works on: $READKIT_COURSE when set (a hub image, the grading
        sandbox), else the repository this package was installed from (`make lab`), else the
        learner-safe data shipped inside the package (a learner's installed wheel)."""
        configured = os.environ.get(COURSE_VARIABLE)
        if configured:
            course = cls(configured)
            if not course.data.is_dir():
                raise CourseError(
                    f"{COURSE_VARIABLE}={configured} has no {DATA}/ folder. Point it at the "
                    "course folder, or unset it."
                )
            return course
        if (CHECKOUT / CONFIG_FILE).is_file() and (CHECKOUT / DATA).is_dir():
            return cls(CHECKOUT)
        if PACKAGED_DATA.is_dir():
            return cls(PACKAGED_DATA.parent, PACKAGED_DATA)
        raise CourseError(
            "No course data found: this readkit has no data of its own. Install the learner "
            f"package (it ships the article), or set {COURSE_VARIABLE} to the course folder."
        )

    # -- files -------------------------------------------------------------------------------

    def file(self, name: str) -> Path:
        path = self.data / name
        if not path.is_file():
            raise CourseError(
                f"{name} is missing from {self.data}. Restore it from the course repository "
                "(git checkout data/)."
            )
        return path

    def rows(self, name: str) -> list[dict[str, str]]:
        """A CSV file of data/ as plain rows of strings, in file order."""
        with self.file(name).open(encoding="utf-8", newline="") as handle:
            return list(csv.DictReader(handle))

    @cached_property
    def layout(self) -> Layout:
        return _read_layout(self.root)

    @cached_property
    def settings(self) -> Settings:
        """readkit.toml at the course root (defaults without one); raises CourseError on a
        file that is not valid."""
        path = self.root / SETTINGS_FILE
        if not path.is_file():
            return Settings()
        try:
            return parse_settings(tomllib.loads(path.read_text(encoding="utf-8")))
        except (UnicodeDecodeError, tomllib.TOMLDecodeError, ValueError) as error:
            raise CourseError(f"{path} is not valid ({error}); fix it.") from None

    # -- the article -----------------------------------------------------------------------

    @cached_property
    def article(self) -> str:
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
                "Unit ids look like 'p07s2' (paragraph 7, sentence 2); see data/units.csv or "
                "readkit.load_units() for the list."
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
        path = self.file("key.csv")
        with path.open(encoding="utf-8", newline="") as handle:
            rows = csv.reader(handle)
            header = next(rows, [])
            try:
                id_column, split_column = header.index("unit_id"), header.index("split")
            except ValueError:
                raise CourseError(
                    f"{path} needs the columns unit_id and split (found: {', '.join(header)})."
                ) from None
            return [row[id_column] for row in rows
                    if len(row) > split_column and row[split_column] == split]

    # -- sections ----------------------------------------------------------------------------

    @cached_property
    def _sections(self) -> tuple[Section, ...]:
        return tuple(parse_sections(self.rows("sections.csv")))

    def sections(self, assignment: str | None = None) -> list[Section]:
        """The graded sections of data/sections.csv (all, or one assignment's), checked."""
        return [s for s in self._sections if assignment is None or s.assignment == assignment]

    def section(self, assignment: str, name: str) -> Section:
        sections = self.sections(assignment)
        for found in sections:
            if found.section == name:
                return found
        names = ", ".join(s.section for s in sections) or "none"
        raise CourseError(
            f"data/sections.csv has no section {name!r} for {assignment!r} (it has: {names})."
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
        import pandas as pd

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
