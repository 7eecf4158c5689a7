"""`readkit new-lesson ARTICLE`: a self-study lesson notebook, lessons/NAME.ipynb, on the
practice units of an article (authoring/lesson_notebook.py builds it from the practice key
only). Run it with `make lab`; nothing in it is graded.
"""

from __future__ import annotations

import argparse
import re
import sys
from dataclasses import dataclass
from pathlib import Path

from readkit.authoring.articles import GeneratorError, open_article
from readkit.authoring.new_assignment import check_key, title_of
from readkit.course.course import Course, CourseError
from readkit.course.key import PRACTICE

NAME = re.compile(r"[a-z0-9][a-z0-9-]{0,62}")
LESSONS = "lessons"


@dataclass(frozen=True)
class NewLesson:
    path: Path
    hard_cases: list[str]
    practice_units: int


def default_name(course: Course, slug: str) -> str:
    """NN-SLUG, NN the next number after the lessons there are (or the lesson's own number when
    there is one on this article already)."""
    names = sorted(p.stem for p in (course.root / LESSONS).glob("*.ipynb"))
    own = [n for n in names if re.fullmatch(rf"\d+-{re.escape(slug)}", n)]
    if own:
        return own[0]
    numbers = [int(m.group(1)) for n in names if (m := re.match(r"(\d+)-", n))]
    return f"{max(numbers, default=0) + 1:02d}-{slug}"


def new_lesson(course: Course, slug: str, name: str | None = None, *,
               force: bool = False) -> NewLesson:
    import nbformat

    from readkit.authoring.lesson_notebook import build_lesson, hard_cases
    
    article = open_article(course, slug)
    check_key(article, need_assessment=False)
    practice = article.key(PRACTICE)
    if not practice:
        raise GeneratorError(
            f"{slug}/key.csv has no practice units, so a lesson has nothing to practise on (it "
            "never shows assessment units): mark the start of the article practice in the split "
            "column.")
    name = name or default_name(course, slug)
    if not NAME.fullmatch(name):
        raise GeneratorError(f"{name!r} is not a usable lesson name: use lower-case letters, "
                             "digits and hyphens (e.g. 09-harbour-bridge).")
    path = course.root / LESSONS / f"{name}.ipynb"
    if path.exists() and not force:
        raise GeneratorError(f"{path} exists already: choose another --name, or pass --force "
                             "to write it again (edits made to it are lost).")
    paragraphs = [article.unit_paragraphs[u] for u in practice]
    notebook = build_lesson(slug, title_of(article), name, practice,
                            (min(paragraphs), max(paragraphs)))
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(notebook, path)
    return NewLesson(path, hard_cases(practice), len(practice))


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("article", metavar="ARTICLE", help="the article's slug")
    parser.add_argument("--name", help="the lesson's file name without .ipynb (default: "
                                       "NN-ARTICLE, after the lessons there are)")
    parser.add_argument("--force", action="store_true", help="replace an existing lesson")
    parser.add_argument("--course", type=Path, default=Path("."), metavar="DIR",
                        help="course folder (default: the working directory)")


def run(args: argparse.Namespace) -> int:
    try:
        course = Course.open(args.course)
        result = new_lesson(course, args.article, args.name, force=args.force)
    except (GeneratorError, CourseError) as error:
        print(f"readkit new-lesson: {error}", file=sys.stderr)
        return 2
    print(f"Wrote {result.path.relative_to(course.root)}: the procedure, worked examples, a "
          f"practice Sorter on {result.practice_units} practice units, and self-checks on "
          f"{', '.join(result.hard_cases)}. Open it with make lab (it is in lessons/).")
    return 0
