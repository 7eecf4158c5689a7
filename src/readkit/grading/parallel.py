"""How far apart the two parallel forms of the pre-test and post-test are (`readkit validate`).

Counterbalancing keeps form difficulty out of the class's mean gain (course/forms.py), but a
learner's own gain is only as good as the forms are alike. For the forms of data/forms.csv this
reports, part by part, the label mix and the accepted alternatives of each, what a learner who
never reads scores on each, and the mean score of simulated learners of fixed skill
(readkit.grading.simulated) on each: the check fails when the forms are further apart than
FORM_GAP_LIMIT at any skill, or their parts cannot share one notebook.
"""

from __future__ import annotations

import random
import statistics
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from readkit.course.answers import ANSWERS_FILE, OK, AnswersFile
from readkit.course.course import DATA, Course, CourseError
from readkit.course.forms import FORMS_FILE, TESTS_FILE
from readkit.course.labels import LABELS
from readkit.course.validate import Problem
from readkit.grading import simulated, trusted

SKILLS = (-0.5, 0.5, 1.5)  # abilities on the simulated learners' logit scale: weak to strong
LEARNERS, SEED = 100, 21
FORM_GAP_LIMIT = 0.05  # 5 percentage points of the test's points, at every skill


def simulated_means(plan: trusted.SorterAssignment, skill: float, learners: int = LEARNERS,
                    seed: int = SEED) -> float:
    """The mean share of the plan's points that `learners` simulated learners of one fixed
    skill score (each graded by the trusted grade step). The same seed gives each form the same
    learners' dice, so that the forms differ only in their sentences."""
    scores = []
    for index in range(learners):
        rng = random.Random(seed * 1_000_003 + index)
        answers = simulated.simulate_answers(plan, skill, rng)
        found = AnswersFile(Path(ANSWERS_FILE), OK, answers=answers,
                            assignment=plan.assignment)
        scores.append(trusted.grade_answers(found, plan).points / plan.max_points)
    return statistics.fmean(scores)


def form_gaps(test_plan: trusted.SorterAssignment) -> list[tuple[float, dict[str, float]]]:
    """(skill, form -> mean share of points) for every skill of SKILLS."""
    return [(skill, {form: simulated_means(plan, skill) for form, plan in test_plan.forms.items()})
            for skill in SKILLS]


def check_forms(course: Course, slug: str, assess: Callable[[trusted.SorterAssignment], object]
                ) -> tuple[list[Problem], str]:
    """The parallel-forms check, reported under the first form's article (the other form's
    summary points there). ([], "") for an article that is no form. `assess` gives a form's
    readkit.grading.guessing.Fairness (its label mix and no-reading scores)."""
    where = f"{DATA}/{FORMS_FILE}"
    try:
        tests = course.form_tests
        forms = course.forms
    except CourseError as error:
        return [Problem(where, None, str(error))], ""
    if not tests or slug not in {form.slug for form in forms}:
        return [], ""
    first = forms[0]
    if slug != first.slug:
        return [], (f"\n  {next(f.name for f in forms if f.slug == slug)} of "
                    f"{', '.join(tests)}: compared with the other form under {first.slug}")
    name = next(iter(tests))
    try:
        plan = trusted.SorterAssignment.from_course(course, name)
    except CourseError as error:
        return [Problem(where, None, str(error))], ""
    problems = [Problem(where, None, problem) for problem in _shape_problems(course, plan)]
    lines = [f"forms of {', '.join(tests)} (which learner takes which form first: a hash of "
             "the student id): " + ", ".join(f"{f.name} {f.slug}" for f in forms)]
    fairness = {form: assess(p) for form, p in plan.forms.items()}
    mixes = {form: f.mix for form, f in fairness.items()}
    for section in plan.sections:
        lines.append(f"{section.section}: " + " | ".join(
            f"{form.upper()} " + ", ".join(f"{mixes[form][section.section][label]} {label}"
                                           for label in LABELS) for form in plan.forms))
    accepting = {form: sum(1 for u in p.unit_ids if len(p.key[u].accepted) > 1)
                 for form, p in plan.forms.items()}
    lines.append("units with an accepted alternative: " + ", ".join(
        f"{form.upper()} {n}" for form, n in accepting.items()))
    lines += [f"without reading, {form.upper()}: {f.guessing_text()}"
              for form, f in fairness.items()]
    gaps = form_gaps(plan)
    lines.append(f"simulated learners of fixed skill ({LEARNERS} each, mean share of points): "
                 + "; ".join(
                     f"skill {skill:+.1f}: " + ", ".join(f"{form.upper()} {mean:.1%}"
                                                         for form, mean in means.items())
                     + f" ({_gap(means):.1f} points apart)" for skill, means in gaps)
                 + f" (limit {100 * FORM_GAP_LIMIT:g} points)")
    for skill, means in gaps:
        if _gap(means) > 100 * FORM_GAP_LIMIT:
            problems.append(Problem(where, None, (
                f"simulated learners of skill {skill:+.1f} score {_gap(means):.1f} percentage "
                f"points apart on the forms (the limit is {100 * FORM_GAP_LIMIT:.0f}): make the "
                "forms' label mix and accepted alternatives alike, part by part")))
    return problems, "".join(f"\n  {line}" for line in lines)


def _gap(means: dict[str, float]) -> float:
    return 100 * (max(means.values()) - min(means.values()))


def _shape_problems(course: Course, plan: trusted.SorterAssignment) -> list[str]:
    """Parts that one notebook cannot grade on either form."""
    problems = []
    in_sections = set()
    for slug in course.article_slugs:
        try:
            in_sections |= {s.assignment for s in course.article(slug).sections()}
        except (OSError, ValueError, KeyError, CourseError):
            continue  # that article's own check reports it
    problems += [f"{name} is a test on the parallel forms ({DATA}/{TESTS_FILE}) and also has "
                 "parts in a sections.csv: rename one of them" for name in course.form_tests
                 if name in in_sections]
    slots = {form: {s: units for s, units in p.section_units.items()}
             for form, p in plan.forms.items()}
    if len({tuple(sorted(s.items())) for s in slots.values()}) != 1:
        problems.append("the forms' parts hold different unit ids; parallel forms share their "
                        "unit slots part by part (the class's units.csv names a unit by its id "
                        "and part only)")
    counts = [Counter(p.key[u].label for u in p.unit_ids) for p in plan.forms.values()]
    problems += [f"{label}: {counts[0][label]} graded sentences on one form, {counts[1][label]} "
                 "on the other (at most one apart)" for label in LABELS
                 if abs(counts[0][label] - counts[1][label]) > 1]
    return problems
