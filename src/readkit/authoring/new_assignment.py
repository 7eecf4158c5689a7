"""`readkit new-assignment ARTICLE`: a graded Sorter assignment from an article's key.

Writes the assignment's rows into the article's sections.csv (unless it has some already: then
they are used as they are) by cutting the assessment paragraphs into --parts parts
(authoring/cuts.py), and the nbgrader source notebook solutions/NAME/NAME.ipynb
(authoring/assignment_notebook.py). `make release` then makes exercises/NAME.
"""

from __future__ import annotations

import argparse
import re
import sys
from dataclasses import dataclass, field, replace
from pathlib import Path

from readkit.authoring.articles import GeneratorError, assignment_names, open_article
from readkit.authoring.cuts import CutError, cut_assessment, guessing
from readkit.course.course import Article, Course, CourseError
from readkit.course.key import ASSESSMENT, SPLITS, is_draft
from readkit.course.labels import LABELS
from readkit.course.sections import SECTION_COLUMNS, Section, parse_sections
from readkit.course.tables import write_table

NAME = re.compile(r"[a-z0-9][a-z0-9-]{0,62}")
DEFAULT_PARTS, DEFAULT_POINTS = 2, 10.0
SECTIONS = "sections.csv"


@dataclass
class NewAssignment:
    name: str
    notebook: Path
    sections: tuple[Section, ...]
    section_units: dict[str, tuple[str, ...]]
    scores: dict  # what learners who never read would score (validate's three strategies)
    notes: list[str] = field(default_factory=list)


def check_key(article: Article, *, need_assessment: bool = True) -> None:
    """Every unit labelled (one of the four labels) and given a split, and (for an
    assignment) some assessment units."""
    rows = article.rows("key.csv")
    where = f"{article.slug}/key.csv"
    blank = [r["unit_id"] for r in rows if not (r.get("label") or "").strip()]
    if blank:
        raise GeneratorError(
            f"{where} has {len(blank)} unit(s) without a label ({_few(blank)}): label every unit "
            f'first, in the Sorter\'s author mode (readkit.AuthorSorter(article='
            f'"{article.slug}")), then run readkit validate.')
    drafts = [r["unit_id"] for r in rows if is_draft(r)]
    if drafts:
        raise GeneratorError(
            f"{where} has {len(drafts)} draft row(s) nobody has confirmed ({_few(drafts)}): "
            "check and confirm each in the Sorter's author mode "
            f'(readkit.AuthorSorter(article="{article.slug}"); KeyEditor.confirm), then run '
            "readkit validate. Drafts are never graded or shown to learners.")
    unknown = [r["unit_id"] for r in rows if r["label"].strip() not in LABELS]
    if unknown:
        raise GeneratorError(f"{where}: unit(s) {_few(unknown)} have a label that is not one of "
                             f"{', '.join(LABELS)}; fix them (readkit validate lists them).")
    unsplit = [r["unit_id"] for r in rows if (r.get("split") or "").strip() not in SPLITS]
    if unsplit:
        raise GeneratorError(
            f"{where} has {len(unsplit)} unit(s) without a split ({_few(unsplit)}): mark the "
            "start of the article practice and the rest assessment, at a paragraph boundary.")
    if need_assessment and not any(r["split"].strip() == ASSESSMENT for r in rows):
        raise GeneratorError(
            f"{where} has no assessment units, so there is nothing to grade: mark the second "
            "half of the article (from a paragraph boundary on) as assessment in the split "
            "column.")


def _few(ids: list[str], limit: int = 5) -> str:
    return ", ".join(ids[:limit]) + (f" and {len(ids) - limit} more" if len(ids) > limit else "")


def default_name(course: Course, slug: str) -> str:
    """NN-sort-SLUG, NN the next number after the assignments of the source folder (or the
    assignment's own number when there is one on this article already)."""
    names = sorted(p.name for p in _source(course).glob("*") if p.is_dir())
    own = [n for n in names if re.fullmatch(rf"\d+-sort-{re.escape(slug)}", n)]
    if own:
        return own[0]
    numbers = [int(m.group(1)) for n in names if (m := re.match(r"(\d+)-", n))]
    return f"{max(numbers, default=0) + 1:02d}-sort-{slug}"


def _source(course: Course) -> Path:
    try:
        return course.layout.source
    except CourseError as error:
        raise GeneratorError(str(error)) from None


def title_of(article: Article) -> str:
    if article.title != article.slug:  # data/articles.csv gives it
        return article.title
    return article.units[0].text if article.units else article.slug


def _write_sections(article: Article, sections: tuple[Section, ...]) -> None:
    path = article.folder / SECTIONS
    rows = article.rows(SECTIONS) if path.is_file() else []
    write_table(path, SECTION_COLUMNS, [
        *rows, *((s.assignment, s.section, s.title, s.first_paragraph, s.last_paragraph,
                  f"{s.points:g}") for s in sections)])


def _cut(name: str, article: Article, units: dict[str, str], key, parts: int | None,
         points: float):
    """The cut of the assessment half into `parts` parts; by default DEFAULT_PARTS, else as
    many as work (down to one), with a note saying why."""
    tries = [parts] if parts is not None else list(range(DEFAULT_PARTS, 0, -1))
    first_error = None
    for count in tries:
        try:
            cut = cut_assessment(name, dict(article.unit_paragraphs), units, key, count,
                                 points)
        except CutError as error:
            first_error = first_error or error
            continue
        if count != tries[0]:
            fewer = f"Cut into {count} part(s) instead of {tries[0]}: {first_error.reason}."
            cut = replace(cut, note=" ".join(filter(None, [fewer, cut.note])))
        return cut
    raise GeneratorError(str(first_error)) from None


def new_assignment(course: Course, slug: str, name: str | None = None, *,
                   parts: int | None = None, points: float = DEFAULT_POINTS,
                   force: bool = False) -> NewAssignment:
    """parts None: DEFAULT_PARTS, or fewer when no cut into that many works (a short
    article); a number: exactly that many, or an error saying why not."""
    import nbformat

    from readkit.authoring.assignment_notebook import build_notebook

    article = open_article(course, slug)
    check_key(article)
    name = name or default_name(course, slug)
    if not NAME.fullmatch(name):
        raise GeneratorError(f"{name!r} is not a usable assignment name: use lower-case letters, "
                             "digits and hyphens (e.g. 03-sort-harbour-bridge).")
    if not points > 0:
        raise GeneratorError("--points must be a number above 0.")
    owners = assignment_names(course)
    if owners.get(name, slug) != slug:
        raise GeneratorError(f"The assignment name {name!r} is already used by the article "
                             f"{owners[name]!r}: choose another --name.")
    folder = _source(course) / name
    if folder.exists() and not force:
        raise GeneratorError(
            f"The assignment {name!r} exists already ({folder}). Learners may have answers "
            "for it: choose another --name, or pass --force to write its notebook again.")
    notes: list[str] = []
    key = article.key(ASSESSMENT)
    units = {u.unit_id: u.text for u in article.units}
    existing = [s for s in parse_sections(article.rows(SECTIONS))
                if s.assignment == name] if (article.folder / SECTIONS).is_file() else []
    if existing:
        sections = tuple(existing)
        section_units = {s.section: tuple(u for u in article.section_units(s) if u in key)
                         for s in sections}
        empty = [s.section for s in sections if not section_units[s.section]]
        if empty:
            raise GeneratorError(f"{slug}/sections.csv: {', '.join(empty)} of {name} covers no "
                                 "assessment units; fix its paragraphs (readkit validate).")
        scores, failed = guessing(sections, section_units, key,
                                  dict(article.unit_paragraphs), units)
        if failed:
            raise GeneratorError(
                f"The parts of {name} in {slug}/sections.csv do not measure reading fairly: "
                + "; ".join(failed) + ". Re-cut their paragraphs so that each part mixes "
                "labels, or delete those rows to let new-assignment cut them.")
        notes.append(f"{slug}/sections.csv already has {len(sections)} part(s) of {name}: used "
                     "as they are (delete those rows to cut the assessment half again).")
    else:
        cut = _cut(name, article, units, key, parts, points)
        sections, section_units, scores = cut.sections, cut.section_units, cut.scores
        if cut.note:
            notes.append(cut.note)
        _write_sections(article, sections)
    folder.mkdir(parents=True, exist_ok=True)
    notebook = folder / f"{name}.ipynb"
    nbformat.write(build_notebook(name, title_of(article), sections), notebook)
    return NewAssignment(name, notebook, sections, section_units, scores, notes)


def summary(result: NewAssignment, course: Course) -> str:
    lines = [f"Wrote {result.notebook.relative_to(course.root)} with {len(result.sections)} "
             "graded part(s):"]
    for section in result.sections:
        lines.append(f"  {section.section}: paragraphs {section.first_paragraph}-"
                     f"{section.last_paragraph}, {len(result.section_units[section.section])} "
                     f"units, {section.points:g} points")
    if result.scores is not None:
        lines.append("Without reading, a learner scores: " + ", ".join(
            f"{strategy} {result.scores[strategy]:.0%}" for strategy in
            ("best label per part", "one label for everything", "random labels")) + ".")
    lines += result.notes
    lines += ["Next:", f"  make release    (makes exercises/{result.name} with nbgrader; "
              "commit solutions/ and exercises/ together)"]
    return "\n".join(lines)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("article", metavar="ARTICLE", help="the article's slug")
    parser.add_argument("--name", help="the assignment's name (default: NN-sort-ARTICLE)")
    parser.add_argument("--parts", type=int, default=None, metavar="N",
                        help=f"graded parts, cut at paragraph boundaries (default {DEFAULT_PARTS}, "
                             "or fewer when a short article needs it)")
    parser.add_argument("--points", type=float, default=DEFAULT_POINTS, metavar="P",
                        help=f"the Sorter points of the whole assignment (default "
                             f"{DEFAULT_POINTS:g})")
    parser.add_argument("--force", action="store_true",
                        help="write the notebook of an existing assignment again")
    parser.add_argument("--course", type=Path, default=Path("."), metavar="DIR",
                        help="course folder (default: the working directory)")


def run(args: argparse.Namespace) -> int:
    try:
        course = Course.open(args.course)
        result = new_assignment(course, args.article, args.name, parts=args.parts,
                                points=args.points, force=args.force)
    except (GeneratorError, CourseError) as error:
        print(f"readkit new-assignment: {error}", file=sys.stderr)
        return 2
    print(summary(result, course))
    return 0
