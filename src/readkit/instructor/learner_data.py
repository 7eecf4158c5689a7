"""The learner-side copy of a course's data: what a learner's package and a grading sandbox get.

It has the article, units, sources, claims and sections, and key.csv with the practice rows
whole and, for assessment rows, only the unit id and the split (which units a graded part covers
is not secret; their labels are): assessment labels and rationales stay with the instructor.
Used by the wheel's build hook (tools/hatch_learner_data.py) and by the sandboxed autograde.
"""

import csv
import shutil
from pathlib import Path

PUBLIC_FILES = ("article.txt", "units.csv", "sources.csv", "claims.csv", "sections.csv")
KEY_FILE = "key.csv"


def _learner_row(row: dict[str, str]) -> dict[str, str]:
    if row["split"] == "practice":
        return row
    return {name: (value if name in ("unit_id", "split") else "") for name, value in row.items()}


def write_practice_key(source: Path, target: Path) -> None:
    with source.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        fields, rows = reader.fieldnames, [_learner_row(r) for r in reader]
    with target.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def write_learner_files(data: Path, target: Path) -> list[Path]:
    """Copy the learner-safe files of the data folder `data` into `target` (created)."""
    target.mkdir(parents=True, exist_ok=True)
    for name in PUBLIC_FILES:
        if (data / name).is_file():
            shutil.copyfile(data / name, target / name)
    if (data / KEY_FILE).is_file():
        write_practice_key(data / KEY_FILE, target / KEY_FILE)
    return sorted(target.iterdir())


def write_learner_data(course, folder: Path) -> Path:
    """A learner-data course folder for `course` (a readkit Course): folder/data/..."""
    write_learner_files(course.data, folder / "data")
    return folder
