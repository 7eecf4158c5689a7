"""`readkit new-article SLUG FILE`: a new article folder under the data contract, with a draft key.

FILE is a plain-text file, a saved HTML page, or `-` for standard input. Writes into the target
folder (default: articles/SLUG in the course's data folder), each file atomically through the
contract's CSV writer (readkit.course.tables):

    article.txt       the extracted text, blocks separated by blank lines, a final newline
    units.csv         unit_id,paragraph,text: sentence units, ids pNNsM (block N, sentence M)
    key.csv           one row per unit: a draft label, source and rationale from readable rules
                      (authoring/draft_key.py), each row marked draft until the teacher
                      confirms it, and a split where both halves meet the label-mix rule
                      (course/label_mix.py); --blank for an empty key
    sources.csv       header only (the summary lists the sources the draft names, to add)
    sections.csv      header only: the graded parts of an assignment
    claims.csv        header only: the article's numbers
    checksum.sha256   the sha256 of article.txt (sha256sum's format), so validate can pin it

Again on an article folder (--force, after an edit of the text or a better saved page): the new
units are matched with the old ones by their text (readkit.authoring.rekey), so every unit whose
text is unchanged keeps its id where it can, and its whole key row (label, accept, source,
split, rationale); only new units are drafted (or left blank). sources.csv, claims.csv,
sections.csv and hard_cases.csv are kept as they are. The summary names the units that are new
and those that are gone.
"""

from __future__ import annotations

import argparse
import hashlib
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

from readkit.authoring.draft_key import Draft, draft_key
from readkit.authoring.extract import Extracted, ExtractError, extract
from readkit.authoring.rekey import Rekeyed, rekey
from readkit.authoring.segment import Unit, blocks_of, segment
from readkit.course import label_mix
from readkit.course.answers import write_text_atomic
from readkit.course.course import ARTICLES
from readkit.course.course import ARTICLES_INDEX as INDEX
from readkit.course.key import (
    ASSESSMENT,
    DRAFT,
    KEY_COLUMNS,
    KEY_COLUMNS_WITH_STATUS,
    PRACTICE,
    STATUS,
    is_draft,
)
from readkit.course.sections import SECTION_COLUMNS
from readkit.course.tables import (
    CLAIMS_COLUMNS,
    INDEX_COLUMNS,
    SOURCES_COLUMNS,
    UNITS_COLUMNS,
    read_table,
    write_table,
)

SLUG = re.compile(r"[a-z0-9][a-z0-9-]{0,62}")
# the contract's headers, as new-article writes them (names kept for the tests and callers)
INDEX_HEADER, UNITS_HEADER, KEY_HEADER = INDEX_COLUMNS, UNITS_COLUMNS, KEY_COLUMNS
SOURCES_HEADER, SECTIONS_HEADER, CLAIMS_HEADER = SOURCES_COLUMNS, SECTION_COLUMNS, CLAIMS_COLUMNS
FILES = ("article.txt", "units.csv", "key.csv", "sources.csv", "sections.csv", "claims.csv",
         "checksum.sha256")
KEPT_ON_FORCE = ("sources.csv", "sections.csv", "claims.csv")


class NewArticleError(Exception):
    """Something the author can fix; the message says what."""


@dataclass(frozen=True)
class NewArticle:
    folder: Path
    kind: str
    units: list[Unit]
    run_on_lines: int = 0  # lines that run on into the next one (hard-wrapped text?)
    rekeyed: Rekeyed | None = None  # what --force kept, renumbered, added and dropped
    drafted: list[str] = field(default_factory=list)  # units whose row is a new draft
    new_sources: list[str] = field(default_factory=list)
    split: label_mix.Split | None = None  # where the draft starts the assessment

    @property
    def paragraphs(self) -> int:
        return max((unit.paragraph for unit in self.units), default=0)


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
                  kind: str = "auto", draft: bool = False) -> NewArticle:
    """Write the article folder. draft: fill every new unit's key row from the draft rules
    (marked draft) and suggest the split; else new rows are blank (readkit new-article drafts
    unless --blank). With force, an existing folder's key rows follow their units' text."""
    check_slug(slug)
    existing = folder.exists() and any(folder.iterdir())
    if existing and not force:
        raise NewArticleError(
            f"{folder} already holds an article. Its unit ids may already be in learners' "
            "answers, so it is not overwritten: choose another SLUG, or pass --force to replace "
            "it (only for an article nobody has answered yet; key rows of unchanged units are "
            "kept).")
    try:
        extracted = extract(raw, kind)
    except ExtractError as error:
        raise NewArticleError(f"No article text: {error}.") from None
    units = segment(extracted.text)
    old_units, old_key = _old_folder(folder) if existing else ([], {})
    rekeyed = rekey(old_units, old_key, [(u.paragraph, u.text) for u in units])
    units = [Unit(unit_id, u.paragraph, u.start, u.end, u.text, u.quote_from)
             for unit_id, u in zip(rekeyed.unit_ids, units, strict=True)]
    key = dict(rekeyed.key)
    sources = _old_sources(folder) if existing else []
    drafted, new_sources, split = [], [], None
    if draft:
        found = draft_key([(u.unit_id, u.paragraph, u.text) for u in units],
                          [(row["source_id"], row["name"]) for row in sources])
        marked = _marked_furniture(units, extracted)
        for row in found.rows:
            if row.unit_id not in key:
                key[row.unit_id] = {"unit_id": row.unit_id, "label": row.label, "accept": "",
                                    "source": row.source, "split": "",
                                    "rationale": row.rationale, STATUS: DRAFT}
                if row.unit_id in marked and row.label != "meta":
                    key[row.unit_id].update(label="meta", source="", rationale=(
                        f"The page's markup makes this {marked[row.unit_id]}: publication "
                        "furniture, not the article's text: meta."))
                drafted.append(row.unit_id)
        new_sources = _named_sources(sources, found, {key[u]["source"] for u in drafted})
        split = _draft_split(units, key, drafted)
    for unit in units:
        key.setdefault(unit.unit_id, {"unit_id": unit.unit_id})
    rows = [key[u.unit_id] for u in units]
    columns = KEY_COLUMNS_WITH_STATUS if any(is_draft(r) for r in rows) else KEY_COLUMNS
    folder.mkdir(parents=True, exist_ok=True)
    tables = {
        "units.csv": (UNITS_COLUMNS, [(u.unit_id, u.paragraph, u.text) for u in units]),
        "key.csv": (columns, rows),
        "sources.csv": (SOURCES_COLUMNS, sources),
        "sections.csv": (SECTION_COLUMNS, []),
        "claims.csv": (CLAIMS_COLUMNS, []),
    }
    for name, (header, content) in tables.items():
        if name in KEPT_ON_FORCE and existing and (folder / name).is_file():
            continue
        write_table(folder / name, header, content)
    write_text_atomic(folder / "article.txt", extracted.text)
    digest = hashlib.sha256(extracted.text.encode("utf-8")).hexdigest()
    write_text_atomic(folder / "checksum.sha256", f"{digest}  article.txt\n")
    return NewArticle(folder, extracted.kind, units, run_on_lines(extracted.text),
                      rekeyed if existing else None, drafted, new_sources, split)


def _marked_furniture(units: list[Unit], extracted: Extracted) -> dict[str, str]:
    """unit_id -> what the saved page's markup says its paragraph is (a caption, a share bar,
    a copyright line...), for the units of the furniture blocks the HTML import put back."""
    blocks = {block.number: block.text for block in blocks_of(extracted.text)}
    return {u.unit_id: extracted.furniture_blocks[blocks[u.paragraph]] for u in units
            if blocks.get(u.paragraph) in extracted.furniture_blocks}


def _old_folder(folder: Path) -> tuple[list[tuple[str, int, str]], dict[str, dict[str, str]]]:
    """The units and key rows of the article folder as it is (none when unreadable)."""
    try:
        units = [(row["unit_id"], int(row["paragraph"] or 0), row["text"])
                 for row in read_table(folder / "units.csv").rows]
        key = {row["unit_id"]: row for row in read_table(folder / "key.csv").rows}
    except (OSError, ValueError, KeyError):
        return [], {}
    return units, key


def _old_sources(folder: Path) -> list[dict[str, str]]:
    try:
        return [dict(row) for row in read_table(folder / "sources.csv").rows]
    except OSError:
        return []


def _named_sources(sources: list[dict[str, str]], found: Draft, used: set[str]) -> list[str]:
    """'id (name, kind)' of each source a drafted row names that sources.csv lacks: the teacher
    adds them in author mode (add_source), checking each name and kind."""
    known = {row.get("source_id") for row in sources}
    return [f"{source.source_id} ({source.name}, {source.kind}?)" for source in found.sources
            if source.source_id in used and source.source_id not in known]


def _draft_split(units: list[Unit], key: dict[str, dict[str, str]],
                 drafted: list[str]) -> label_mix.Split | None:
    """Give every drafted row the split label_mix suggests, unless the key has one already
    (rows kept by --force): then a drafted unit takes its paragraph's side."""
    labelled = [(u.unit_id, u.paragraph, key[u.unit_id].get("label", "")) for u in units]
    kept = [u for u in units if key[u.unit_id].get("split") in (PRACTICE, ASSESSMENT)
            and u.unit_id not in drafted]
    if kept:
        start = next((u.paragraph for u in units
                      if key[u.unit_id].get("split") == ASSESSMENT), None)
        split = None
    else:
        split = label_mix.suggest_split(labelled)
        start = split.paragraph if split else None
    for unit in units:
        if unit.unit_id in drafted:
            key[unit.unit_id]["split"] = (ASSESSMENT if start is not None
                                          and unit.paragraph >= start else PRACTICE)
    return split


def register(data: Path, slug: str, title: str) -> None:
    """List the article in data/articles.csv (slug,title), after the articles already there
    (the first stays the course's default). An article listed already keeps its row."""
    index = data / INDEX
    rows = [dict(row) for row in read_table(index).rows] if index.is_file() else []
    if slug in {row.get("slug") for row in rows}:
        return
    write_table(index, INDEX_COLUMNS, [*rows, {"slug": slug, "title": title}])


def _ids(ids: list[str], limit: int = 8) -> str:
    return ", ".join(ids[:limit]) + (f" and {len(ids) - limit} more" if len(ids) > limit else "")


def rekey_summary(rekeyed: Rekeyed) -> list[str]:
    kept = len(rekeyed.kept) + len(rekeyed.renumbered)
    lines = [f"Kept the key rows of {kept} unit(s) whose text is unchanged."]
    if rekeyed.renumbered:
        lines.append("Renumbered (same text, another paragraph): " + _ids(
            [f"{old} -> {new}" for old, new in rekeyed.renumbered]) + ".")
    if rekeyed.new:
        lines.append(f"New units (new text, new ids): {_ids(rekeyed.new)}.")
    if rekeyed.gone:
        lines.append("Gone (their text is no longer in the article): " + _ids(
            [f"{unit_id} ({text[:40]!r})" for unit_id, text in rekeyed.gone], 5) + ".")
    if not (rekeyed.renumbered or rekeyed.new or rekeyed.gone):
        lines.append("No unit is new or gone.")
    return lines


def mix_summary(result: NewArticle) -> list[str]:
    """The draft's label mix and where it starts the assessment half, or what is short."""
    if result.split is None:
        return []
    split = result.split
    lines = [f"The draft starts the assessment half at {split.unit_id} (paragraph "
             f"{split.paragraph}): {split.describe()}."]
    short = label_mix.short_in_assessment(split.assessment)
    if short:
        lines.append(
            f"No split gives the assessment half {label_mix.MIN_PER_LABEL} units of each of "
            f"{', '.join(label_mix.GRADED_LABELS)} in the draft (short: {', '.join(short)}): "
            "the article may be too short to grade; check the labels, then use it for a lesson "
            "only, or add text.")
    elif split.practice_short:
        lines.append(f"The practice half has fewer than {label_mix.MIN_PER_LABEL} "
                     f"{' and '.join(split.practice_short)} units: learners meet them in the "
                     "assessment with little practice (teach them with another article first).")
    return lines


def next_steps(slug: str, result: NewArticle) -> str:
    quoted = [u for u in result.units if u.quote_from]
    lines = [
        f"Wrote {len(result.units)} units in {result.paragraphs} paragraphs from the "
        f"{'HTML page' if result.kind == 'html' else 'text'} to {result.folder}/ "
        f"({', '.join(FILES)}).",
    ]
    if result.rekeyed is not None:
        lines += rekey_summary(result.rekeyed)
    if result.drafted:
        lines.append(
            f"Drafted the key rows of {len(result.drafted)} unit(s) from readable rules "
            "(readkit.authoring.draft_key; each rationale says which words decided): every one "
            "is marked draft until you confirm it.")
        if result.new_sources:
            lines.append(f"The draft names {len(result.new_sources)} source(s) that "
                         f"sources.csv lacks: {_ids(result.new_sources, 12)}. Add each in "
                         "author mode (add source: id, name, kind, date, citation) or fix the "
                         "draft's source.")
    lines += mix_summary(result)
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
    check = ("check every drafted row and confirm it (one key per unit), correcting the label, "
             "accept, source, rationale or split where the draft is wrong"
             if result.drafted else "label every unit (label, accept, source, split, "
             "rationale)")
    lines += [
        "Next:",
        f"  1. Read {result.folder}/units.csv against article.txt: split or merge units now, "
        "before anyone answers (unit ids are stable from then on).",
        f"  2. In the Sorter's author mode, readkit.AuthorSorter(article=\"{slug}\") in a "
        f"notebook, {check}; add each source the article names to sources.csv "
        "(docs/teacher-guide.md lists author mode's keys).",
        f"  3. readkit validate {slug}",
        f"  4. readkit new-lesson {slug}    (a self-study lesson with the practice units)",
        f"  5. readkit new-assignment {slug}    (an nbgrader assignment in solutions/)",
        f"  6. readkit handout {slug}    (paper copies; the answer sheet goes to a "
        "teachers-only folder)",
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
                        help="replace an existing article folder (only if nobody answered it); "
                             "units whose text is unchanged keep their key rows")
    parser.add_argument("--blank", action="store_true",
                        help="leave new units' key rows blank instead of drafting them")
    parser.add_argument("--course", type=Path, default=Path("."), metavar="DIR",
                        help="course folder (default: the working directory)")


def run(args: argparse.Namespace) -> int:
    from readkit.course.course import Course

    data = Course(args.course).data
    folder = args.out or data / ARTICLES / args.slug
    try:
        check_slug(args.slug)
        result = write_article(args.slug, read_input(args.file), folder, force=args.force,
                               kind=args.kind, draft=not args.blank)
    except NewArticleError as error:
        print(f"readkit new-article: {error}", file=sys.stderr)
        return 2
    if args.out is None:
        register(data, args.slug, result.units[0].text if result.units else args.slug)
    print(next_steps(args.slug, result))
    return 0
