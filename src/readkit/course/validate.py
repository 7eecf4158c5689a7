"""`readkit validate [ARTICLE]`: check every article of the course (or one) against the data
contract: data/articles.csv lists the articles, data/articles/<slug>/ holds each one's files.

Every problem names the file, the row (the file's line number, header = row 1, as a spreadsheet
shows it) and a hint on what to do. Reads with the csv module so rows map exactly to lines.
Nothing here knows one article from another: an article's published text is pinned by the
checksum.sha256 in its folder (data, written by `readkit new-article`), not by code.
"""

import csv
import hashlib
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from readkit.course.course import ARTICLES, ARTICLES_INDEX, DATA, Course, CourseError
from readkit.course.key import ASSESSMENT, SPLITS, parse_accept
from readkit.course.labels import LABELS
from readkit.course.sections import parse_sections, units_in_paragraphs

UNIT_ID = re.compile(r"p(\d{2,3})s(\d+)")
SLUG = re.compile(r"[a-z0-9][a-z0-9-]{0,62}")
CHECKSUM = re.compile(r"([0-9a-f]{64}) [ *]article\.txt\n?")
# Each label at least twice in the assessment split (a part's chance-corrected score needs every
# label it grades to be there); fewer in the practice split is a note (a short article).
MIN_PER_LABEL_PER_SPLIT = 2
NUMBER_WORDS = {
    0.5: ("half",), 2: ("two",), 4: ("four",), 10: ("ten",), 13: ("thirteen",),
    20: ("twenty",), 50: ("fifty",), 100: ("hundred",), 8000: ("eight thousand",),
}


@dataclass(frozen=True)
class Problem:
    file: str
    row: int | None
    message: str

    def __str__(self) -> str:
        where = f"{self.file} row {self.row}" if self.row else self.file
        return f"{where}: {self.message}"


def _rows(path: Path) -> list[tuple[int, dict[str, str]]]:
    """(row number as a spreadsheet shows it, row) for every data row."""
    with path.open(encoding="utf-8", newline="") as handle:
        return [(number, row) for number, row in enumerate(csv.DictReader(handle), start=2)]


def paragraphs(article: str) -> list[tuple[int, int]]:
    """(start, end) offsets of each non-blank line: paragraph n is paragraphs(article)[n - 1]."""
    spans, offset = [], 0
    for line in article.splitlines(keepends=True):
        if line.strip():
            spans.append((offset, offset + len(line.rstrip("\r\n"))))
        offset += len(line)
    return spans


def _missing_columns(name: str, path: Path, expected: tuple[str, ...]) -> list[Problem]:
    with path.open(encoding="utf-8", newline="") as handle:
        header = next(csv.reader(handle), [])
    if tuple(header) != expected:
        return [Problem(name, 1, f"header is {','.join(header)}; expected {','.join(expected)}")]
    return []


class Validator:
    """The data-contract checks of one article folder of `course`."""

    def __init__(self, course: Course, slug: str):
        self.course = course
        self.data = course.data / ARTICLES / slug
        self.where = f"{DATA}/{ARTICLES}/{slug}"
        self.problems: list[Problem] = []
        self.notes: list[str] = []  # worth knowing, but not wrong

    def add(self, file: str, row: int | None, message: str) -> None:
        self.problems.append(Problem(f"{self.where}/{file}", row, message))

    # --- article ------------------------------------------------------------------------
    def check_article(self) -> str:
        raw = (self.data / "article.txt").read_bytes()
        digest = hashlib.sha256(raw).hexdigest()
        recorded = (self.data / "checksum.sha256").read_text(encoding="utf-8")
        match = CHECKSUM.fullmatch(recorded)
        if not match:
            self.add("checksum.sha256", None, "is not one line '<sha256>  article.txt'; write "
                     "it again with `sha256sum article.txt > checksum.sha256` in the folder, "
                     "only if article.txt is the text as published")
        elif digest != match.group(1):
            self.add("article.txt", None, f"sha256 {digest[:12]}... differs from the published "
                     f"article's ({match.group(1)[:12]}... in checksum.sha256); restore it byte "
                     "for byte from the source (the article stays verbatim)")
        return raw.decode("utf-8")

    # --- units --------------------------------------------------------------------------
    def check_units(self, article: str) -> list[tuple[int, dict[str, str]]]:
        rows = _rows(self.data / "units.csv")
        spans = paragraphs(article)
        seen: dict[str, int] = {}
        position, previous = 0, None
        for number, row in rows:
            unit_id, text = row["unit_id"], row["text"]
            if unit_id in seen:
                self.add("units.csv", number, f"unit_id {unit_id} repeats row {seen[unit_id]}; "
                         "give every unit its own id")
            seen[unit_id] = number
            match = UNIT_ID.fullmatch(unit_id)
            if not match:
                self.add("units.csv", number, f"unit_id {unit_id!r} is not like p07s2 "
                         "(p + paragraph + s + sentence)")
            if not text.strip() or text != text.strip():
                self.add("units.csv", number, "text is empty or has spaces at either end; "
                         "trim it to the sentence")
                continue
            found = article.find(text, position)
            if found < 0:
                after = f"after row {previous}'s position" if previous else "in the article"
                self.add("units.csv", number, f"text not found {after}; check quotes, dashes and "
                         "spacing against article.txt, and the order of rows")
                continue
            gap = article[position:found]
            if gap.strip():
                self.add("units.csv", number, f"text before this unit is covered by no unit: "
                         f"{gap.strip()[:60]!r}; add a unit for it")
            paragraph = next(
                (n for n, (start, end) in enumerate(spans, 1) if start <= found < end), None
            )
            if str(paragraph) != row["paragraph"].strip():
                self.add("units.csv", number, f"paragraph is {row['paragraph']!r} but the text is "
                         f"in paragraph {paragraph} (non-blank line {paragraph} of article.txt)")
            elif match and int(match.group(1)) != paragraph:
                self.add("units.csv", number, f"unit_id {unit_id} names paragraph "
                         f"{int(match.group(1))}, but the unit is in paragraph {paragraph}")
            if found + len(text) > (spans[paragraph - 1][1] if paragraph else found):
                self.add("units.csv", number, "text runs across a paragraph break; split it")
            position, previous = found + len(text), number
        if article[position:].strip():
            self.add("units.csv", None, f"the article's end is covered by no unit: "
                     f"{article[position:].strip()[:60]!r}; add units for it")
        return rows

    # --- sources ------------------------------------------------------------------------
    def check_sources(self) -> set[str]:
        path = self.data / "sources.csv"
        self.problems += _missing_columns(
            f"{self.where}/sources.csv", path, ("source_id", "name", "kind", "date", "citation"))
        ids: set[str] = set()
        for number, row in _rows(path):
            if row["source_id"] in ids:
                self.add("sources.csv", number, f"source_id {row['source_id']} repeats")
            ids.add(row["source_id"])
            for column in ("name", "kind", "citation"):
                if not (row.get(column) or "").strip():
                    self.add("sources.csv", number, f"{column} is empty; fill it in")
            if not re.fullmatch(r"\d{4}(-\d{2}(-\d{2})?)?", (row.get("date") or "").strip()):
                self.add("sources.csv", number, f"date {row.get('date')!r} is not YYYY-MM-DD, "
                         "YYYY-MM or YYYY")
        return ids

    # --- key ----------------------------------------------------------------------------
    def check_key(self, units: list[tuple[int, dict[str, str]]], sources: set[str]) -> None:
        path = self.data / "key.csv"
        self.problems += _missing_columns(
            f"{self.where}/key.csv", path,
            ("unit_id", "label", "accept", "source", "split", "rationale"))
        rows = _rows(path)
        unit_ids = [row["unit_id"] for _, row in units]
        key_ids = [row["unit_id"] for _, row in rows]
        for missing in [u for u in unit_ids if u not in set(key_ids)]:
            self.add("key.csv", None, f"unit {missing} has no key row; add one")
        if [k for k in key_ids if k in set(unit_ids)] != [u for u in unit_ids if u in set(key_ids)]:
            self.add("key.csv", None, "rows are not in the reading order of units.csv; sort them")
        counts: Counter[tuple[str, str]] = Counter()
        seen: set[str] = set()
        unlabelled = [row["unit_id"] for _, row in rows if not row["label"].strip()]
        if unlabelled:
            # A new article's key is blank: one problem, not one per row.
            self.add("key.csv", None, f"{len(unlabelled)} of {len(rows)} units have no label "
                     f"yet ({', '.join(unlabelled[:5])}{' ...' if len(unlabelled) > 5 else ''}); "
                     f"label them in the Sorter's author mode: readkit.AuthorSorter("
                     f"article=\"{self.data.name}\")")
        for number, row in rows:
            unit_id, label, split = row["unit_id"], row["label"], row["split"]
            if unit_id not in set(unit_ids):
                self.add("key.csv", number, f"unit_id {unit_id} is not in units.csv")
            if unit_id in seen:
                self.add("key.csv", number, f"unit_id {unit_id} has two key rows; keep one")
            seen.add(unit_id)
            if not label.strip():
                continue  # counted above
            if label not in LABELS:
                self.add("key.csv", number, f"label {label!r} is not one of {', '.join(LABELS)}")
            for other in parse_accept(row["accept"]):
                if other not in LABELS:
                    self.add("key.csv", number, f"accept label {other!r} is not one of "
                             f"{', '.join(LABELS)}")
                elif other == label:
                    self.add("key.csv", number, f"accept repeats the label {label!r}; remove it")
            source = row["source"].strip()
            if label == "sourced" and not source:
                self.add("key.csv", number, "a sourced unit needs a source_id from sources.csv")
            if source and source not in sources:
                self.add("key.csv", number, f"source {source!r} is not in sources.csv; add it "
                         "there or fix the id")
            if not row["rationale"].strip():
                self.add("key.csv", number, "rationale is empty; say which words decide the label")
            if split.strip() and split not in SPLITS:
                self.add("key.csv", number, f"split {split!r} is not one of {', '.join(SPLITS)}")
            counts[split, label] += 1
        unsplit = [row["unit_id"] for _, row in rows if not row["split"].strip()]
        if unsplit:
            self.add("key.csv", None, f"{len(unsplit)} units have no split yet; in author mode "
                     "mark the unit where the assessment starts (units before it are practice)")
        splits = [row["split"] for _, row in rows if row["split"] in SPLITS]
        if splits != sorted(splits, key=SPLITS.index):
            self.add("key.csv", None, "practice units must all come before assessment units "
                     "(the practice split is the start of the article)")
        for split in SPLITS if not (unlabelled or unsplit) else ():  # once the key is whole
            for label in LABELS:
                if counts[split, label] >= MIN_PER_LABEL_PER_SPLIT:
                    continue
                if split == ASSESSMENT:
                    self.add("key.csv", None, f"the {split} split has {counts[split, label]} "
                             f"{label} units; it needs at least {MIN_PER_LABEL_PER_SPLIT}")
                else:  # a short article may not have them: the teacher decides
                    self.notes.append(
                        f"{self.where}/key.csv: the practice split has {counts[split, label]} "
                        f"{label} unit(s), so learners meet {label} in the assessment with "
                        "little practice on this article; move the split, or teach it with "
                        "another article first")
        self.counts = counts

    # --- claims -------------------------------------------------------------------------
    def check_claims(self, units: list[tuple[int, dict[str, str]]], sources: set[str]) -> None:
        path = self.data / "claims.csv"
        self.problems += _missing_columns(f"{self.where}/claims.csv", path, (
            "claim_id", "unit_id", "value", "unit", "counts_what", "event", "reported_by"))
        texts = {row["unit_id"]: row["text"] for _, row in units}
        ids: set[str] = set()
        for number, row in _rows(path):
            if row["claim_id"] in ids:
                self.add("claims.csv", number, f"claim_id {row['claim_id']} repeats")
            ids.add(row["claim_id"])
            try:
                value = float(row["value"].replace(",", ""))
            except ValueError:
                self.add("claims.csv", number, f"value {row['value']!r} is not a number; "
                         "write digits only (3500, not 3,500 or 'about 3500')")
                value = None
            text = texts.get(row["unit_id"])
            if text is None:
                self.add("claims.csv", number, f"unit_id {row['unit_id']} is not in units.csv")
            elif value is not None and not _mentions(text, value):
                self.add("claims.csv", number, f"unit {row['unit_id']} does not contain the "
                         f"number {row['value']}; check the unit_id or the value")
            if not SLUG.fullmatch(row["event"]):
                self.add("claims.csv", number, f"event {row['event']!r} is not a short name in "
                         "lower case with hyphens (such as raqqa-2017); name the event the "
                         "number is about")
            for reporter in row["reported_by"].split(" via "):
                if reporter.strip() != "author" and reporter.strip() not in sources:
                    self.add("claims.csv", number, f"reported_by names {reporter!r}, which is "
                             "not 'author' or a source_id in sources.csv")
            if not row["counts_what"].strip() or not row["unit"].strip():
                self.add("claims.csv", number, "unit and counts_what must say what is counted")


    # --- sections -----------------------------------------------------------------------
    def check_sections(self, units: list[tuple[int, dict[str, str]]]) -> None:
        """Graded sections cover only assessment units (a practice unit's label is shown in
        the lessons), and every section has units to grade."""
        path = self.data / "sections.csv"
        if not path.is_file():
            return  # a course without graded sections
        try:
            sections = parse_sections(row for _, row in _rows(path))
        except ValueError as error:
            self.add("sections.csv", None, f"{error}; fix the row")
            return
        with (self.data / "key.csv").open(encoding="utf-8", newline="") as handle:
            split = {row["unit_id"]: row["split"] for row in csv.DictReader(handle)}
        paragraphs = {row["unit_id"]: int(row["paragraph"] or 0) for _, row in units}
        for number, section in enumerate(sections, start=2):
            covered = units_in_paragraphs(section, paragraphs)
            if not covered:
                self.add("sections.csv", number, f"section {section.section} covers no units "
                         f"(paragraphs {section.first_paragraph}-{section.last_paragraph})")
            practice = [u for u in covered if split.get(u) != "assessment"]
            if practice:
                self.add("sections.csv", number, f"section {section.section} covers units that "
                         f"are not in the assessment split: {', '.join(practice[:5])}; graded "
                         "units must be assessment units (move the paragraphs or the split)")


def _mentions(text: str, value: float) -> bool:
    lowered = text.lower()
    forms = list(NUMBER_WORDS.get(value, ()))
    if value == int(value):
        forms += [f"{int(value):,}", str(int(value))]
    return any(re.search(rf"(?<![\d,]){re.escape(f)}(?![\d,])", lowered) for f in forms)


REQUIRED = ("article.txt", "units.csv", "key.csv", "sources.csv", "claims.csv",
            "sections.csv", "checksum.sha256")


# What a caller adds to an article's checks: (problems, summary text) of its assignments. The
# guessing check (readkit.grading.guessing) comes in this way: it grades, and grading builds
# on the course, not the other way round.
AssignmentChecks = Callable[[Course, str], tuple[list["Problem"], str]]


def validate_article(course: Course, slug: str, assignment_checks: AssignmentChecks | None = None
                     ) -> tuple[list[Problem], str]:
    """All problems of one article folder, and a one-line summary."""
    checker = Validator(course, slug)
    missing = [name for name in REQUIRED if not (checker.data / name).is_file()]
    if missing:
        return [Problem(f"{checker.where}/{name}", None, "file is missing; restore it from the "
                        "course repository (`readkit new-article` writes every file)")
                for name in missing], ""
    article = checker.check_article()
    units = checker.check_units(article)
    sources = checker.check_sources()
    checker.check_key(units, sources)
    checker.check_claims(units, sources)
    checker.check_sections(units)
    extra = ""
    if assignment_checks is not None:
        found, extra = assignment_checks(course, slug)
        checker.problems += found
    per_split = "; ".join(
        f"{split}: " + ", ".join(f"{checker.counts[split, label]} {label}" for label in LABELS)
        for split in SPLITS
    )
    notes = "".join(f"\nnote: {note}" for note in checker.notes)
    return checker.problems, f"{slug}: {len(units)} units ({per_split}){extra}{notes}"


def check_index(course: Course) -> list[Problem]:
    """data/articles.csv against the folders of data/articles/, and assignment names unique
    across articles (an assignment's article is found by its name)."""
    where = f"{DATA}/{ARTICLES_INDEX}"
    if not (course.data / ARTICLES_INDEX).is_file():
        return [Problem(where, None, "file is missing; it lists the course's articles "
                        "(slug,title; the first is the default): restore it")]
    rows = _rows(course.data / ARTICLES_INDEX)
    problems = _missing_columns(where, course.data / ARTICLES_INDEX, ("slug", "title"))
    listed = set()
    for number, row in rows:
        slug = row.get("slug") or ""
        if not SLUG.fullmatch(slug) or slug in listed:
            problems.append(Problem(where, number, f"slug {slug!r} is empty, repeats or is not "
                                    "lower case letters, digits and hyphens"))
        elif not (course.data / ARTICLES / slug).is_dir():
            problems.append(Problem(where, number, f"there is no folder {DATA}/{ARTICLES}/"
                                    f"{slug}/; add the article or remove the row"))
        if not (row.get("title") or "").strip():
            problems.append(Problem(where, number, "title is empty; give the article's headline"))
        listed.add(slug)
    folders = sorted(p.name for p in (course.data / ARTICLES).iterdir() if p.is_dir()) \
        if (course.data / ARTICLES).is_dir() else []
    for folder in folders:
        if folder not in listed:
            problems.append(Problem(where, None, f"{DATA}/{ARTICLES}/{folder}/ is not listed; "
                                    "add a row for it (slug,title)"))
    if not problems:
        owners: dict[str, str] = {}
        for slug in course.article_slugs:
            try:
                sections = course.article(slug).sections()
            except (CourseError, OSError, ValueError, KeyError):
                continue  # the article's own check reports it
            for assignment in dict.fromkeys(s.assignment for s in sections):
                if assignment in owners:
                    problems.append(Problem(f"{DATA}/{ARTICLES}/{slug}/sections.csv", None,
                                            f"assignment {assignment} is also in "
                                            f"{owners[assignment]}'s sections.csv; give it "
                                            "another name"))
                owners.setdefault(assignment, slug)
    return problems


def validate(data: Path, article: str | None = None,
             assignment_checks: AssignmentChecks | None = None
             ) -> tuple[list[Problem], list[str]]:
    """All problems in a course's data folder (every article, or one), and a summary line per
    article checked."""
    course = Course(data.parent, data)
    problems = check_index(course)
    if problems and article is None:
        return problems, []
    try:
        slugs = [course.article(article).slug] if article else list(course.article_slugs)
    except CourseError as error:
        return [*problems, Problem(f"{DATA}/{ARTICLES_INDEX}", None, str(error))], []
    summaries = []
    for slug in slugs:
        found, summary = validate_article(course, slug, assignment_checks)
        problems += found
        summaries.append(summary)
    return problems, summaries


def main(data: Path, article: str | None = None,
         assignment_checks: AssignmentChecks | None = None) -> int:
    problems, summaries = validate(data, article, assignment_checks)
    for problem in problems:
        print(problem)
    if problems:
        print(f"{len(problems)} problem(s) found in {data}.")
        return 1
    for summary in summaries:
        print(f"valid: {summary}")
    return 0
