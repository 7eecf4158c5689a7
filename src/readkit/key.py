"""The answer key: data/key.csv, one row per unit, and the practice/assessment split.

`read_key` uses only the csv module (the grading path inside nbgrader's kernels stays free of
pandas); `load_key` gives the same data as a DataFrame for lessons and reports.
"""

import csv
from dataclasses import dataclass
from functools import cached_property

from readkit.article import data_file

PRACTICE, ASSESSMENT = "practice", "assessment"
SPLITS = (PRACTICE, ASSESSMENT)
KEY_COLUMNS = ("unit_id", "label", "accept", "source", "split", "rationale")


@dataclass(frozen=True)
class KeyEntry:
    unit_id: str
    label: str
    accept: tuple[str, ...]
    source: str
    split: str
    rationale: str

    @cached_property  # read for every learner and unit when a class is graded
    def accepted(self) -> tuple[str, ...]:
        """Every label that earns full credit: the key's label first, then the alternatives."""
        return (self.label, *self.accept)


def _check_split(split: str | None) -> None:
    if split is not None and split not in SPLITS:
        raise ValueError(f"split must be one of {SPLITS} or None, not {split!r}")


def parse_accept(text: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in text.split("|") if part.strip())


def read_key(split: str | None = None) -> dict[str, KeyEntry]:
    """unit_id -> KeyEntry, in reading order, optionally for one split only."""
    _check_split(split)
    with data_file("key.csv").open(encoding="utf-8", newline="") as handle:
        rows = csv.DictReader(handle)
        entries = (
            KeyEntry(
                unit_id=row["unit_id"],
                label=row["label"],
                accept=parse_accept(row["accept"]),
                source=row["source"],
                split=row["split"],
                rationale=row["rationale"],
            )
            for row in rows
        )
        return {e.unit_id: e for e in entries if split is None or e.split == split}


def split_unit_ids(split: str) -> list[str]:
    """The unit ids of one split, from key.csv's unit_id and split columns only: labels, accepted
    alternatives and rationales are never read (the assessment-mode widget uses this)."""
    _check_split(split)
    path = data_file("key.csv")
    with path.open(encoding="utf-8", newline="") as handle:
        rows = csv.reader(handle)
        header = next(rows, [])
        try:
            id_column, split_column = header.index("unit_id"), header.index("split")
        except ValueError:
            raise ValueError(
                f"{path} needs the columns unit_id and split (found: {', '.join(header)})."
            ) from None
        return [
            row[id_column] for row in rows if len(row) > split_column and row[split_column] == split
        ]


def load_key(split: str | None = None):
    """The key as a DataFrame (all columns as strings), optionally for one split only."""
    import pandas as pd

    _check_split(split)
    key = pd.read_csv(
        data_file("key.csv"), dtype=dict.fromkeys(KEY_COLUMNS, "string"), keep_default_na=False
    )
    return key if split is None else key[key["split"] == split].reset_index(drop=True)
