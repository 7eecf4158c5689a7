"""The Course: made once from a course folder; it and its Articles (course/article.py) are the only
code that opens a file under data/.

    course = Course.open("path/to/course")   # instructor side: nbgrader_config.py and data/
    course = Course.default()                # learner side (a notebook): see `default`

Everything that loads, grades, releases or reports takes a Course explicitly: no process-wide
environment changes, no chdir, no walking up from the working directory. course/tables.py
reads the CSV files (kernels that only show a widget or grade never import pandas); the
`load_*` methods give DataFrames for lessons and reports.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, replace
from functools import cached_property
from pathlib import Path

from readkit.course.article import Article, Unit
from readkit.course.errors import CourseError
from readkit.course.forms import FORMS_FILE, TESTS_FILE, Form, FormTest, parse_forms, parse_tests
from readkit.course.sections import Section
from readkit.course.settings import Settings, parse_settings
from readkit.course.tables import INDEX_FILE, Table, read_table

__all__ = ["Article", "Course", "CourseError", "Form", "FormTest", "Layout", "Unit"]

CONFIG_FILE = "nbgrader_config.py"
SETTINGS_FILE = "readkit.toml"
DATA = "data"
ARTICLES = "articles"  # data/articles/<slug>/: one folder per article
ARTICLES_INDEX = INDEX_FILE  # data/articles.csv: slug,title; the first is the default
# Set by a hub image or the grading sandbox: the course (or learner-data) folder for notebooks.
COURSE_VARIABLE = "READKIT_COURSE"
# The learner wheel carries the learner-safe data here (no assessment key).
PACKAGED_DATA = Path(__file__).resolve().parents[1] / "_data"
# This package's own source checkout (an editable install inside the course repository).
CHECKOUT = Path(__file__).resolve().parents[3]


@dataclass(frozen=True)
class Layout:
    """The course's folders and gradebook, as nbgrader_config.py defines them (nbgrader's
    defaults where it does not)."""

    root: Path
    course_id: str
    source: Path
    release: Path
    submitted: Path
    autograded: Path
    feedback: Path
    exchange: Path | None
    db_url: str

    @property
    def reports(self) -> Path:
        """readkit's own outputs (grades.csv, the class report) beside nbgrader's folders."""
        return self.submitted.parent / "reports"


def _read_layout(root: Path) -> Layout:
    from traitlets.config.loader import ConfigFileNotFound, PyFileConfigLoader

    try:
        config = PyFileConfigLoader(CONFIG_FILE, path=str(root)).load_config()
    except ConfigFileNotFound:
        raise CourseError(f"{root} has no {CONFIG_FILE}: it is not a course folder.") from None
    except Exception as error:  # noqa: BLE001 (any error in the instructor's config file)
        raise CourseError(f"{root / CONFIG_FILE} could not be read: {error}") from None
    course = config.get("CourseDirectory", {})
    exchange = config.get("Exchange", {}).get("root")

    def folder(name: str, default: str) -> Path:
        return root / str(course.get(name) or default)

    return Layout(
        root=root,
        course_id=str(course.get("course_id") or ""),
        source=folder("source_directory", "source"),
        release=folder("release_directory", "release"),
        submitted=folder("submitted_directory", "submitted"),
        autograded=folder("autograded_directory", "autograded"),
        feedback=folder("feedback_directory", "feedback"),
        exchange=Path(exchange) if exchange else None,
        db_url=str(course.get("db_url") or f"sqlite:///{root / 'gradebook.db'}"),
    )


class Course:
    """A course folder (nbgrader_config.py, data/, solutions/, ...) or a learner-data folder.

    Files are read once per Course, on first use. Make a new Course to see edited files.
    """

    def __init__(self, root: Path | str, data: Path | str | None = None) -> None:
        self.root = Path(root).expanduser().resolve()
        self.data = Path(data).resolve() if data is not None else self.root / DATA

    def __repr__(self) -> str:
        return f"Course({str(self.root)!r})"

    # -- finding a course ------------------------------------------------------------------

    @classmethod
    def open(cls, root: Path | str) -> Course:
        """The course at `root`, checked: it needs nbgrader_config.py and data/."""
        course = cls(root)
        if not (course.root / CONFIG_FILE).is_file() or not course.data.is_dir():
            raise CourseError(
                f"{course.root} is not a course folder (it needs {CONFIG_FILE} and {DATA}/). "
                "Run the command from the course folder or pass --course DIR."
            )
        return course

    @classmethod
    def default(cls) -> Course:
        """The course a notebook works on: $READKIT_COURSE when set (a hub image, the grading
        sandbox), else the repository this package was installed from (`make lab`), else the
        learner-safe data shipped inside the package (a learner's installed wheel)."""
        configured = os.environ.get(COURSE_VARIABLE)
        if configured:
            course = cls(configured)
            if not course.data.is_dir():
                raise CourseError(
                    f"{COURSE_VARIABLE}={configured} has no {DATA}/ folder. Point it at the "
                    "course folder, or unset it."
                )
            return course
        if (CHECKOUT / CONFIG_FILE).is_file() and (CHECKOUT / DATA).is_dir():
            return cls(CHECKOUT)
        if PACKAGED_DATA.is_dir():
            return cls(PACKAGED_DATA.parent, PACKAGED_DATA)
        raise CourseError(
            "No course data found: this readkit has no data of its own. Install the learner "
            f"package (it ships the article), or set {COURSE_VARIABLE} to the course folder."
        )

    @cached_property
    def layout(self) -> Layout:
        return _read_layout(self.root)

    @cached_property
    def settings(self) -> Settings:
        """readkit.toml at the course root (defaults without one); raises CourseError on a
        file that is not valid."""
        path = self.root / SETTINGS_FILE
        if not path.is_file():
            return Settings()
        try:
            return parse_settings(tomllib.loads(path.read_text(encoding="utf-8")))
        except (UnicodeDecodeError, tomllib.TOMLDecodeError, ValueError) as error:
            raise CourseError(f"{path} is not valid ({error}); fix it.") from None

    # -- articles --------------------------------------------------------------------------

    @cached_property
    def _articles(self) -> dict[str, Article]:
        articles: dict[str, Article] = {}
        for number, row in self._index().numbered():
            slug = (row.get("slug") or "").strip()
            if not slug or slug in articles:
                raise CourseError(f"{self.data / ARTICLES_INDEX} line {number}: the slug is "
                                  "empty or repeats; give each article its own slug.")
            articles[slug] = Article(self.data / ARTICLES / slug, slug,
                                     (row.get("title") or "").strip())
        if not articles:
            raise CourseError(f"{self.data / ARTICLES_INDEX} lists no article. Add one with "
                              "`readkit new-article SLUG FILE`.")
        return articles

    def _index(self) -> Table:
        path = self.data / ARTICLES_INDEX
        if not path.is_file():
            raise CourseError(
                f"{path} is missing: it lists the course's articles (slug,title; the first is "
                "the default). Restore it from the course repository (git checkout data/)."
            )
        return read_table(path)

    @property
    def article_slugs(self) -> tuple[str, ...]:
        """The course's articles in data/articles.csv's order (the first is the default)."""
        return tuple(self._articles)

    def article(self, slug: str | None = None) -> Article:
        """One article (None: the default, the first of data/articles.csv)."""
        if slug is None:
            return next(iter(self._articles.values()))
        try:
            return self._articles[slug]
        except (KeyError, TypeError):
            raise CourseError(
                f"No article {slug!r} in this course. Articles: {', '.join(self._articles)} "
                "(data/articles.csv); add one with `readkit new-article SLUG FILE`."
            ) from None

    def article_for(self, assignment: str) -> Article:
        """The article whose sections.csv has the graded parts of `assignment`. A test taken on
        the parallel forms has two: ask `form_test(assignment)` for the learner's form."""
        for article in self._articles.values():
            if article.sections(assignment):
                return article
        test = self.form_test(assignment)
        if test is not None:
            raise CourseError(
                f"{assignment} is taken on the parallel forms ("
                + ", ".join(f"{form.name}: {form.slug}" for form in test.forms)
                + "): each learner has one of them (Course.form_test(assignment).planned_form)."
            )
        raise CourseError(
            f"No article's sections.csv has parts of {assignment!r}. Assignments with parts: "
            f"{', '.join(sorted({s.assignment for s in self.sections()})) or 'none'}."
        )

    def sections(self, assignment: str | None = None) -> list[Section]:
        """The graded sections of every article (all, or one assignment's), in articles.csv
        order. A test on the parallel forms has the parts of its first form (every form has
        the same part names and points), named for the test."""
        test = self.form_test(assignment) if assignment is not None else None
        if test is not None:
            form = test.forms[0]
            return [replace(s, assignment=assignment)
                    for s in self.article(form.slug).sections(form.parts)]
        return [s for article in self._articles.values() for s in article.sections(assignment)]

    # -- parallel forms and the tests taken on them (course/forms.py) -----------------------

    @cached_property
    def _forms_and_tests(self) -> tuple[tuple[Form, ...], dict[str, FormTest]]:
        try:
            forms = parse_forms(self._optional_rows(FORMS_FILE))
            return forms, parse_tests(self._optional_rows(TESTS_FILE), forms)
        except ValueError as error:
            raise CourseError(f"{self.data}: {error}; fix the file (data/README.md, "
                              "\"Parallel forms\").") from None

    @property
    def forms(self) -> tuple[Form, ...]:
        """The parallel forms A and B (data/forms.csv; none when the course has no tests)."""
        return self._forms_and_tests[0]

    @property
    def form_tests(self) -> dict[str, FormTest]:
        """assignment -> the pre-test or post-test taken on the parallel forms (data/tests.csv;
        empty when the course has none)."""
        return self._forms_and_tests[1]

    def form_test(self, assignment: str) -> FormTest | None:
        """The test `assignment` is, when it is taken on the parallel forms; else None."""
        return self.form_tests.get(assignment)

    def _optional_rows(self, name: str) -> list[dict[str, str]]:
        path = self.data / name
        if not path.is_file():
            return []
        return list(read_table(path).rows)
