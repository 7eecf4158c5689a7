"""The hand-ins collect refused, on the rows of grades.csv (readkit.nbgrader.refusals keeps them).

A refused hand-in is not graded, but the instructor must see it where grades are read, not only
in collect's log:
- the learner it names is flagged REFUSED-HANDIN with who owns it and why; when nothing else of
  theirs was collected, they get a row of their own (status handin-refused, no points);
- the account that made it, when it is a learner of the course (a row of grades.csv) and not
  the learner it names, is flagged FORGED-HANDIN: it made a hand-in in another learner's name.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path

from readkit.nbgrader.refusals import Refusal, read_refusals, refusals_file
from readkit.results.record import HANDIN_REFUSED, NOT_SUBMITTED, StudentGrade

REFUSED_HANDIN, FORGED_HANDIN = "REFUSED-HANDIN", "FORGED-HANDIN"
NOTHING_COLLECTED = ("a hand-in in this name was refused at collect and nothing else was "
                     "collected: no points (ask them to hand in again)")


def _flag(student: StudentGrade, flag: str, change: str) -> None:
    if flag not in student.flags:
        student.flags.append(flag)
    student.changes.append(change)


def apply_refusals(refused: list[Refusal], students: list[StudentGrade],
                   empty_row: Callable[[str], StudentGrade]) -> None:
    """Flag the rows of `students` (in place) for every refusal; add a row (from `empty_row`,
    no points) for a named learner who has none."""
    rows = {s.student: s for s in students}
    for item in refused:
        owner = item.owner or "an account that could not be read"
        if item.student:
            named = rows.get(item.student)
            if named is None:
                named = rows[item.student] = empty_row(item.student)
                students.append(named)
            if named.status in (NOT_SUBMITTED, HANDIN_REFUSED):
                named.status, named.reason = HANDIN_REFUSED, NOTHING_COLLECTED
            _flag(named, REFUSED_HANDIN, f"a hand-in in this name owned by {owner} was "
                  f"refused at collect ({item.reason})")
        maker = rows.get(item.owner)
        if maker is not None and item.owner != item.student:
            _flag(maker, FORGED_HANDIN, "made a hand-in in another learner's name "
                  f"({item.student or item.handin}), refused at collect ({item.reason})")


def read_for_grade(submitted: Path, assignment: str) -> tuple[list[Refusal], str]:
    """The refusals of `assignment` and, when they cannot be read, why (grading goes on)."""
    path = refusals_file(submitted, assignment)
    try:
        return read_refusals(path), ""
    except (OSError, ValueError) as error:
        return [], (f"the refused hand-ins in {path} could not be read ({error}); collect's "
                    "log lists them")


def as_rows(refused: list[Refusal]) -> list[dict[str, str]]:
    return [asdict(item) for item in refused]
