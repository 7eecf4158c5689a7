"""`readkit.show_form(assignment)`: which parallel form of a pre-test or post-test this learner
works on, and why (course/forms.py). Plain text: no widget library is loaded."""

from __future__ import annotations

from pathlib import Path

from readkit.course.answers import ANSWERS_FILE
from readkit.course.course import DATA, Course, CourseError
from readkit.course.forms import TESTS_FILE, learners_form
from readkit.widgets.sorter import nbgrader_autogrades


def show_form(assignment: str, *, course: Course | None = None,
              answers_path: str | Path = ANSWERS_FILE) -> None:
    """Print the learner's form of `assignment` (its letter and headline) and why it is theirs."""
    course = course or Course.default()
    test = course.form_test(assignment)
    if test is None:
        raise CourseError(f"{assignment} is not a test on the parallel forms "
                          f"({DATA}/{TESTS_FILE}): it has one text for everyone.")
    if nbgrader_autogrades():  # no learner here, only a grader
        print("Graded on the form that answers.json was made on.")
        return
    form, why = learners_form(test, answers_path)
    print(f"Your form: {form.form.upper()}, \"{course.article(form.slug).title}\" ({why}). "
          "Your classmates may have the other form: both are marked the same way.")
