"""The learner-side copy of a course's data: what a learner's package and a grading sandbox get.

For every article of data/articles.csv (the index is copied too): the article, units, sources,
claims, sections and checksum, and key.csv with the practice rows
whole and, for assessment rows, only the unit id and the split (which units a graded part covers
is not secret; their labels are): assessment labels and rationales stay with the instructor.
A draft row (key.csv's status column, readkit.course.key) is the rules' guess, not the key: it
is copied like an assessment row, and the status column is left out.
Used by the wheel's build hook (tools/hatch_learner_data.py) and by the sandboxed autograde.
"""

import shutil
from pathlib import Path

from readkit.course.key import KEY_COLUMNS, PRACTICE, is_draft
from readkit.course.tables import read_table, write_table

PUBLIC_FILES = ("article.txt", "units.csv", "sources.csv", "claims.csv", "sections.csv",
                "checksum.sha256")
ARTICLES, INDEX = "articles", "articles.csv"  # as in readkit.course.course
KEY_FILE = "key.csv"


def _learner_row(row: dict[str, str]) -> dict[str, str]:
    if row["split"] == PRACTICE and not is_draft(row):
        return row
    return {name: (value if name in ("unit_id", "split") else "") for name, value in row.items()}


def write_practice_key(source: Path, target: Path) -> None:
    write_table(target, KEY_COLUMNS, [_learner_row(row) for row in read_table(source).rows])


def write_article_files(folder: Path, target: Path) -> list[Path]:
    """Copy the learner-safe files of one article folder into `target` (created)."""
    target.mkdir(parents=True, exist_ok=True)
    for name in PUBLIC_FILES:
        if (folder / name).is_file():
            shutil.copyfile(folder / name, target / name)
    if (folder / KEY_FILE).is_file():
        write_practice_key(folder / KEY_FILE, target / KEY_FILE)
    return sorted(target.iterdir())


def write_learner_files(data: Path, target: Path) -> list[Path]:
    """The learner-safe copy of the data folder `data` in `target` (created): the index and
    every article it lists. Returns every file written."""
    target.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(data / INDEX, target / INDEX)
    slugs = read_table(data / INDEX).column("slug")
    written = [target / INDEX]
    for slug in slugs:
        written += write_article_files(data / ARTICLES / slug, target / ARTICLES / slug)
    return written


def write_learner_data(course, folder: Path) -> Path:
    """A learner-data course folder for `course` (a readkit Course): folder/data/..."""
    write_learner_files(course.data, folder / "data")
    return folder
