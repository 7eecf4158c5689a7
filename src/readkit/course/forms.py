"""Parallel forms and the tests that use them (data/forms.csv, data/tests.csv).

A pre-test and a post-test measure the same reading skill on text learners have not practised.
Each is one nbgrader assignment that every learner takes on one of two parallel forms (two
articles written alike, A and B). Which form a learner takes is counterbalanced: a stable
function of the student id puts half the class in order A then B, the other half B then A, so
that a difference between the forms cannot pass for a gain (docs/grading.md, "Pre- and
post-test").

    data/forms.csv  form,slug,parts   one row per form: its article, and the assignment name
                                      of that article's sections.csv that holds its graded parts
    data/tests.csv  assignment,occasion   the nbgrader assignments taken on the forms: pre, post

Both files are optional (a course without tests has neither). The Course reads the files and
hands the rows here.
"""

from __future__ import annotations

import hashlib
import os
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

FORMS_FILE, TESTS_FILE = "forms.csv", "tests.csv"
FORMS_COLUMNS = ("form", "slug", "parts")
TESTS_COLUMNS = ("assignment", "occasion")
OCCASIONS = ("pre", "post")  # the order in which a class takes the tests


@dataclass(frozen=True)
class Form:
    """One parallel form: its letter (a, b), its article and the sections.csv assignment that
    holds its graded parts."""

    form: str
    slug: str
    parts: str

    @property
    def name(self) -> str:
        return f"form {self.form.upper()}"


@dataclass(frozen=True)
class FormTest:
    """An nbgrader assignment taken on the parallel forms: the pre-test or the post-test."""

    assignment: str
    occasion: str
    forms: tuple[Form, ...]

    @property
    def position(self) -> int:
        return OCCASIONS.index(self.occasion)

    def planned_form(self, student: str | None) -> Form:
        """The form this learner takes on this test: their group's form on the pre-test, the
        other on the post-test. A learner whose id is not known gets the first order."""
        group = counterbalance_group(student, len(self.forms))
        return self.forms[(group + self.position) % len(self.forms)]

    def form_of_article(self, slug: str | None) -> Form | None:
        return next((form for form in self.forms if form.slug == slug), None)

    def form(self, letter: str) -> Form:
        return next(form for form in self.forms if form.form == letter)


def counterbalance_group(student: str | None, groups: int = 2) -> int:
    """A stable group 0..groups-1 for a student id: from a hash of the id, so that it needs no
    roster, is the same on the learner's machine and the instructor's, and splits a class
    about evenly. No id: group 0."""
    if not student:
        return 0
    digest = hashlib.sha256(student.encode("utf-8", "surrogatepass")).digest()
    return int.from_bytes(digest[:8], "big") % groups


def order_name(first: Form, second: Form) -> str:
    """'A->B' for a learner who took form A first, then B."""
    return f"{first.form.upper()}->{second.form.upper()}"


def learner_id(environ: Mapping[str, str] | None = None) -> str | None:
    """The id nbgrader knows this learner by, as the notebook can learn it: JUPYTERHUB_USER on
    a hub, else the name of the system user (what nbgrader's exchange submits under); None
    where neither is known (a static JupyterLite site)."""
    environ = os.environ if environ is None else environ
    hub_user = environ.get("JUPYTERHUB_USER", "").strip()
    if hub_user:
        return hub_user
    if sys.platform == "emscripten":  # Pyodide in a browser: USER is Emscripten's "web_user"
        return None
    try:
        import pwd

        name = pwd.getpwuid(os.getuid()).pw_name
    except (ImportError, KeyError, OSError, AttributeError):
        name = environ.get("USER", "") or environ.get("LOGNAME", "")
    return name.strip() or None


def learners_form(test: FormTest, answers_path: Path | str,
                  environ: Mapping[str, str] | None = None) -> tuple[Form, str]:
    """The form this learner works on, and why: the form their answers file was made on when it
    names one (a learner keeps their form when their user name changes between sessions),
    else the form the plan gives their id (`learner_id`)."""
    from readkit.course.answers import read_answers

    found = read_answers(answers_path, test.assignment)
    form = test.form_of_article(found.article) if found.usable else None
    if form is not None:
        return form, f"your answers so far are on {form.name}"
    student = learner_id(environ)
    if student is None:
        plan = " and ".join(f"{form.name} on the {occasion}-test"
                            for form, occasion in zip(test.forms, OCCASIONS, strict=False))
        return test.planned_form(None), f"no user name is known here, so everyone takes {plan}"
    return test.planned_form(student), f"chosen for the user name {student!r}"


def _check_columns(name: str, rows: list[Mapping[str, str]], columns: tuple[str, ...]) -> None:
    for number, row in enumerate(rows, start=2):
        missing = [column for column in columns if not str(row.get(column) or "").strip()]
        if missing:
            raise ValueError(f"{name} line {number}: empty or missing {', '.join(missing)}")


def parse_forms(rows: Iterable[Mapping[str, str]]) -> tuple[Form, ...]:
    """The forms of data/forms.csv, checked: two forms, letters and articles unique."""
    rows = list(rows)
    _check_columns(FORMS_FILE, rows, FORMS_COLUMNS)
    forms = tuple(Form(row["form"].strip().lower(), row["slug"].strip(), row["parts"].strip())
                  for row in rows)
    if forms and len(forms) != 2:
        raise ValueError(f"{FORMS_FILE} names {len(forms)} forms; a pre-test and a post-test "
                         "need exactly two (A and B)")
    for attribute in ("form", "slug", "parts"):
        values = [getattr(form, attribute) for form in forms]
        if len(set(values)) != len(values):
            raise ValueError(f"{FORMS_FILE}: each form needs its own {attribute}")
    return forms


def parse_tests(rows: Iterable[Mapping[str, str]], forms: tuple[Form, ...]
                ) -> dict[str, FormTest]:
    """assignment -> FormTest from data/tests.csv, checked: one pre-test and one post-test."""
    rows = list(rows)
    _check_columns(TESTS_FILE, rows, TESTS_COLUMNS)
    tests: dict[str, FormTest] = {}
    for number, row in enumerate(rows, start=2):
        assignment, occasion = row["assignment"].strip(), row["occasion"].strip().lower()
        if occasion not in OCCASIONS:
            raise ValueError(f"{TESTS_FILE} line {number}: occasion {occasion!r} is not "
                             f"{' or '.join(OCCASIONS)}")
        if assignment in tests or occasion in {t.occasion for t in tests.values()}:
            raise ValueError(f"{TESTS_FILE} line {number}: {assignment} {occasion} repeats an "
                             "assignment or an occasion (one pre-test, one post-test)")
        tests[assignment] = FormTest(assignment, occasion, forms)
    if tests and not forms:
        raise ValueError(f"{TESTS_FILE} names tests but {FORMS_FILE} names no forms")
    return tests
