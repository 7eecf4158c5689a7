"""The answer key (key.csv): one row per unit, and the practice/assessment split."""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cached_property

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


def check_split(split: str | None) -> None:
    if split is not None and split not in SPLITS:
        raise ValueError(f"split must be one of {SPLITS} or None, not {split!r}")


def parse_accept(text: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in text.split("|") if part.strip())


def parse_key(rows: Iterable[Mapping[str, str]]) -> dict[str, KeyEntry]:
    """unit_id -> KeyEntry, in file (reading) order, from the rows of key.csv."""
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
    return {entry.unit_id: entry for entry in entries}
