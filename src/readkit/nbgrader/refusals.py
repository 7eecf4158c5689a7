"""The hand-ins collect refused, kept for the course: grading/collect/ASSIGNMENT-refused.csv.

SafeCollect (readkit.nbgrader.collect) refuses a hand-in in another learner's name, one holding
a link, a pipe or a device, one too large, one whose name is not a safe id or whose time is not
a time. Its log says so once; this file keeps it, so that `readkit grade` can put it on the rows
of grades.csv (the learner it names, and the account that made it).

One row per refused hand-in name, appended by each collect (a name already listed is not
listed again): when, the hand-in's name, the student id it names (only a safe id, else empty),
the account that owns it (its user name, or "uid N"; empty when it could not be read) and why.
The name and the reason come from learners: every cell is made printable, bounded in length
and safe for a spreadsheet (course.safe_text) when written, and read back as hostile input.
"""

from __future__ import annotations

import contextlib
import csv
import fcntl
import pwd
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from readkit.course.safe_text import csv_cell, printable
from readkit.nbgrader import student_ids

COLUMNS = ("time", "handin", "student", "owner", "reason")
FOLDER = "collect"  # beside submitted/ (grading/collect/), as readkit's logs and reports are
# Longest cell kept (characters, after escaping): a hand-in name is at most 255 bytes, a
# reason names a file inside the hand-in; longer text is cut and ends with an ellipsis.
MAX_CELL = {"time": 40, "handin": 200, "student": student_ids.MAX_LENGTH, "owner": 80,
            "reason": 400}
# A file larger than this is not read (it is the instructor's, but its rows come from
# learners): far more than any class's refusals.
MAX_FILE_BYTES = 20 * 1024 * 1024


@dataclass(frozen=True)
class Refusal:
    time: str
    handin: str  # the hand-in's name in inbound/, printable
    student: str  # the student id it names, a safe id, or "" when it names none
    owner: str  # the account that owns it: a user name or "uid N"; "" when unknown
    reason: str


def refusals_file(submitted: Path, assignment: str) -> Path:
    """Where the refusals of `assignment` are kept, for a course whose submitted/ folder is
    `submitted` (grade passes course.layout.submitted; collect, nbgrader's CourseDirectory)."""
    if not assignment or "/" in assignment or assignment.startswith("."):
        raise ValueError(f"{printable(assignment)!r} is not an assignment name")
    return Path(submitted).parent / FOLDER / f"{assignment}-refused.csv"


def owner_name(uid: int | None) -> str:
    """The user name of the account `uid`, or "uid N"; "" for None."""
    if uid is None:
        return ""
    with contextlib.suppress(KeyError):
        return pwd.getpwuid(uid).pw_name
    return f"uid {uid}"


def bounded(text: object, limit: int) -> str:
    """`text` made printable and at most `limit` characters (cut with an ellipsis)."""
    value = printable(text)
    return value if len(value) <= limit else value[:limit - 1] + "…"


def refusal(handin: str, student: str, owner_uid: int | None, reason: str,
            when: str | None = None) -> Refusal:
    """A refusal as kept: every field printable and bounded; `student` kept only when it is a
    safe student id."""
    return Refusal(
        time=bounded(when or time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()),
                     MAX_CELL["time"]),
        handin=bounded(handin, MAX_CELL["handin"]),
        student=student if student_ids.is_safe(student) else "",
        owner=bounded(owner_name(owner_uid), MAX_CELL["owner"]),
        reason=bounded(reason, MAX_CELL["reason"]))


def _cells(item: Refusal) -> list[str]:
    return [csv_cell(getattr(item, column)) for column in COLUMNS]


def append_refusals(path: Path, refused: Iterable[Refusal]) -> int:
    """Add the refusals whose hand-in name is not listed yet (under a lock: two collects at
    once write one after the other). Returns how many rows were added."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a+", encoding="utf-8", newline="") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        handle.seek(0)
        listed = {row[1] for row in csv.reader(handle) if len(row) == len(COLUMNS)}
        writer = csv.writer(handle, lineterminator="\n")
        if not listed:
            handle.seek(0)
            handle.truncate()
            writer.writerow(COLUMNS)
        added = 0
        for item in refused:
            row = _cells(item)
            if row[1] not in listed:
                writer.writerow(row)
                listed.add(row[1])
                added += 1
        return added


def read_refusals(path: Path) -> list[Refusal]:
    """The refusals kept in `path` (none when there is no file), each cell read as hostile:
    printable and bounded again, a student id that is not safe dropped, rows of another shape
    skipped."""
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise ValueError(f"{path} is larger than {MAX_FILE_BYTES:,} bytes")
        with path.open(encoding="utf-8", errors="replace", newline="") as handle:
            rows = list(csv.reader(handle))
    except FileNotFoundError:
        return []
    if not rows or tuple(rows[0]) != COLUMNS:
        raise ValueError(f"{path} is not a list of refused hand-ins (its first row is not "
                         f"{','.join(COLUMNS)})")
    found = []
    for row in rows[1:]:
        if len(row) != len(COLUMNS):
            continue
        cells = dict(zip(COLUMNS, row, strict=True))
        found.append(Refusal(  # + 1: the apostrophe csv_cell put before a formula
            **{column: bounded(cells[column], MAX_CELL[column] + 1) for column in COLUMNS
               if column != "student"},
            student=cells["student"] if student_ids.is_safe(cells["student"]) else ""))
    return found
