"""The Sorter: the widget in which a learner labels each unit of the article.

    readkit.Sorter(assignment="01-sort-the-sources")                 # the split that fits `mode`
    readkit.Sorter((1, 12), assignment="lesson-01", mode="practice")  # paragraphs 1 to 12
    readkit.Sorter(["p07s2", "p09s1"], assignment="lesson-01")        # these units
    readkit.Sorter.section("01-sort-the-sources", "part-1")            # a graded part

A Sorter is always this class, whoever runs the notebook. In a live notebook it holds its widget
(`sorter.widget`, readkit.widgets.sorter_widget: the units, the answers file, practice feedback)
and shows it when it is the value of a cell. While nbgrader autogrades, nobody sees it and the
grade comes from the answers.json that was handed in: then it holds no widget, draws nothing,
reads no course data and leaves the answers file exactly as it came (the widget would move an
unreadable file aside and start a fresh one). nbgrader tells a kernel that it autogrades by
NBGRADER_EXECUTION=autograde (its documented way), and the sandbox passes that on. This module
imports no widget library, so neither does a grading kernel (about 0.15 s of CPU a submission).

The author mode, which makes an article's key, is a widget of its own: readkit.AuthorSorter.
"""

import os
from pathlib import Path

from readkit.course.key import ASSESSMENT, PRACTICE

MODES = (PRACTICE, ASSESSMENT)


def nbgrader_autogrades() -> bool:
    """Whether nbgrader is autograding the notebook this kernel runs (not `nbgrader validate`,
    which a learner runs on their own answers: the Sorter works as usual then)."""
    return os.environ.get("NBGRADER_EXECUTION") == "autograde"


class Sorter:
    """Label each unit of the article as sourced, claim, commentary or meta.

    units: None (the practice or assessment split, following `mode`), a list of unit ids, or a
        paragraph range: range(1, 13) or the inclusive tuple (1, 12).
    assignment: the assignment's name, written into the answers file.
    answers_path: where answers are saved (beside the notebook by default), made absolute once,
        when the Sorter is made: a later chdir does not move the file.
    mode: "practice" (a Check button with feedback) or "assessment" (no key, no Check).
    article: the slug of the article shown (default: the course's first, data/articles.csv);
        the answers file names it.
    course: the Course the article is in (default: Course.default()).

    Python code reads and sets what the widget shows: `answers` (unit_id -> label; setting it
    saves it), `choose(unit_id, label)`, `check()` (practice), `feedback`, `notice`, `unit_ids`.
    """

    def __init__(self, units=None, *, assignment: str | None = None,
                 answers_path: str | Path = "answers.json",
                 mode: str = PRACTICE, article: str | None = None, course=None) -> None:
        if mode == "author":  # what the author mode once was: say where it is now
            raise ValueError("The author mode is a widget of its own now: "
                             "readkit.AuthorSorter(article=...).")
        if mode not in MODES:
            raise ValueError(f"mode must be 'practice' or 'assessment', not {mode!r}.")
        if not isinstance(assignment, str) or not assignment.strip():
            raise ValueError("assignment must be the assignment's name, e.g. '01-sort'.")
        # Resolved once, now: a later chdir in the notebook does not move the file. Not
        # Path.resolve(): a link in place of the file must stay a link (it is moved aside).
        path = Path(os.path.abspath(Path(answers_path).expanduser()))
        self.assignment, self._mode, self.answers_path = assignment, mode, path
        self.article = article
        self.widget = None
        if nbgrader_autogrades():
            return
        if not path.parent.is_dir():
            raise ValueError(
                f"Cannot save answers to {path}: the folder {path.parent} does not exist."
            )
        from readkit.widgets.sorter_widget import SorterWidget

        self.widget = SorterWidget(units, assignment=assignment, answers_path=path, mode=mode,
                                   article=article, course=course)
        self.article = self.widget.article

    @classmethod
    def section(cls, assignment: str, section: str, *, course=None,
                answers_path: str | Path = "answers.json") -> "Sorter":
        """The Sorter of one graded part: exactly the units its article's sections.csv gives
        it (the article is the one whose sections.csv has the assignment)."""
        if nbgrader_autogrades():  # nothing is shown: the course's files are not even read
            return cls(assignment=assignment, answers_path=answers_path, mode=ASSESSMENT)
        from readkit.course.course import Course, CourseError

        course = course or Course.default()
        article = course.article_for(assignment)
        found = article.section(assignment, section)
        units = article.section_units(found)
        if not units:
            raise CourseError(
                f"{article.slug}/sections.csv section {section!r} of {assignment!r} (paragraphs "
                f"{found.first_paragraph} to {found.last_paragraph}) has no assessment units "
                "to show. Fix the section or the key's split (readkit validate checks both)."
            )
        return cls(units, assignment=assignment, answers_path=answers_path, mode=ASSESSMENT,
                   article=article.slug, course=course)

    @property
    def mode(self) -> str:
        """"practice" or "assessment", fixed for the Sorter's life (the key was loaded for it)."""
        return self._mode

    # -- what a notebook shows ----------------------------------------------------------------

    def _repr_mimebundle_(self, **kwargs):
        if self.widget is None:
            return {"text/plain": repr(self)}
        return self.widget._repr_mimebundle_(**kwargs)

    def __repr__(self) -> str:
        if self.widget is None:
            return (f"Sorter for {self.assignment} (not shown while nbgrader grades: "
                    f"the grade comes from {self.answers_path.name})")
        return (f"Sorter for {self.assignment}: {len(self.answers)} of {len(self.unit_ids)} "
                f"units labelled ({self.answers_path.name})")

    # -- the widget's state and actions, for Python code ----------------------------------------

    def _shown(self):
        if self.widget is None:
            raise RuntimeError(f"This Sorter for {self.assignment} is not shown while nbgrader "
                               "grades: there are no answers to read or set here.")
        return self.widget

    @property
    def unit_ids(self) -> list[str]:
        """The ids of the units shown, in reading order."""
        return self._shown().unit_ids

    @property
    def answers(self) -> dict[str, str]:
        """unit_id -> label, as saved. Setting it saves it (unknown ids and labels are dropped
        with a warning)."""
        return self._shown().answers

    @answers.setter
    def answers(self, value: dict[str, str]) -> None:
        self._shown().answers = value

    @property
    def feedback(self) -> dict:
        """The last Check's feedback per unit (practice mode)."""
        return self._shown().feedback

    @property
    def notice(self) -> str:
        """What the widget tells the learner (an answers file set aside, a failed save)."""
        return self._shown().notice

    def choose(self, unit_id: str, label: str | None) -> bool:
        """Set (or, with None, clear) one unit's answer and save it, as a key press or a click
        in the browser does. Returns whether it is on disk."""
        return self._shown().choose(unit_id, label)

    def check(self) -> dict:
        """Mark each labelled unit right or wrong (practice mode). Returns the feedback."""
        return self._shown().check()
