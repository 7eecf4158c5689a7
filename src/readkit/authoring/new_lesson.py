"""`readkit new-lesson ARTICLE`: a self-study lesson notebook, lessons/NAME.ipynb, on the
practice units of an article (authoring/lesson_notebook.py builds it from the practice key
only). Run it with `make lab`; nothing in it is graded.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from readkit.authoring.articles import GeneratorError, open_article
from readkit.authoring.new_assignment import check_key, title_of
from readkit.course import label_mix
from readkit.course.answers import write_text_atomic
from readkit.course.course import Course, CourseError
from readkit.course.key import ASSESSMENT, PRACTICE

NAME = re.compile(r"[a-z0-9][a-z0-9-]{0,62}")
LESSONS = "lessons"
README = "README.md"  # lessons/README.md: a table row per lesson
TABLE_ROW = re.compile(r"^\| \[([^\]]+)\]\(([^)]+)\.ipynb\) \|")


@dataclass(frozen=True)
class NewLesson:
    path: Path
    hard_cases: list[str]
    practice_units: int
    notes: tuple[str, ...] = ()  # what the practice half lacks, and where the split would fix it


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
    notebook = build_lesson(slug, name, practice,
                            (min(paragraphs), max(paragraphs)))
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(notebook, path)
    list_in_readme(course.root / LESSONS / README, name, title_of(article))
    return NewLesson(path, hard_cases(practice), len(practice), practice_notes(article))


def readme_row(name: str, title: str) -> str:
    title = " ".join(title.split()).replace("|", "\\|")
    return (f"| [{name}]({name}.ipynb) | 25 min | Practice on \"{title}\" (made with "
            "`readkit new-lesson`): the decision procedure, worked examples, the Sorter on the "
            "article's practice half, self-checks on its hard cases. |")


def list_in_readme(readme: Path, name: str, title: str) -> None:
    """The lesson's row in the table of lessons/README.md: after the last lesson, or in place
    of its own row (--force). A README without that table is left alone."""
    if not readme.is_file():
        return
    lines = readme.read_text(encoding="utf-8").split("\n")
    rows = [i for i, line in enumerate(lines) if TABLE_ROW.match(line)]
    if not rows:
        return
    own = [i for i in rows if TABLE_ROW.match(lines[i]).group(2) == name]
    if own:
        lines[own[0]] = readme_row(name, title)
    else:
        lines.insert(rows[-1] + 1, readme_row(name, title))
    write_text_atomic(readme, "\n".join(lines))


def practice_notes(article) -> tuple[str, ...]:
    """What the practice half lacks by the label-mix rule (course/label_mix.py: the practice
    half should have MIN_PER_LABEL of each label the article has), and the split that would
    give it, as `readkit validate` says it. Counts only: no assessment unit is named."""
    entries = article.key()
    practice = Counter(e.label for e in entries.values() if e.split == PRACTICE)
    whole = Counter(e.label for e in entries.values())
    short = label_mix.short_in_practice(practice, whole)
    if not short:
        return ()
    have = ", ".join(f"{practice[label]} {label}" for label in short)
    note = (f"The practice half has {have} unit(s) (fewer than {label_mix.MIN_PER_LABEL}), so the "
            f"lesson gives little practice of {' and '.join(short)} before the assessment.")
    labelled = [(u, article.unit_paragraphs[u], e.label) for u, e in entries.items()]
    better = label_mix.suggest_split(labelled)
    first = next((u for u, e in entries.items() if e.split == ASSESSMENT), None)
    if better is not None and better.meets_rule and better.unit_id != first:
        return (note + f" Start the assessment at {better.unit_id} (paragraph "
                f"{better.paragraph}) instead, which gives {better.describe()}: in author mode, "
                f'or KeyEditor.start_assessment_at("{better.unit_id}"); then run readkit '
                f"validate {article.slug} and readkit new-lesson {article.slug} --force.",)
    return (note + " No split of this key gives both halves enough of each label: teach "
            f"{' and '.join(short)} with another lesson first.",)


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
    for note in result.notes:
        print(f"Note: {note}")
    return 0
