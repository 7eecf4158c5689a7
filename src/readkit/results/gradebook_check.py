"""Every grade change is seen: one learner's cells, as the gradebook holds them, beside what
readkit computed (the Sorter parts, the chosen sentence) and what a grader entered through the
rubric path (a manual score on a manually graded cell).

What counts, per cell (CellScore.score; None: no score yet):
- readkit's cells: readkit's points, never the gradebook's auto_score (a kernel, or an
  autograde without readkit's course config, can put anything there: flagged GRADEBOOK-DIFFERS);
- other autograded cells (02's number checks): nbgrader's auto_score;
- manually graded cells: the grader's manual_score (the rubric path; not flagged), else
  nbgrader's own auto_score (0 for an answer left as released), else none yet: PENDING;
- a manual_score on an autograded cell (an instructor's override in the formgrader) replaces
  the cell's points and is flagged OVERRIDDEN, from what to what;
- extra credit on any cell is added and flagged EXTRA-CREDIT;
- a manual score below 0 or above the cell's points (400 typed for 4.0, or anything written
  through the formgrader's grade API, which stores any number) is flagged MANUAL-OUT-OF-RANGE
  and not counted: the cell has no score, so the learner has no total and the LMS export
  leaves it empty (as for a pending learner) until a grader enters a score in range.
So an honest override counts and is shown on every run; one the instructor did not make is
seen at the next `readkit grade`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from readkit.nbgrader.gradebook import RecordedGrade
from readkit.results.grade_cells import MANUAL, GradeCell

DIFFERS, OVERRIDDEN, EXTRA_CREDIT = "GRADEBOOK-DIFFERS", "OVERRIDDEN", "EXTRA-CREDIT"
OUT_OF_RANGE = "MANUAL-OUT-OF-RANGE"
# Two scores closer than this are equal (both are rounded to 2 decimals).
TOLERANCE = 0.005


def format_points(value: float | None) -> str:
    """12.5 -> '12.5', 30.0 -> '30', None -> ''."""
    if value is None:
        return ""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


@dataclass(frozen=True)
class CellScore:
    """One cell of one learner: what counts (`score`) and where it came from."""

    score: float | None
    computed: float | None = None  # readkit's points (its own cells only)
    auto: float | None = None  # the gradebook's auto_score
    manual: float | None = None  # the gradebook's manual_score
    extra: float | None = None  # the gradebook's extra_credit


@dataclass
class Checked:
    cells: dict[str, CellScore]  # column -> score
    flags: list[str] = field(default_factory=list)
    changes: list[str] = field(default_factory=list)  # what the gradebook changed, in words


def _add(flags: list[str], flag: str) -> None:
    if flag not in flags:
        flags.append(flag)


def in_range(score: float, points: float) -> bool:
    """Whether a grader's score fits the cell: 0 to its points (NaN and infinities never do)."""
    return -TOLERANCE <= score <= points + TOLERANCE


def check_cells(cells: list[GradeCell], computed: dict[str, float],
                recorded: dict[tuple[str, str], RecordedGrade] | None,
                autograded: bool = True) -> Checked:
    """The learner's score of every cell. computed: column -> readkit's points (its own
    cells); recorded: the gradebook's grades of this submission (None: not in the gradebook,
    or no gradebook; a cell the gradebook lacks is taken as not recorded); autograded: whether
    autograde scored this submission (else readkit's points are not compared with it)."""
    result = Checked({})
    differ = []
    for cell in cells:
        grade = (recorded or {}).get(cell.cell_id, RecordedGrade())
        mine = computed.get(cell.column)
        if cell.by_readkit:
            base = mine
            if autograded and recorded is not None and cell.cell_id in recorded and (
                    grade.auto is None or abs(grade.auto - mine) > TOLERANCE):
                differ.append(f"{cell.column} "
                              f"{'no score' if grade.auto is None else format_points(grade.auto)}"
                              f" vs {format_points(mine)}")
        elif cell.kind == MANUAL:
            base = grade.manual if grade.manual is not None else grade.auto
        else:
            base = grade.auto
        counted = grade.manual is None or in_range(grade.manual, cell.points)
        if not counted:
            _add(result.flags, OUT_OF_RANGE)
            result.changes.append(
                f"{cell.column} has manual score {format_points(grade.manual)}, outside 0 to "
                f"{format_points(cell.points)}: not counted, no total until a grader enters a "
                "score in range in the formgrader")
        elif grade.manual is not None and cell.kind != MANUAL:
            _add(result.flags, OVERRIDDEN)
            was = f"{format_points(base)} ({'readkit' if cell.by_readkit else 'autograde'})" \
                if base is not None else "no score"
            result.changes.append(f"{cell.column} overridden from {was} to "
                                  f"{format_points(grade.manual)} (manual score)")
            base = grade.manual
        if grade.extra:
            _add(result.flags, EXTRA_CREDIT)
            result.changes.append(f"{cell.column} given {format_points(grade.extra)} extra "
                                  "credit")
        score = None if base is None or not counted else round(base + (grade.extra or 0.0), 2)
        result.cells[cell.column] = CellScore(score, mine, grade.auto, grade.manual, grade.extra)
    if differ:
        result.flags.insert(0, DIFFERS)
        result.changes.insert(0, f"the gradebook holds other points ({', '.join(differ)}): "
                              "answers.json changed after autograde, or autograde ran without "
                              "readkit's course config; run readkit autograde again")
    return result
