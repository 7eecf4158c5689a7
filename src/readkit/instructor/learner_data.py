"""The learner-side copy of a course's data: what a learner's package and a grading sandbox get.

It has the article, units, sources, claims and sections, and only the practice rows of key.csv:
assessment labels and rationales stay with the instructor. Used by the wheel's build hook
(tools/hatch_learner_data.py) and by the sandboxed autograde.
"""

import csv
import shutil
from pathlib import Path

PUBLIC_FILES = ("article.txt", "units.csv", "sources.csv", "claims.csv", "sections.csv")
KEY_FILE = "key.csv"


def write_practice_key(source: Path, target: Path) -> None:
    with source.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        fields, rows = reader.fieldnames, [r for r in reader if r["split"] == "practice"]
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
