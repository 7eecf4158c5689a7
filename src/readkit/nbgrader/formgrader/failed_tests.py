"""The formgrader's "Tests failed?" marks only cells whose tests failed.

nbgrader marks a submitted notebook "Tests failed" when any code grade cell scored below its
points (nbgrader.api: `Grade.failed_tests` is `auto_score < max_score`). readkit's Sorter parts
and part 5's choice are grade cells whose points readkit computes from answers.json
(TrustedScores): they have no test that can fail, and partial credit is their normal result.
So every learner with one Sorter sentence wrong, or no sentence chosen yet, was marked as
failing, even when every cell of the notebook ran.

Where nbgrader's formgrader is loaded, readkit's formgrader extension (install() below) answers
the formgrader's two lists of notebook submissions (Gradebook > notebook, Manage Students >
student > assignment) with `failed_tests` counted over the other grade cells only (a pandas task
of 02, a test cell of the teacher's own), nbgrader's rule for those. Scores, the gradebook and
every other page are nbgrader's own.
"""

from __future__ import annotations

import json

from jupyter_server.utils import url_path_join
from nbgrader.api import Grade
from nbgrader.server_extensions.formgrader import apihandlers
from nbgrader.server_extensions.formgrader.base import check_notebook_dir, check_xsrf
from tornado import web

from readkit.course.course import Course, CourseError
from readkit.grading import trusted


def readkit_scored_cells(course: Course, assignment: str) -> set[str]:
    """The grade ids whose points readkit's trusted step writes (TrustedScores): the Sorter
    parts' grade cells and part 5's choice; none for an assignment without Sorter parts."""
    try:
        plan = trusted.SorterAssignment.from_course(course, assignment)
    except (trusted.NotASorterAssignment, CourseError):
        return set()
    return set(plan.cell_sections()) | {trusted.CHOICE_GRADE_CELL}


def recount_failed_tests(submissions: list[dict], failed: dict[str, set[str]],
                         readkit_cells: set[str]) -> list[dict]:
    """Each submission's failed_tests from its failed cells (`failed`: submitted notebook id ->
    names of the grade cells below their points), readkit's own cells left out."""
    for submission in submissions:
        if submission.get("id") is not None:
            submission["failed_tests"] = bool(failed.get(submission["id"], set())
                                              - readkit_cells)
    return submissions


class _Recount:
    """What both handlers share: the gradebook's failed cells, readkit's cells."""

    def recount(self, submissions: list[dict], assignment: str) -> list[dict]:
        ids = [s["id"] for s in submissions if s.get("id") is not None]
        failed: dict[str, set[str]] = {}
        if ids:
            query = (self.gradebook.db.query(Grade)
                     .filter(Grade.notebook_id.in_(ids)).filter(Grade.failed_tests))
            for grade in query:
                failed.setdefault(grade.notebook_id, set()).add(grade.name)
        try:
            ours = readkit_scored_cells(Course.open(self.coursedir.root), assignment)
        except CourseError:  # not a readkit course (or a broken one): nbgrader's rule for all
            ours = set()
        return recount_failed_tests(submissions, failed, ours)


class SubmittedNotebooks(_Recount, apihandlers.SubmittedNotebookCollectionHandler):
    @web.authenticated
    @check_xsrf
    @check_notebook_dir
    def get(self, assignment_id, notebook_id):
        submissions = self.api.get_notebook_submissions(assignment_id, notebook_id)
        self.write(json.dumps(self.recount(submissions, assignment_id)))


class StudentNotebookSubmissions(_Recount, apihandlers.StudentNotebookSubmissionCollectionHandler):
    @web.authenticated
    @check_xsrf
    @check_notebook_dir
    def get(self, student_id, assignment_id):
        submissions = self.api.get_student_notebook_submissions(student_id, assignment_id)
        self.write(json.dumps(self.recount(submissions, assignment_id)))


NBGRADER_FORMGRADER = "nbgrader.server_extensions.formgrader"


def _routes() -> list[tuple[str, type]]:
    """nbgrader's own URL patterns of the two lists, with these handlers."""
    replace = {apihandlers.SubmittedNotebookCollectionHandler: SubmittedNotebooks,
               apihandlers.StudentNotebookSubmissionCollectionHandler: StudentNotebookSubmissions}
    return [(pattern, replace[handler]) for pattern, handler, *_ in apihandlers.default_handlers
            if handler in replace]


def install(serverapp) -> bool:
    """These two lists in front of nbgrader's, on a server that loads nbgrader's formgrader
    (False elsewhere: a learner's server gets no formgrader route)."""
    if not serverapp.jpserver_extensions.get(NBGRADER_FORMGRADER):
        return False
    web_app = serverapp.web_app
    base_url = web_app.settings.get("base_url", "/")
    web_app.add_handlers(".*$", [(url_path_join(base_url, pattern.lstrip("/")), handler)
                                 for pattern, handler in _routes()])
    # tornado takes the first host rule that matches. add_handlers put this one just before the
    # server's own (the last rule), so after nbgrader's formgrader when that loaded first
    # (extensions load in name order): it goes first.
    rules = web_app.default_router.rules
    rules.insert(0, rules.pop(-2))
    return True
