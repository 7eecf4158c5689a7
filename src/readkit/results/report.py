"""The class report and the LMS export (`readkit report ASSIGNMENT`).

Reads the score record that `readkit grade` wrote (grading/reports/ASSIGNMENT/scores.json; it
grades nothing itself), then writes beside it:
- report/index.html (an assignment with Sorter parts): one self-contained page for instructors
  (images embedded as base64 PNG): score distribution, per-unit difficulty (share right) and
  discrimination (upper minus lower 27% group by Sorter points), a key label x chosen label
  confusion heatmap, the ten most-missed units with their text and rationale, every unit's
  statistics and every student's grade;
- lms.csv: a Canvas gradebook import file (readkit.results.lms), every assignment.

The item analysis uses readable submissions with at least one label (a missing, corrupt or empty
file says nothing about which units are hard). Plain Python and matplotlib's Agg backend only.
"""

from __future__ import annotations

import argparse
import base64
import io
import statistics
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from readkit.course.answers import OK
from readkit.course.course import Course
from readkit.course.errors import CourseError
from readkit.course.labels import LABELS
from readkit.course.safe_text import printable
from readkit.nbgrader.gradebook import sqlite_path
from readkit.results.grade import add_common_arguments, report_dir, summary_lines
from readkit.results.gradebook_check import format_points
from readkit.results.lms import read_roster, write_lms
from readkit.results.record import ClassGrades, read_record, record_path

UNLABELLED = "unlabelled"
CHOICES = (*LABELS, UNLABELLED)
GROUP_SHARE = 0.27  # Kelley's upper and lower groups
MOST_MISSED = 10
LOW_DISCRIMINATION = 0.2


LABEL_COLOURS = {"sourced": "#1b9e77", "claim": "#d95f02", "commentary": "#7570b3",
                 "meta": "#8c8c8c"}


# --- statistics -----------------------------------------------------------------------------


@dataclass
class UnitStats:
    unit_id: str
    section: str
    key_label: str
    accepted: tuple[str, ...]
    share_right: float
    upper: float
    lower: float
    chosen: Counter

    @property
    def discrimination(self) -> float:
        return self.upper - self.lower

    def wrong_choices(self) -> list[tuple[str, int]]:
        return [(c, n) for c, n in self.chosen.most_common() if c not in self.accepted and n]


@dataclass
class ItemAnalysis:
    analysed: list  # StudentGrade of the submissions analysed
    group_size: int
    units: list[UnitStats]
    confusion: dict[str, Counter]  # key label -> chosen -> count


def analysed_students(grades: ClassGrades) -> list:
    return [s for s in grades.students if s.status == OK and s.labelled > 0]


def item_analysis(grades: ClassGrades) -> ItemAnalysis:
    data = grades.data
    students = analysed_students(grades)
    ranked = sorted(students, key=lambda s: (s.sorter_points, s.student))
    size = max(1, round(GROUP_SHARE * len(ranked))) if ranked else 0
    lower = {s.student for s in ranked[:size]}
    upper = {s.student for s in ranked[len(ranked) - size:]} if size else set()
    section_of = data.section_of()
    index = {u: i for i, u in enumerate(data.unit_ids)}
    right = [0] * len(index)
    right_upper = [0] * len(index)
    right_lower = [0] * len(index)
    chosen = [Counter() for _ in index]
    confusion = {label: Counter() for label in LABELS}
    for s in students:
        in_upper, in_lower = s.student in upper, s.student in lower
        for r in s.results:
            i = index[r.unit_id]
            choice = r.chosen or UNLABELLED
            chosen[i][choice] += 1
            confusion[data.key[r.unit_id].label][choice] += 1
            if r.correct:
                right[i] += 1
                right_upper[i] += in_upper
                right_lower[i] += in_lower
    n = len(students)
    units = []
    for unit, i in index.items():
        entry = data.key[unit]
        units.append(UnitStats(
            unit, section_of[unit], entry.label, tuple(entry.accepted),
            right[i] / n if n else 0.0,
            right_upper[i] / size if size else 0.0,
            right_lower[i] / size if size else 0.0,
            chosen[i],
        ))
    return ItemAnalysis(students, size, units, confusion)


# --- figures --------------------------------------------------------------------------------


def _figure(width: float, height: float, left: float = 0.8, right: float = 0.3,
            bottom: float = 0.6, top: float = 0.45):
    """A figure with fixed margins in inches (matplotlib's layout engines cost ~0.2 s a
    figure; these charts have known labels)."""
    from matplotlib.figure import Figure

    figure = Figure(figsize=(width, height), dpi=100)
    figure.subplots_adjust(left=left / width, right=1 - right / width,
                           bottom=bottom / height, top=1 - top / height)
    return figure


def _png(figure) -> str:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def figure_distribution(grades: ClassGrades, analysis: ItemAnalysis) -> str:
    figure = _figure(7, 3.2)
    axes = figure.add_subplot()
    points = [s.sorter_points for s in grades.students if s.status == OK]
    top = grades.data.max_points
    bins = max(1, min(30, int(round(top))))
    axes.hist(points, bins=bins, range=(0, top), color="#4c72b0", edgecolor="white")
    if points:
        mean = statistics.mean(points)
        axes.axvline(mean, color="#c44e52", linestyle="--", label=f"mean {mean:.1f}")
        axes.legend(frameon=False)
    axes.set_xlabel(f"points of the Sorter parts (of {format_points(top)})")
    axes.set_ylabel("learners")
    axes.set_title("Score distribution: the Sorter parts (readable answers files)")
    return _png(figure)


def figure_difficulty(analysis: ItemAnalysis) -> str:
    """Share right per unit in reading order, one bar per unit coloured by key label; the
    sections are marked, and the ten most-missed units named (every unit is in the table)."""
    units = analysis.units
    figure = _figure(9, 3.6, right=1.3, bottom=0.45, top=0.6)
    axes = figure.add_subplot()
    axes.bar(range(len(units)), [u.share_right for u in units],
             color=[LABEL_COLOURS[u.key_label] for u in units], width=0.85)
    axes.set_ylim(0, 1.08)
    axes.set_xlim(-0.7, len(units) - 0.3)
    axes.set_ylabel("share right")
    starts: dict[str, int] = {}
    for position, unit in enumerate(units):
        starts.setdefault(unit.section, position)
    axes.set_xticks(list(starts.values()), list(starts), fontsize=8, ha="left")
    for start in list(starts.values())[1:]:
        axes.axvline(start - 0.5, color="black", linewidth=0.6)
    position = {u.unit_id: i for i, u in enumerate(units)}
    for unit in most_missed(analysis):
        axes.text(position[unit.unit_id], unit.share_right + 0.01, unit.unit_id, rotation=90,
                  fontsize=6, ha="center", va="bottom")
    from matplotlib.patches import Patch

    axes.legend(handles=[Patch(color=c, label=k) for k, c in LABEL_COLOURS.items()],
                fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False,
                title="key label", title_fontsize=7)
    axes.set_title("Difficulty: share of learners right on each unit, in reading order")
    return _png(figure)


def figure_discrimination(analysis: ItemAnalysis) -> str:
    figure = _figure(6, 4.2, left=0.9)
    axes = figure.add_subplot()
    for label, colour in LABEL_COLOURS.items():
        units = [u for u in analysis.units if u.key_label == label]
        axes.scatter([u.share_right for u in units], [u.discrimination for u in units],
                     color=colour, label=label, s=22, alpha=0.85)
    # Name the units worth a look: weak discrimination although not nearly everyone got them
    # right, or hard ones; at most 12, the worst first.
    worth = sorted(
        (u for u in analysis.units
         if (u.discrimination < LOW_DISCRIMINATION and u.share_right < 0.9)
         or u.share_right < 0.4),
        key=lambda u: (u.discrimination, u.share_right))[:12]
    for unit in worth:
        axes.annotate(unit.unit_id, (unit.share_right, unit.discrimination), fontsize=6,
                      xytext=(3, 2), textcoords="offset points")
    axes.axhline(LOW_DISCRIMINATION, color="grey", linestyle=":", linewidth=1)
    axes.axhline(0, color="black", linewidth=0.6)
    axes.set_xlim(-0.02, 1.02)
    lowest = min((u.discrimination for u in analysis.units), default=0.0)
    axes.set_ylim(min(-0.3, lowest - 0.1), 1.05)
    axes.set_xlabel("difficulty (share right)")
    axes.set_ylabel("discrimination (upper - lower 27%)")
    axes.legend(fontsize=7, frameon=False)
    axes.set_title("Difficulty and discrimination per unit")
    return _png(figure)


def figure_confusion(analysis: ItemAnalysis) -> str:
    figure = _figure(7.4, 3.8, left=1.3, right=0.5, bottom=0.7)
    axes = figure.add_subplot()
    rows = []
    for label in LABELS:
        total = sum(analysis.confusion[label].values())
        rows.append([analysis.confusion[label][c] / total if total else 0.0 for c in CHOICES])
    image = axes.imshow(rows, cmap="Blues", vmin=0, vmax=1, aspect="auto")
    for i, label in enumerate(LABELS):
        for j, choice in enumerate(CHOICES):
            count = analysis.confusion[label][choice]
            axes.text(j, i, f"{rows[i][j]:.0%}\n({count})", ha="center", va="center", fontsize=7,
                      color="white" if rows[i][j] > 0.6 else "black")
    axes.set_xticks(range(len(CHOICES)), CHOICES)
    axes.set_yticks(range(len(LABELS)), LABELS)
    axes.set_xlabel("label chosen by learners")
    axes.set_ylabel("key label")
    figure.colorbar(image, ax=axes, label="share of the row", fraction=0.05, pad=0.03)
    axes.set_title("Confusion: key label x chosen label")
    return _png(figure)


# --- HTML -----------------------------------------------------------------------------------

STYLE = """
body { font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 72rem; color: #222;
       line-height: 1.4; padding: 0 1rem; }
h1 { margin-bottom: 0.2rem; } h2 { margin-top: 2.2rem; border-bottom: 1px solid #ddd; }
.warning { background: #fff4e5; border-left: 4px solid #f0a030; padding: 0.6rem 1rem; }
.flag { background: #fde2e2; }
table { border-collapse: collapse; font-size: 0.85rem; margin: 0.5rem 0; }
th, td { border: 1px solid #ddd; padding: 0.25rem 0.5rem; text-align: left; vertical-align: top; }
th { background: #f4f4f4; } td.num { text-align: right; font-variant-numeric: tabular-nums; }
img { max-width: 100%; height: auto; display: block; margin: 0.5rem 0; }
.muted { color: #666; font-size: 0.9rem; }
"""

SECTIONS = (
    ("summary", "Summary"),
    ("distribution", "Score distribution"),
    ("difficulty", "Difficulty and discrimination"),
    ("confusion", "Label confusion"),
    ("most-missed", "The ten most-missed units"),
    ("units", "Every unit"),
    ("students", "Every student"),
)


def _table(header: list[str], rows: list[list[str]], numeric: set[int] = frozenset(),
           row_class: list[str] | None = None) -> dict:
    """A table for the template (which escapes every cell)."""
    return {"header": header, "rows": rows, "numeric": set(numeric), "row_class": row_class}


def _pct(value: float) -> str:
    return f"{value:.0%}"


def most_missed(analysis: ItemAnalysis, count: int = MOST_MISSED) -> list[UnitStats]:
    return sorted(analysis.units, key=lambda u: (u.share_right, u.discrimination, u.unit_id))[
        :count]


def render_html(grades: ClassGrades, analysis: ItemAnalysis, unsandboxed: bool = False) -> str:
    """The report page: report.html.j2 rendered with Jinja2's autoescaping, so that every
    value (unit texts, rationales, learners' folder names and reasons) is escaped once."""
    import jinja2

    data = grades.data
    sections = grades.section_names()
    handed_in = [s for s in grades.students if s.handed_in]
    readable = [s.sorter_points for s in handed_in if s.status == OK]
    totals = [s.points for s in handed_in if s.points is not None]
    summary = [
        ["submissions", str(len(handed_in))],
        ["readable answers files", str(len(readable))],
        ["analysed (readable, at least one label)", str(len(analysis.analysed))],
        ["maximum points (every grade cell)", format_points(grades.max_points)],
        ["complete totals (every cell scored)", str(len(totals))],
    ]
    if totals:
        summary += [["mean total", f"{statistics.mean(totals):.1f}"],
                    ["median total", format_points(statistics.median(totals))]]
    summary.append(["maximum points of the Sorter parts", format_points(data.max_points)])
    if readable:
        summary += [["mean points of the Sorter parts", f"{statistics.mean(readable):.1f}"]]
    for name in sections:
        section = next(s for s in data.sections if s.section == name)
        values = [s.section_points[name] for s in handed_in if s.status == OK]
        mean = statistics.mean(values) / section.points if values else 0.0
        summary.append([f"{name}: {section.title} ({format_points(section.points)} points, "
                        f"{len(data.section_units[name])} units)", f"mean {_pct(mean)}"])
    summary.append(["flagged: the gradebook differs, was overridden or gave extra credit, or "
                    "a hand-in was refused at collect", str(len(grades.flagged))])
    missed = []
    for u in most_missed(analysis):
        entry = data.key[u.unit_id]
        also = [label for label in entry.accepted if label != entry.label]
        missed.append([
            u.unit_id, u.section, data.unit_text.get(u.unit_id, ""),
            entry.label + (f" (also {', '.join(also)})" if also else ""),
            _pct(u.share_right), f"{u.discrimination:+.2f}", _wrong(u), entry.rationale,
        ])
    units = [[u.unit_id, u.section, u.key_label, _pct(u.share_right), _pct(u.upper),
              _pct(u.lower), f"{u.discrimination:+.2f}", _wrong(u)] for u in analysis.units]
    # Folder names and reasons come from learners: printable (a name that is not UTF-8 holds
    # lone surrogates, which cannot be written to the page at all).
    columns = [c.column for c in grades.cells]
    students = [[printable(s.student), format_points(s.points),
                 format_points(grades.percent(s)),
                 *(format_points(s.cells[c].score) for c in columns), s.full_status,
                 grades.manual_state(s), format_points(s.gradebook_points), s.flag,
                 printable(s.full_reason)]
                for s in grades.students]
    numeric = set(range(1, 3 + len(columns))) | {5 + len(columns)}
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(Path(__file__).with_name("templates")),
        autoescape=True, undefined=jinja2.StrictUndefined, keep_trailing_newline=True)
    return environment.get_template("report.html.j2").render(
        assignment=grades.assignment, style=STYLE, sections=SECTIONS, unsandboxed=unsandboxed,
        generated=time.strftime("%Y-%m-%d %H:%M"),
        summary=_table(["", ""], summary),
        notes=[line.strip() for line in summary_lines(grades)[1:]],
        figures={"distribution": figure_distribution(grades, analysis),
                 "difficulty": figure_difficulty(analysis),
                 "discrimination": figure_discrimination(analysis),
                 "confusion": figure_confusion(analysis)},
        group_share=f"{GROUP_SHARE:.0%}", group_size=analysis.group_size,
        low_discrimination=LOW_DISCRIMINATION,
        most_missed=_table(["unit", "section", "text", "key", "right", "discr.",
                            "chosen instead", "rationale"], missed, {4, 5}),
        units=_table(["unit", "section", "key", "right", "upper", "lower", "discr.",
                      "chosen instead"], units, {3, 4, 5, 6}),
        students=_table(["student", "points", "%", *columns, "status", "manual grading",
                         "gradebook", "flag", "reason"], students, numeric,
                        ["flag" if s.flags else "" for s in grades.students]),
    )


def _wrong(u: UnitStats) -> str:
    return ", ".join(f"{c} {n}" for c, n in u.wrong_choices()[:3]) or "-"


# --- all of it ------------------------------------------------------------------------------


def _ran_unsandboxed(grades: ClassGrades) -> bool:
    """Whether the last `readkit autograde` of this assignment ran learner code unsandboxed
    (it records its mode beside its logs)."""
    import json

    from readkit.nbgrader.autograde import log_dir

    try:
        mode = json.loads((log_dir(grades.course, grades.assignment) / "mode.json").read_text())
    except (OSError, ValueError):
        return False
    return isinstance(mode, dict) and mode.get("sandboxed") is False


def write_report(grades: ClassGrades, out_dir: Path | None = None, **lms_options
                 ) -> tuple[Path | None, Path]:
    """report/index.html (an assignment with Sorter parts; None otherwise) and lms.csv."""
    out_dir = out_dir or report_dir(grades.course, grades.assignment)
    out_dir.mkdir(parents=True, exist_ok=True)
    page = None
    if grades.data is not None:
        analysis = item_analysis(grades)
        page = out_dir / "report" / "index.html"
        page.parent.mkdir(parents=True, exist_ok=True)
        page.write_text(render_html(grades, analysis, unsandboxed=_ran_unsandboxed(grades)),
                        encoding="utf-8")
    lms = write_lms(grades, out_dir / "lms.csv", **lms_options)
    return page, lms


def stale_note(grades: ClassGrades) -> str:
    """A warning when the SQLite gradebook changed after the scores were written (a grader
    graded by hand since `readkit grade` ran)."""
    path = sqlite_path(grades.course.layout.db_url)
    scores = record_path(grades.course, grades.assignment)
    try:
        newer = path is not None and path.stat().st_mtime > scores.stat().st_mtime
    except OSError:
        return ""
    return (f"The gradebook changed after these scores were written ({grades.graded_at}): run "
            f"readkit grade {grades.assignment} again for the latest grades.") if newer else ""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.description = (
        "From the scores `readkit grade` wrote (scores.json), write grading/reports/ASSIGNMENT/"
        "report/index.html (instructors only: score distribution, per-unit difficulty and "
        "discrimination, label confusion, the most-missed units with the key's rationale) and "
        "lms.csv, a Canvas gradebook import file. Run readkit grade first."
    )
    add_common_arguments(parser)
    parser.add_argument("--roster", type=Path, metavar="CSV",
                        help="a Canvas gradebook export: fills Student, ID, SIS User ID, SIS "
                             "Login ID and Section of lms.csv for the matching students")
    parser.add_argument("--id-column", default="SIS Login ID",
                        choices=("ID", "SIS User ID", "SIS Login ID"),
                        help="lms.csv column that gets the nbgrader student id when there is no "
                             "roster row (default: SIS Login ID)")
    parser.add_argument("--canvas-id", metavar="N",
                        help="the Canvas assignment id, written as 'ASSIGNMENT (N)' so that "
                             "Canvas updates that assignment (without it Canvas creates a new "
                             "one or matches the name)")


def run(args: argparse.Namespace) -> int:
    try:
        course = Course.open(args.course)
        if course.form_test(args.assignment) is not None:  # two texts: no one item analysis
            print(f"readkit report: {args.assignment} is a test taken on two parallel forms; "
                  "its report is `readkit gain` (grades.csv: `readkit grade`).", file=sys.stderr)
            return 2
        roster = read_roster(args.roster) if args.roster else None
        grades = read_record(course, args.assignment)
        page, lms = write_report(grades, roster=roster, id_column=args.id_column,
                                 canvas_id=args.canvas_id)
    except CourseError as error:
        print(f"readkit report: {error}", file=sys.stderr)
        return 2
    except OSError as error:
        print(f"readkit report: {error}", file=sys.stderr)
        return 2
    print(f"Scores of {args.assignment} as readkit grade wrote them at {grades.graded_at}:")
    for line in summary_lines(grades)[1:]:
        print(line)
    for warning in (stale_note(grades), _unsandboxed_warning(course, args.assignment)):
        if warning:
            print(warning)
    if page is None:
        print(f"{args.assignment} has no Sorter parts: no item analysis page.")
    else:
        print(f"Report: {page}")
    print(f"LMS import file: {lms}")
    return 0


def _unsandboxed_warning(course: Course, assignment: str) -> str:
    from readkit.nbgrader.autograde import unsandboxed_warning

    return unsandboxed_warning(course, assignment) or ""
