"""The trusted grade step: a learner's Sorter points, computed outside every kernel from the
files exactly as they were submitted, with the instructor's course data.

Nothing here runs learner code, and nothing a submission brings (an nbgrader_config.py, a data/
folder, a readkit/ package) is read: only its answers.json (read as hostile input) and the
literal that names its chosen sentence. nbgrader's autograde writes these points into the
gradebook (readkit.nbgrader.preprocessors.TrustedScores) and `readkit grade` computes the
same for its class report: there is one score.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from functools import cached_property

from readkit.course.answers import MISSING, OK, AnswersFile
from readkit.course.course import Course, CourseError
from readkit.course.key import ASSESSMENT, KeyEntry
from readkit.course.sections import Section
from readkit.grading import scoring
from readkit.grading.scoring import UnitResult

# Part 5 of a Sorter assignment: the learner names a sentence they labelled commentary in the
# answer cell `rewrite-choice` (`chosen_unit = "p47s3"`); `rewrite-choice-grade` gives the point.
CHOICE_CELL, CHOICE_GRADE_CELL, CHOICE_NAME, CHOICE_LABEL = (
    "rewrite-choice", "rewrite-choice-grade", "chosen_unit", "commentary")
CHOICE_POINTS = 1.0
NOT_SUBMITTED = "not-submitted"


class NotASorterAssignment(CourseError):
    """No article's sections.csv has a part of this assignment: there is no Sorter grade to
    compute (every other CourseError is course data that must be fixed before grading)."""


def grade_cell_id(section: str) -> str:
    """The grade_id of the cell that carries a section's points in the notebook."""
    return f"{section}-grade"


@dataclass(frozen=True)
class SorterAssignment:
    """What grading one Sorter assignment needs from the course, read once per class: its
    sections, the units each grades (reading order), the assessment key, the units' text."""

    assignment: str
    sections: tuple[Section, ...]
    section_units: dict[str, tuple[str, ...]]
    key: dict[str, KeyEntry]
    unit_paragraphs: dict[str, int]
    unit_text: dict[str, str]
    show_key: bool = False
    article: str = ""  # the slug of the article the assignment is on

    @classmethod
    def from_course(cls, course: Course, assignment: str) -> SorterAssignment:
        """Raises NotASorterAssignment when no article's sections.csv has a part of
        `assignment`, and CourseError with what to fix when the course data cannot be read.
        An unreadable readkit.toml gives the safe feedback (no key), as its default does:
        grading goes on (readkit validate and release report the file)."""
        try:
            every = course.sections()
            sections = [s for s in every if s.assignment == assignment]
            if not sections:
                known = sorted({s.assignment for s in every})
                raise NotASorterAssignment(
                    f"No article's sections.csv has sections for {assignment!r}, so there is "
                    "nothing to grade from answers.json. Assignments with sections: "
                    f"{', '.join(known) or 'none'}."
                )
            article = course.article_for(assignment)
            key = article.key(ASSESSMENT)
            units = article.units
        except (OSError, ValueError, KeyError) as error:
            raise CourseError(f"The course data in {course.data} cannot be read: {error}") from None
        try:
            show_key = course.settings.show_key
        except CourseError:
            show_key = False
        section_units = {}
        for section in sections:
            graded = tuple(u for u in article.section_units(section) if u in key)
            if not graded:
                raise CourseError(
                    f"Section {section.section!r} of {assignment} (paragraphs "
                    f"{section.first_paragraph}-{section.last_paragraph}) has no assessment "
                    f"units in {article.slug}/key.csv; fix its sections.csv or the key "
                    "(readkit validate checks it)."
                )
            section_units[section.section] = graded
        return cls(assignment, tuple(sections), section_units, key,
                   {u.unit_id: u.paragraph for u in units}, {u.unit_id: u.text for u in units},
                   show_key, article.slug)

    @property
    def max_points(self) -> float:
        return float(sum(section.points for section in self.sections))

    @property
    def unit_ids(self) -> list[str]:
        return [unit for section in self.sections for unit in self.section_units[section.section]]

    def section_of(self) -> dict[str, str]:
        return {u: s for s, units in self.section_units.items() for u in units}

    @cached_property
    def graded_units(self) -> frozenset[str]:
        return frozenset(self.unit_ids)

    def cell_sections(self) -> dict[str, Section]:
        """grade_id -> the section whose points that grade cell carries."""
        return {grade_cell_id(s.section): s for s in self.sections}


@dataclass
class SorterGrade:
    """One learner's Sorter parts: points and unit results per section, and what was found."""

    status: str  # an answers-file status (ok, missing, corrupt, ...) or not-submitted
    reason: str
    section_points: dict[str, float]
    section_results: dict[str, list[UnitResult]] = field(default_factory=dict)

    @property
    def points(self) -> float:
        return round(sum(self.section_points.values()), 2)

    @property
    def results(self) -> list[UnitResult]:
        return [r for results in self.section_results.values() for r in results]


def _short_list(items: list[str], limit: int = 5, width: int = 40) -> str:
    """At most `limit` items, each cut to `width` characters (unit ids come from the learner's
    file and can be of any length)."""
    shown = ", ".join(item if len(item) <= width else item[:width] + "..."
                      for item in items[:limit])
    return shown + (f" and {len(items) - limit} more" if len(items) > limit else "")


def grade_answers(found: AnswersFile | None, plan: SorterAssignment) -> SorterGrade:
    """Grade one learner's answers file (None: no submission at all). Never raises for a bad
    file: the status and reason say what was wrong, and the points are then 0."""
    if found is None:
        answers, status, reason = {}, NOT_SUBMITTED, "no submission for this assignment"
    elif found.status != OK:
        answers, status, reason = {}, found.status, found.reason
    else:
        answers, status, notes = found.answers, OK, []
        bad_labels = [p.split(":", 1)[0] for p in found.problems]
        if bad_labels:
            notes.append(f"{len(bad_labels)} answer(s) with an unknown label ignored "
                         f"({_short_list(bad_labels)})")
        unknown = [u for u in answers if u not in plan.unit_paragraphs]
        if unknown:
            notes.append(f"{len(unknown)} answer(s) for unknown unit ids ignored "
                         f"({_short_list(unknown)})")
        if not any(u in plan.graded_units for u in answers):
            notes.insert(0, "no unit of this assignment labelled")
        reason = "; ".join(notes)
    points, results = {}, {}
    for section in plan.sections:
        unit_results = scoring.unit_results(answers, plan.key, plan.section_units[section.section])
        points[section.section] = scoring.section_points(unit_results, section.points)
        results[section.section] = unit_results
    return SorterGrade(status, reason, points, results)


def part_feedback(plan: SorterAssignment, grade: SorterGrade, section: Section,
                  found: AnswersFile) -> list[str]:
    """What the learner's feedback says under a part's grade cell."""
    points = grade.section_points[section.section]
    heading = (f"{section.title} (paragraphs {section.first_paragraph}-"
               f"{section.last_paragraph}): {points:g} of {section.points:g} points.")
    if grade.status != OK:
        if found.status == MISSING:
            why = (f"No {found.path.name} was handed in with this notebook, so no sentence could "
                   f"be graded. Submit the assignment folder with {found.path.name} in it (the "
                   "Sorter saves it next to the notebook).")
        else:
            why = found.reason
        return [f"{heading} {why}"]
    results = grade.section_results[section.section]
    return [heading, *scoring.feedback_lines(results, plan.key, show_key=plan.show_key)]


def chosen_unit(source: str) -> object:
    """The value the answer cell assigns to `chosen_unit`, read from its source as a literal
    (never executed); None when there is no such assignment of a literal.

    A learner who does not code may leave `chosen_unit = ""` and type the id elsewhere in the
    cell (on the stub line, with or without quotes, or after `=` without quotes): when the
    literal is empty or missing and exactly one unit id appears in the cell, that id is read."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return _only_unit_id(source)
    value = None
    for node in tree.body:
        if (isinstance(node, ast.Assign) and len(node.targets) == 1
                and isinstance(node.targets[0], ast.Name) and node.targets[0].id == CHOICE_NAME):
            try:
                value = ast.literal_eval(node.value)
            except (ValueError, TypeError, SyntaxError, RecursionError, MemoryError):
                value = None
    if value in (None, ""):
        return _only_unit_id(source) or value
    return value


_UNIT_ID = re.compile(r"(?<![A-Za-z0-9_])p\d{1,3}s\d{1,3}(?![A-Za-z0-9_])")


def _only_unit_id(source: str) -> str | None:
    """The one unit id written in the cell's code (comments aside), if there is exactly one."""
    code = "\n".join(line.split("#", 1)[0] for line in source.splitlines())
    found = set(_UNIT_ID.findall(code))
    return found.pop() if len(found) == 1 else None


def choice_points(plan: SorterAssignment, found: AnswersFile, unit_id: object
                  ) -> tuple[float, list[str]]:
    """Part 5's point: `unit_id` is a sentence of this assignment that the learner's own
    answers.json labels commentary (the key is not consulted)."""
    if not found.usable:
        return 0.0, [f"No points. {found.reason}"]
    if not isinstance(unit_id, str) or unit_id not in plan.graded_units:
        shown = repr(unit_id)[:40]
        return 0.0, [f"No points: {shown} is not the id of a sentence in this assignment "
                     "(ids look like 'p47s3'; the Sorter shows them)."]
    # The label is named apart from the id: feedback never puts a unit id next to a label.
    if found.answers.get(unit_id) != CHOICE_LABEL:
        return 0.0, [f"No points: answers.json does not give {unit_id} the label that Part 5 "
                     "asks for. Pick a sentence you labelled commentary."]
    return CHOICE_POINTS, [f"{CHOICE_NAME} {unit_id}: OK."]
