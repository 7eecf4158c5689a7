"""`readkit new-article SLUG FILE`: a new article folder under the data contract, key blank.

FILE is a plain-text file, a saved HTML page, or `-` for standard input. Writes into the target
folder (default: articles/SLUG in the course's data folder):

    article.txt       the extracted text, blocks separated by blank lines, a final newline
    units.csv         unit_id,paragraph,text: sentence units, ids pNNsM (block N, sentence M)
    key.csv           one row per unit, everything but unit_id blank: label it next
    sources.csv       header only: add every source the article names
    sections.csv      header only: the graded parts of an assignment
    claims.csv        header only: the article's numbers
    checksum.sha256   the sha256 of article.txt (sha256sum's format), so validate can pin it
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import re
import sys
from dataclasses import dataclass
from pathlib import Path

from readkit.authoring.extract import ExtractError, extract
from readkit.authoring.segment import Unit, segment
from readkit.course.answers import write_text_atomic
from readkit.course.course import ARTICLES
from readkit.course.course import ARTICLES_INDEX as INDEX

SLUG = re.compile(r"[a-z0-9][a-z0-9-]{0,62}")
INDEX_HEADER = ("slug", "title")
UNITS_HEADER = ("unit_id", "paragraph", "text")
KEY_HEADER = ("unit_id", "label", "accept", "source", "split", "rationale")
SOURCES_HEADER = ("source_id", "name", "kind", "date", "citation")
SECTIONS_HEADER = ("assignment", "section", "title", "first_paragraph", "last_paragraph",
                   "points")
CLAIMS_HEADER = ("claim_id", "unit_id", "value", "unit", "counts_what", "event", "reported_by")
FILES = ("article.txt", "units.csv", "key.csv", "sources.csv", "sections.csv", "claims.csv",
         "checksum.sha256")


class NewArticleError(Exception):
    """Something the author can fix; the message says what."""


@dataclass(frozen=True)
class NewArticle:
    folder: Path
    kind: str
    units: list[Unit]
    run_on_lines: int = 0  # lines that run on into the next one (hard-wrapped text?)

    @property
    def paragraphs(self) -> int:
        return max((unit.paragraph for unit in self.units), default=0)


def _csv(header: tuple[str, ...], rows: list[tuple] = ()) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def check_slug(slug: str) -> None:
    if not SLUG.fullmatch(slug):
        raise NewArticleError(
            f"{slug!r} is not a usable article name: use lower-case letters, digits and hyphens, "
            "starting with a letter or digit (e.g. harbour-bridge-2026).")


def read_input(file: str, stdin=None) -> str:
    if file == "-":
        return (stdin or sys.stdin).read()
    path = Path(file)
    if not path.is_file():
        raise NewArticleError(f"{file}: no such file. Give a saved web page (.html), a plain-text "
                              "file, or - to read standard input.")
    data = path.read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        # saved pages are sometimes in the page's legacy encoding: let the HTML say which
        return data.decode("cp1252", errors="replace")


_SENTENCE_END = re.compile(r"[.!?:;…\"”')\]]$")


def run_on_lines(text: str) -> int:
    """Lines that end mid-sentence and are followed at once by another non-blank line: the mark
    of a hard-wrapped text, where every line would become a paragraph."""
    lines = text.split("\n")
    return sum(1 for line, after in zip(lines, lines[1:], strict=False)
               if line.strip() and after.strip() and not _SENTENCE_END.search(line.rstrip())
               and after.lstrip()[:1].islower())


def write_article(slug: str, raw: str, folder: Path, *, force: bool = False,
                  kind: str = "auto") -> NewArticle:
    check_slug(slug)
    if folder.exists() and any(folder.iterdir()) and not force:
        raise NewArticleError(
            f"{folder} already holds an article. Its unit ids may already be in learners' "
            "answers, so it is not overwritten: choose another SLUG, or pass --force to replace "
            "it (only for an article nobody has answered yet).")
    try:
        extracted = extract(raw, kind)
    except ExtractError as error:
        raise NewArticleError(f"No article text: {error}.") from None
    units = segment(extracted.text)
    files = {
        "article.txt": extracted.text,
        "units.csv": _csv(UNITS_HEADER, [(u.unit_id, u.paragraph, u.text) for u in units]),
        "key.csv": _csv(KEY_HEADER, [(u.unit_id, "", "", "", "", "") for u in units]),
        "sources.csv": _csv(SOURCES_HEADER),
        "sections.csv": _csv(SECTIONS_HEADER),
        "claims.csv": _csv(CLAIMS_HEADER),
        "checksum.sha256": hashlib.sha256(extracted.text.encode("utf-8")).hexdigest()
        + "  article.txt\n",
    }
    folder.mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        (folder / name).write_text(content, encoding="utf-8", newline="")
    return NewArticle(folder, extracted.kind, units, run_on_lines(extracted.text))


def register(data: Path, slug: str, title: str) -> None:
    """List the article in data/articles.csv (slug,title), after the articles already there
    (the first stays the course's default). An article listed already keeps its row."""
    index = data / INDEX
    rows = []
    if index.is_file():
        with index.open(encoding="utf-8", newline="") as handle:
            rows = [(row["slug"], row["title"]) for row in csv.DictReader(handle)]
    if slug in {listed for listed, _ in rows}:
        return
    write_text_atomic(index, _csv(INDEX_HEADER, [*rows, (slug, title)]))


def next_steps(slug: str, result: NewArticle) -> str:
    quoted = [u for u in result.units if u.quote_from]
    lines = [
        f"Wrote {len(result.units)} units in {result.paragraphs} paragraphs from the "
        f"{'HTML page' if result.kind == 'html' else 'text'} to {result.folder}/ "
        f"({', '.join(FILES)}).",
    ]
    if result.run_on_lines:
        lines.append(
            f"Warning: {result.run_on_lines} lines run on into the next line mid-sentence. "
            "Each non-blank line is a paragraph: if the text is hard-wrapped, put each paragraph "
            "on one line (a blank line between paragraphs) and run again with --force.")
    if quoted:
        lines.append(f"{len(quoted)} units continue a quotation opened in an earlier unit "
                     "(label them with the speaker's unit in mind): "
                     + ", ".join(f"{u.unit_id} (from {u.quote_from})" for u in quoted[:8])
                     + (" ..." if len(quoted) > 8 else "") + ".")
    lines += [
        "Next:",
        f"  1. Read {result.folder}/units.csv against article.txt: split or merge units now, "
        "before anyone answers (unit ids are stable from then on).",
        f"  2. Label every unit in the Sorter's author mode: readkit.AuthorSorter(article="
        f"\"{slug}\") in a notebook (label, accept, source, split, rationale); add each "
        "source the article names to sources.csv.",
        f"  3. readkit validate {slug}",
        f"  4. readkit new-lesson {slug}    (a self-study lesson with the practice units)",
        f"  5. readkit new-assignment {slug}    (an nbgrader assignment in solutions/)",
        f"  6. readkit handout {result.folder} --out handouts/{slug}    (paper copies)",
    ]
    return "\n".join(lines)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("slug", metavar="SLUG", help="the article's name, e.g. harbour-bridge")
    parser.add_argument("file", metavar="FILE",
                        help="a saved web page (.html), a plain-text file, or - for stdin")
    parser.add_argument("--out", type=Path, metavar="DIR",
                        help="folder to write (default: articles/SLUG in the course's data "
                             "folder, listed in its articles.csv)")
    parser.add_argument("--as", dest="kind", choices=("auto", "html", "text"), default="auto",
                        help="how to read FILE (default: HTML when it starts with HTML tags)")
    parser.add_argument("--force", action="store_true",
                        help="replace an existing article folder (only if nobody answered it)")
    parser.add_argument("--course", type=Path, default=Path("."), metavar="DIR",
                        help="course folder (default: the working directory)")


def run(args: argparse.Namespace) -> int:
    from readkit.course.course import Course

    data = Course(args.course).data
    folder = args.out or data / ARTICLES / args.slug
    try:
        check_slug(args.slug)
        result = write_article(args.slug, read_input(args.file), folder, force=args.force,
                               kind=args.kind)
    except NewArticleError as error:
        print(f"readkit new-article: {error}", file=sys.stderr)
        return 2
    if args.out is None:
        register(data, args.slug, result.units[0].text if result.units else args.slug)
    print(next_steps(args.slug, result))
    return 0
