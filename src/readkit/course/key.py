"""The answer key (key.csv): one row per unit, and the practice/assessment split.

A row can be a draft: `readkit new-article` (or `readkit draft-key`) fills each unit's label,
source and rationale from rules (readkit.authoring.draft_key) and marks the row `draft` in the
optional last column, `status`. A draft is the rules' guess, not the teacher's key: the teacher
confirms each one (author mode; KeyEditor.confirm), `readkit validate` refuses a key that still
has drafts, and no draft reaches learners. A key.csv without the column (every key written before
drafts, and every finished key) has no drafts.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cached_property

PRACTICE, ASSESSMENT = "practice", "assessment"
SPLITS = (PRACTICE, ASSESSMENT)
KEY_COLUMNS = ("unit_id", "label", "accept", "source", "split", "rationale")
STATUS, DRAFT = "status", "draft"  # the optional column, and its value for a draft row
KEY_COLUMNS_WITH_STATUS = (*KEY_COLUMNS, STATUS)


@dataclass(frozen=True)
class KeyEntry:
    unit_id: str
    label: str
    accept: tuple[str, ...]
    source: str
    split: str
    rationale: str
    draft: bool = False  # the rules' guess, not yet confirmed by the teacher

    @cached_property  # read for every learner and unit when a class is graded
    def accepted(self) -> tuple[str, ...]:
        """Every label that earns full credit: the key's label first, then the alternatives."""
        return (self.label, *self.accept)


def check_split(split: str | None) -> None:
    if split is not None and split not in SPLITS:
        raise ValueError(f"split must be one of {SPLITS} or None, not {split!r}")


def parse_accept(text: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in text.split("|") if part.strip())


def is_draft(row: Mapping[str, str]) -> bool:
    """Whether a key.csv row is a draft not yet confirmed (its status column says draft)."""
    return (row.get(STATUS) or "").strip() == DRAFT


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
            draft=is_draft(row),
        )
        for row in rows
    )
    return {entry.unit_id: entry for entry in entries}
