"""The article and its annotation files. The only code that knows where data files live.

Data comes from the course's data/ folder (a course checkout, or $READKIT_COURSE); an installed
learner package falls back to the copy shipped inside it, which has no assessment key.
pandas is imported inside the loaders so that light callers (grading cells) never pay for it.
"""

import csv
from functools import cache
from pathlib import Path

from readkit.course import CourseNotFound, find_course_root

PACKAGED_DATA = Path(__file__).with_name("_data")


class DataFileMissing(FileNotFoundError):
    pass


def data_dir() -> Path:
    try:
        return find_course_root() / "data"
    except CourseNotFound:
        if PACKAGED_DATA.is_dir():
            return PACKAGED_DATA
        raise


def data_file(name: str) -> Path:
    path = data_dir() / name
    if not path.is_file():
        raise DataFileMissing(
            f"{name} is missing from {path.parent}. Restore it from the course repository "
            "(git checkout data/) or point READKIT_COURSE at a complete course folder."
        )
    return path


@cache
def _article_text(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def load_article() -> str:
    """The article exactly as published (typos and markup included)."""
    return _article_text(data_file("article.txt"))


@cache
def _units_rows(path: Path, _mtime_ns: int) -> tuple[dict, ...]:
    with path.open(encoding="utf-8", newline="") as handle:
        return tuple(
            {"unit_id": row["unit_id"], "paragraph": int(row["paragraph"]), "text": row["text"]}
            for row in csv.DictReader(handle)
        )


def read_units() -> list[dict]:
    """units.csv as plain dicts (unit_id, paragraph as int, text) in reading order. The csv
    module only: kernels that just show a widget or grade a cell never import pandas."""
    path = data_file("units.csv")
    return [dict(row) for row in _units_rows(path, path.stat().st_mtime_ns)]


def select_units(units=None) -> list[dict]:
    """The units asked for, as read_units() dicts, always in reading order.

    units: None (the whole article), one unit id ("p16s2"), a list of ids, or a paragraph range:
    the inclusive tuple (8, 10) or range(8, 11). Bad input raises with a message saying what
    to pass instead.
    """
    article = read_units()
    if units is None:
        return article
    if isinstance(units, range) or (
        isinstance(units, tuple) and len(units) == 2 and all(type(n) is int for n in units)
    ):
        paragraphs = units if isinstance(units, range) else range(units[0], units[1] + 1)
        chosen = [unit for unit in article if unit["paragraph"] in paragraphs]
        if not chosen:
            last = max((unit["paragraph"] for unit in article), default=0)
            shown = (f"{paragraphs.start} to {paragraphs[-1]}"
                     if paragraphs.step == 1 and len(paragraphs) else str(list(paragraphs)))
            raise ValueError(
                f"No units in paragraphs {shown}: the article has paragraphs 1 to {last}. "
                "Pass (first, last) with numbers in that range."
            )
        return chosen
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
    known = {unit["unit_id"] for unit in article}
    unknown = [unit_id for unit_id in dict.fromkeys(wanted) if unit_id not in known]
    if unknown:
        raise ValueError(
            f"Unknown unit id{'s' if len(unknown) > 1 else ''}: {', '.join(unknown)}. "
            "Unit ids look like 'p07s2' (paragraph 7, sentence 2); see data/units.csv or "
            "readkit.load_units() for the list."
        )
    chosen = set(wanted)
    return [unit for unit in article if unit["unit_id"] in chosen]


def _read_csv(name: str, dtypes: dict[str, str]):
    import pandas as pd

    # keep_default_na=False: an empty cell is an empty string, never NaN.
    return pd.read_csv(data_file(name), dtype=dtypes, keep_default_na=False)


def load_units():
    """unit_id, paragraph, text in reading order."""
    return _read_csv("units.csv", {"unit_id": "string", "paragraph": "int64", "text": "string"})


def load_sources():
    """source_id, name, kind, date, citation for every source the article draws on."""
    columns = ("source_id", "name", "kind", "date", "citation")
    return _read_csv("sources.csv", dict.fromkeys(columns, "string"))


def load_claims():
    """Every number in the article: what it counts, for which event, reported by whom."""
    strings = ("claim_id", "unit_id", "unit", "counts_what", "event", "reported_by")
    return _read_csv("claims.csv", {**dict.fromkeys(strings, "string"), "value": "float64"})
