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


def read_units() -> list[dict]:
    """units.csv as plain dicts (unit_id, paragraph as int, text) in reading order. The csv
    module only: kernels that just show a widget or grade a cell never import pandas."""
    with data_file("units.csv").open(encoding="utf-8", newline="") as handle:
        return [
            {"unit_id": row["unit_id"], "paragraph": int(row["paragraph"]), "text": row["text"]}
            for row in csv.DictReader(handle)
        ]


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
