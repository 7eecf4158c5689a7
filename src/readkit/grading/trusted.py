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
from dataclasses import dataclass, field, replace
from functools import cached_property

from readkit.course.answers import FOREIGN, MISSING, OK, AnswersFile
from readkit.course.article import Article
from readkit.course.course import DATA, Course, CourseError
from readkit.course.forms import FORMS_FILE, Form, FormTest
from readkit.course.key import ASSESSMENT, KeyEntry
from readkit.course.sections import Section
from readkit.grading import scoring
from readkit.grading.scoring import UnitResult

# The rewrite part of a Sorter assignment (01's part 4): the learner names a sentence they
# labelled commentary (and the key labels or accepts as commentary) in the answer cell
# `rewrite-choice` (`chosen_unit = "p47s3"`); `rewrite-choice-grade` gives the point.
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
    sections, the units each grades (reading order), the assessment key, the units' text.

    A pre-test or post-test taken on the parallel forms (course/forms.py) is graded on the form
    its answers file was made on: `forms` holds a plan per form (form letter -> plan on that
    form's article, named for the test), `test` the counterbalancing plan that says which form
    each learner should take. Its own sections are the parts every form shares (names and
    points); it has no units or key of its own."""

    assignment: str
    sections: tuple[Section, ...]
    section_units: dict[str, tuple[str, ...]]
    key: dict[str, KeyEntry]
    unit_paragraphs: dict[str, int]
    unit_text: dict[str, str]
    show_key: bool = False
    article: str | None = ""  # the article's slug; None for a test on the parallel forms
    test: FormTest | None = None
    forms: dict[str, SorterAssignment] = field(default_factory=dict)

    @classmethod
    def from_course(cls, course: Course, assignment: str) -> SorterAssignment:
        """Raises NotASorterAssignment when no article's sections.csv has a part of
        `assignment` (and it is no test on the parallel forms), and CourseError with what to
        fix when the course data cannot be read. An unreadable readkit.toml gives the safe
        feedback (no key), as its default does: grading goes on (readkit validate and release
        report the file)."""
        try:
            show_key = course.settings.show_key
        except CourseError:
            show_key = False
        try:
            test = course.form_test(assignment)
            if test is not None:
                return cls._for_test(course, test, show_key)
            every = course.sections()
            if not any(s.assignment == assignment for s in every):
                known = sorted({s.assignment for s in every} | set(course.form_tests))
                raise NotASorterAssignment(
                    f"No article's sections.csv has sections for {assignment!r}, so there is "
                    "nothing to grade from answers.json. Assignments with sections: "
                    f"{', '.join(known) or 'none'}."
                )
            return cls._on_article(course.article_for(assignment), assignment, assignment,
                                   show_key)
        except (OSError, ValueError, KeyError) as error:
            raise CourseError(f"The course data in {course.data} cannot be read: {error}") from None

    @classmethod
    def _on_article(cls, article: Article, assignment: str, parts: str,
                    show_key: bool) -> SorterAssignment:
        """The plan of `assignment` graded on the parts that `article`'s sections.csv names
        `parts` (the assignment itself, or a form's parts for a test)."""
        sections = article.sections(parts)
        if not sections:
            raise CourseError(f"{article.slug}/sections.csv has no parts named {parts!r}; "
                              f"add them or fix {DATA}/{FORMS_FILE} (readkit validate checks it).")
        key = article.key(ASSESSMENT)
        section_units = {}
        for section in sections:
            graded = tuple(u for u in article.section_units(section) if u in key)
            if not graded:
                raise CourseError(
                    f"Section {section.section!r} of {parts} (paragraphs "
                    f"{section.first_paragraph}-{section.last_paragraph}) has no assessment "
                    f"units in {article.slug}/key.csv; fix its sections.csv or the key "
                    "(readkit validate checks it)."
                )
            section_units[section.section] = graded
        units = article.units
        return cls(assignment, tuple(replace(s, assignment=assignment) for s in sections),
                   section_units, key, {u.unit_id: u.paragraph for u in units},
                   {u.unit_id: u.text for u in units}, show_key, article.slug)

    @classmethod
    def _for_test(cls, course: Course, test: FormTest, show_key: bool) -> SorterAssignment:
        forms = {form.form: cls._on_article(course.article(form.slug), test.assignment,
                                            form.parts, show_key) for form in test.forms}
        shapes = {form: [(s.section, s.points) for s in plan.sections]
                  for form, plan in forms.items()}
        if len({tuple(shape) for shape in shapes.values()}) != 1:
            raise CourseError(
                f"The forms of {test.assignment} have different parts ("
                + "; ".join(f"form {form.upper()}: {shape}" for form, shape in shapes.items())
                + "): give every form's sections.csv the same part names and points, so that "
                "one notebook's grade cells fit both.")
        first = forms[test.forms[0].form]
        return cls(test.assignment, first.sections, {s.section: () for s in first.sections},
                   {}, {}, {}, show_key, None, test, forms)

    @property
    def max_points(self) -> float:
        return float(sum(section.points for section in self.sections))

    @property
    def unit_ids(self) -> list[str]:
        return [unit for section in self.sections for unit in self.section_units[section.section]]

    def section_of(self) -> dict[str, str]:
        """unit_id -> its section (for a test: over every form; the forms share their unit
        slots part by part, which readkit validate checks)."""
        plans = self.forms.values() if self.forms else (self,)
        return {u: s for plan in plans for s, units in plan.section_units.items() for u in units}

    @cached_property
    def graded_units(self) -> frozenset[str]:
        """The unit ids this assignment grades (a test: those of every form)."""
        if self.forms:
            return frozenset(u for plan in self.forms.values() for u in plan.graded_units)
        return frozenset(self.unit_ids)

    def cell_sections(self) -> dict[str, Section]:
        """grade_id -> the section whose points that grade cell carries."""
        return {grade_cell_id(s.section): s for s in self.sections}

    def form_plan(self, found: AnswersFile | None, student: str | None = None
                  ) -> tuple[SorterAssignment | None, Form | None, str]:
        """For a test: the plan of the form to grade this answers file on, that form, and a
        note when it is not the form the counterbalancing plan gives `student`. The form the
        file names (the article it was made on) is graded, when it is one of the test's forms;
        a file that names none (no file, an unreadable one, one from before files named their
        article) is graded on the learner's planned form. (None, None, why) when the file names
        an article that is no form of this test. Not a test: (self, None, "")."""
        if self.test is None:
            return self, None, ""
        planned = self.test.planned_form(student)
        named = found.article if found is not None and found.usable else None
        if named is None:
            return self.forms[planned.form], planned, ""
        form = self.test.form_of_article(named)
        if form is None:
            return None, None, (
                f"{found.path.name} holds answers for the article {named!r}, which is no form of "
                f"{self.assignment} ("
                + ", ".join(f"{f.name}: {f.slug}" for f in self.test.forms)
                + "). Use the answers file from this assignment's folder.")
        note = ""
        if student is not None and form != planned:
            note = (f"made on {form.name}, but the counterbalancing plan gives this learner "
                    f"{planned.name}: graded on {form.name}, as made (check that the learner "
                    "worked under their own user name)")
        return self.forms[form.form], form, note


@dataclass
class SorterGrade:
    """One learner's Sorter parts: points and unit results per section, and what was found.
    For a test on the parallel forms: the form graded (its letter) and the plan of that form."""

    status: str  # an answers-file status (ok, missing, corrupt, ...) or not-submitted
    reason: str
    section_points: dict[str, float]
    section_results: dict[str, list[UnitResult]] = field(default_factory=dict)
    form: str = ""
    plan: SorterAssignment | None = None  # the plan graded on (a test: the form's)

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


def grade_answers(found: AnswersFile | None, plan: SorterAssignment,
                  student: str | None = None) -> SorterGrade:
    """Grade one learner's answers file (None: no submission at all). Never raises for a bad
    file: the status and reason say what was wrong, and the points are then 0. For a test on
    the parallel forms, the file is graded on the form it was made on (`form_plan`), and the
    reason says so when that is not the form the plan gives `student`."""
    graded_on, form, note = plan.form_plan(found, student)
    if graded_on is None:  # a test, and the file is for an article that is none of its forms
        graded_on, form = plan.form_plan(None, student)[:2]
        found = AnswersFile(found.path, FOREIGN, assignment=found.assignment,
                            problems=[note], article=found.article)
        note = ""
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
        unknown = [u for u in answers if u not in graded_on.unit_paragraphs]
        if unknown:
            notes.append(f"{len(unknown)} answer(s) for unknown unit ids ignored "
                         f"({_short_list(unknown)})")
        if not any(u in graded_on.graded_units for u in answers):
            notes.insert(0, "no unit of this assignment labelled")
        reason = "; ".join([*notes, note] if note else notes)
    points, results = {}, {}
    for section in graded_on.sections:
        unit_results = scoring.unit_results(answers, graded_on.key,
                                            graded_on.section_units[section.section])
        points[section.section] = scoring.section_points(unit_results, section.points)
        results[section.section] = unit_results
    return SorterGrade(status, reason, points, results, form.form if form else "", graded_on)


def part_feedback(plan: SorterAssignment, grade: SorterGrade, section: Section,
                  found: AnswersFile) -> list[str]:
    """What the learner's feedback says under a part's grade cell (for a test: the part of
    the form graded)."""
    plan = grade.plan or plan
    section = next((s for s in plan.sections if s.section == section.section), section)
    points = grade.section_points[section.section]
    heading = (f"{section.title} (paragraphs {section.first_paragraph}-"
               f"{section.last_paragraph}): {points:g} of {section.points:g} points.")
    if grade.status != OK:
        if found.status == MISSING:
            why = (f"No {found.path.name} was handed in with this notebook, so no sentence could "
                   f"be graded. Submit the assignment folder with {found.path.name} in it (the "
                   "Sorter saves it next to the notebook).")
        else:
            why = grade.reason
        return [f"{heading} {why}"]
    results = grade.section_results[section.section]
    return [heading, *scoring.feedback_lines(results, plan.key, show_key=plan.show_key),
            scoring.SCORING_NOTE]


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
    """The rewrite part's point: `unit_id` is a sentence of this assignment that the learner's
    own answers.json labels commentary and that the key labels commentary or accepts as
    commentary. The feedback never names the key's label of the sentence."""
    if not found.usable:
        return 0.0, [f"No points. {found.reason}"]
    plan = plan.form_plan(found)[0] or plan
    if not isinstance(unit_id, str) or unit_id not in plan.graded_units:
        shown = repr(unit_id)[:40]
        return 0.0, [f"No points: {shown} is not the id of a sentence in this assignment "
                     "(ids look like 'p47s3'; the Sorter shows them)."]
    # The label is named apart from the id: feedback never puts a unit id next to a label.
    if found.answers.get(unit_id) != CHOICE_LABEL:
        return 0.0, [f"No points: answers.json does not give {unit_id} the label that the "
                     "rewrite asks for. Pick a sentence you labelled commentary."]
    if CHOICE_LABEL not in plan.key[unit_id].accepted:
        return 0.0, [f"No points: {unit_id} is not one of the sentences that the rewrite "
                     "accepts. Pick one whose wording gives the author's own view or judgement."]
    return CHOICE_POINTS, [f"{CHOICE_NAME} {unit_id}: OK."]
