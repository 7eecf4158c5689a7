"""`readkit handout ARTICLE [--out DIR] [--teacher-out DIR]`: paper copies of an article
(ARTICLE: a slug of the course, or an article folder).

    handouts/SLUG/SLUG-handout.html             for learners: every unit with its id and four
                                                label boxes, print CSS; made from the text and
                                                units only (--out)
    grading/handouts/SLUG/SLUG-answer-sheet.html  for the teacher: the key with rationales, in
                                                the course's grading/ folder, which git ignores
                                                and nothing releases (--teacher-out). Never
                                                release it (it says so on the page)

and a PDF of each beside it when a Chromium is installed (headless --print-to-pdf); without one
the command says so and writes the HTML only (print it from a browser). The templates
(templates/, Jinja2, autoescaped) sit beside this module; the article's markup (<u>, **) shows
as underlined and bold text through their `article` filter (readkit.course.markup), the data
itself stays as typed.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from readkit.authoring.segment import quote_states
from readkit.course.labels import DESCRIPTIONS, LABELS
from readkit.course.markup import plain, to_html

CHROMIUMS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome")
PDF_SECONDS = 90


class HandoutError(Exception):
    pass


@dataclass
class Handout:
    learner: Path
    teacher: Path
    pdfs: list[Path] = field(default_factory=list)
    note: str = ""


def _environment():
    import jinja2
    from markupsafe import Markup

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(Path(__file__).with_name("templates")),
        autoescape=True, undefined=jinja2.StrictUndefined, keep_trailing_newline=True)
    env.filters["article"] = lambda text: Markup(to_html(text))
    return env


def _read(folder: Path):
    from readkit.course.course import Article, CourseError

    article = Article(folder, folder.name)
    try:
        units = article.rows("units.csv")
        key = {row["unit_id"]: row for row in article.rows("key.csv")}
        sources = article.rows("sources.csv") if (folder / "sources.csv").is_file() else []
    except (CourseError, KeyError) as error:
        raise HandoutError(f"{folder} is not an article folder ({error}). Give the folder that "
                           "readkit new-article wrote (article.txt, units.csv, key.csv).") from None
    return units, key, sources


def find_converter() -> str | None:
    return next((found for name in CHROMIUMS if (found := shutil.which(name))), None)


def to_pdf(chromium: str, html: Path, pdf: Path) -> None:
    command = [chromium, "--headless", "--disable-gpu", "--no-pdf-header-footer",
               f"--print-to-pdf={pdf}", html.resolve().as_uri()]
    if os.geteuid() == 0:
        command.insert(1, "--no-sandbox")  # Chromium refuses to run as root with its sandbox
    subprocess.run(command, check=True, timeout=PDF_SECONDS, capture_output=True)


TEACHER_FOLDER = Path("grading") / "handouts"  # under the course root: ignored, never released


def write_handout(folder: Path, out: Path, *, teacher_out: Path | None = None, pdf: bool = True,
                  converter: str | None = None) -> Handout:
    """The learner's copy in `out`, the answer sheet in `teacher_out` (default: a sibling
    folder of `out` named SLUG-teacher; the command puts it under grading/)."""
    folder = Path(folder)
    units, key, sources = _read(folder)
    slug = folder.name
    quoted = quote_states((u["unit_id"], int(u["paragraph"]), u["text"]) for u in units)
    paragraphs: list[dict] = []
    for unit in units:
        number = int(unit["paragraph"])
        if not paragraphs or paragraphs[-1]["number"] != number:
            paragraphs.append({"number": number, "units": []})
        paragraphs[-1]["units"].append({"unit_id": unit["unit_id"], "text": unit["text"],
                                        "quote_from": quoted.get(unit["unit_id"], "")})
    title = units[0]["text"] if units else slug  # article markup: the templates format it
    labels = [(label, DESCRIPTIONS[label]) for label in LABELS]
    env = _environment()
    learner_name = f"{slug}-handout.html"
    learner = env.get_template("handout.html.j2").render(
        title=title, plain_title=plain(title), slug=slug, labels=labels, paragraphs=paragraphs,
        units_count=len(units))
    rows = [{"unit_id": u["unit_id"], "text": u["text"],
             **{name: key.get(u["unit_id"], {}).get(name, "")
                for name in ("label", "accept", "source", "split", "rationale")}}
            for u in units]
    teacher = env.get_template("teacher.html.j2").render(
        title=title, plain_title=plain(title), slug=slug, rows=rows, sources=sources,
        units_count=len(units),
        unlabelled=sum(1 for row in rows if not row["label"]), handout_name=learner_name)
    teacher_out = teacher_out or out.parent / f"{out.name}-teacher"
    out.mkdir(parents=True, exist_ok=True)
    teacher_out.mkdir(parents=True, exist_ok=True)
    result = Handout(out / learner_name, teacher_out / f"{slug}-answer-sheet.html")
    result.learner.write_text(learner, encoding="utf-8")
    result.teacher.write_text(teacher, encoding="utf-8")
    if not pdf:
        result.note = "PDF skipped (--no-pdf)."
        return result
    chromium = converter or find_converter()
    if not chromium:
        result.note = ("No PDF: no Chromium found to convert with (install chromium, or print "
                       "the HTML from a browser).")
        return result
    for html in (result.learner, result.teacher):
        target = html.with_suffix(".pdf")
        try:
            to_pdf(chromium, html, target)
        except (OSError, subprocess.SubprocessError) as error:
            result.note = f"No PDF: {chromium} failed on {html.name} ({error}); the HTML is there."
            return result
        result.pdfs.append(target)
    return result


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("article", metavar="ARTICLE",
                        help="the article's slug in the course, or its folder (article.txt, "
                             "units.csv, key.csv, ...)")
    parser.add_argument("--out", type=Path, metavar="DIR",
                        help="where to write the learners' copy (default: handouts/SLUG)")
    parser.add_argument("--teacher-out", type=Path, metavar="DIR",
                        help="where to write the answer sheet (default: grading/handouts/SLUG, "
                             "ignored by git and never released)")
    parser.add_argument("--course", type=Path, default=Path("."), metavar="DIR",
                        help="course folder (default: the working directory)")
    parser.add_argument("--no-pdf", dest="pdf", action="store_false",
                        help="write the HTML only, even when Chromium is installed")


def article_folder(article: str, course_root: Path) -> Path:
    """ARTICLE as given on the command line: an article folder, or a slug of the course."""
    from readkit.course.course import Course

    if Path(article).is_dir():
        return Path(article)
    return Course(course_root).article(article).folder


def run(args: argparse.Namespace) -> int:
    from readkit.course.course import CourseError

    try:
        folder = article_folder(args.article, args.course)
        root = Path(args.course)
        out = args.out or root / "handouts" / folder.name
        teacher = args.teacher_out or root / TEACHER_FOLDER / folder.name
        result = write_handout(folder, out, teacher_out=teacher, pdf=args.pdf)
    except (CourseError, HandoutError) as error:
        print(f"readkit handout: {error}", file=sys.stderr)
        return 2
    print(f"Learners' handout: {result.learner}")
    print(f"Teacher's answer sheet: {result.teacher} -- the key with rationales: keep it to "
          "yourself, never release it or put it where learners can read it.")
    for pdf in result.pdfs:
        print(f"PDF: {pdf}")
    if result.note:
        print(result.note)
    return 0
