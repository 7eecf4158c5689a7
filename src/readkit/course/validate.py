"""`readkit validate [ARTICLE]`: check every article of the course (or one) against the data
contract: data/articles.csv lists the articles, data/articles/<slug>/ holds each one's files.

Every problem names the file, the row (the file's line number, header = row 1, as a spreadsheet
shows it) and a hint on what to do. The files are read through the Article
(readkit.course.article, which reads CSV with readkit.course.tables): this module opens no file.
Nothing here knows one article from another: an article's published text is pinned by the
checksum.sha256 in its folder (data, written by `readkit new-article`), not by code. The label
mix rule (one minimum per label, meta not needed in the assessment half) is
readkit.course.label_mix's.
"""

import hashlib
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from readkit.course import label_mix
from readkit.course.article import Article
from readkit.course.course import ARTICLES, ARTICLES_INDEX, DATA, Course, CourseError
from readkit.course.key import (
    ASSESSMENT,
    KEY_COLUMNS,
    KEY_COLUMNS_WITH_STATUS,
    PRACTICE,
    SPLITS,
    is_draft,
    parse_accept,
)
from readkit.course.labels import LABELS
from readkit.course.sections import parse_sections, units_in_paragraphs
from readkit.course.source_kinds import kind_problem
from readkit.course.tables import (
    CLAIMS_COLUMNS,
    INDEX_COLUMNS,
    SOURCES_COLUMNS,
    UNITS_COLUMNS,
    Table,
    read_table,
)

UNIT_ID = re.compile(r"p(\d{2,3})s(\d+)")
SLUG = re.compile(r"[a-z0-9][a-z0-9-]{0,62}")
CHECKSUM = re.compile(r"([0-9a-f]{64}) [ *]article\.txt\n?")
NUMBER_WORDS = {
    0.5: ("half",), 2: ("two",), 4: ("four",), 10: ("ten",), 13: ("thirteen",),
    20: ("twenty",), 50: ("fifty",), 100: ("hundred",), 8000: ("eight thousand",),
}
Rows = list[tuple[int, dict[str, str]]]


@dataclass(frozen=True)
class Problem:
    file: str
    row: int | None
    message: str

    def __str__(self) -> str:
        where = f"{self.file} row {self.row}" if self.row else self.file
        return f"{where}: {self.message}"


def paragraphs(article: str) -> list[tuple[int, int]]:
    """(start, end) offsets of each non-blank line: paragraph n is paragraphs(article)[n - 1]."""
    spans, offset = [], 0
    for line in article.splitlines(keepends=True):
        if line.strip():
            spans.append((offset, offset + len(line.rstrip("\r\n"))))
        offset += len(line)
    return spans


def _header_problems(where: str, table: Table, *expected: tuple[str, ...]) -> list[Problem]:
    if table.header in expected:
        return []
    return [Problem(where, 1, f"header is {','.join(table.header)}; expected "
                    + " or ".join(",".join(columns) for columns in expected))]


def _few(ids: list[str], limit: int = 5) -> str:
    return ", ".join(ids[:limit]) + (" ..." if len(ids) > limit else "")


class Validator:
    """The data-contract checks of one article folder, read through its Article."""

    def __init__(self, article: Article):
        self.article = article
        self.where = f"{DATA}/{ARTICLES}/{article.slug}"
        self.problems: list[Problem] = []
        self.notes: list[str] = []  # worth knowing, but not wrong
        self.counts: Counter[tuple[str, str]] = Counter()
        self.key_rows: Rows = []

    def add(self, file: str, row: int | None, message: str) -> None:
        self.problems.append(Problem(f"{self.where}/{file}", row, message))

    def table(self, name: str, *columns: tuple[str, ...]) -> Rows:
        """The file's numbered rows, after its header is checked against `columns` (each row
        has every expected column, "" where the file lacks it)."""
        table = self.article.table(name)
        self.problems += _header_problems(f"{self.where}/{name}", table, *columns)
        wanted = dict.fromkeys(name for header in columns for name in header)
        return [(number, {**dict.fromkeys(wanted, ""), **row}) for number, row in table.numbered()]

    # --- article ------------------------------------------------------------------------
    def check_article(self) -> str:
        raw = self.article.data("article.txt")
        digest = hashlib.sha256(raw).hexdigest()
        recorded = self.article.data("checksum.sha256").decode("utf-8", errors="replace")
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
    def check_units(self, article: str) -> Rows:
        rows = self.table("units.csv", UNITS_COLUMNS)
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
        ids: set[str] = set()
        for number, row in self.table("sources.csv", SOURCES_COLUMNS):
            if row["source_id"] in ids:
                self.add("sources.csv", number, f"source_id {row['source_id']} repeats")
            ids.add(row["source_id"])
            for column in ("name", "citation"):
                if not row[column].strip():
                    self.add("sources.csv", number, f"{column} is empty; fill it in")
            problem = kind_problem(row["kind"].strip())
            if problem:
                self.add("sources.csv", number, problem)
            if not re.fullmatch(r"\d{4}(-\d{2}(-\d{2})?)?", row["date"].strip()):
                self.add("sources.csv", number, f"date {row['date']!r} is not YYYY-MM-DD, "
                         "YYYY-MM or YYYY")
        return ids

    # --- key ----------------------------------------------------------------------------
    def check_key(self, units: Rows, sources: set[str]) -> None:
        rows = self.key_rows = self.table("key.csv", KEY_COLUMNS, KEY_COLUMNS_WITH_STATUS)
        unit_ids = [row["unit_id"] for _, row in units]
        key_ids = [row["unit_id"] for _, row in rows]
        for missing in [u for u in unit_ids if u not in set(key_ids)]:
            self.add("key.csv", None, f"unit {missing} has no key row; add one")
        if [k for k in key_ids if k in set(unit_ids)] != [u for u in unit_ids if u in set(key_ids)]:
            self.add("key.csv", None, "rows are not in the reading order of units.csv; sort them")
        counts = self.counts
        seen: set[str] = set()
        unlabelled = [row["unit_id"] for _, row in rows if not row["label"].strip()]
        if unlabelled:
            # A new article's key is blank: one problem, not one per row.
            self.add("key.csv", None, f"{len(unlabelled)} of {len(rows)} units have no label "
                     f"yet ({_few(unlabelled)}); label them in the Sorter's author mode: "
                     f"readkit.AuthorSorter(article=\"{self.article.slug}\")")
        drafts = [row["unit_id"] for _, row in rows if is_draft(row)]
        if drafts:
            self.add("key.csv", None, f"{len(drafts)} of {len(rows)} units are still drafts "
                     f"({_few(drafts)}): their label, source and rationale were guessed by "
                     "readkit's rules and nobody has checked them. Check each in the Sorter's "
                     f"author mode (readkit.AuthorSorter(article=\"{self.article.slug}\")) and "
                     "confirm it (KeyEditor.confirm(unit_id)); a draft is never graded or shown "
                     "to learners")
        for number, row in rows:
            unit_id, label, split = row["unit_id"], row["label"], row["split"]
            if unit_id not in set(unit_ids):
                self.add("key.csv", number, f"unit_id {unit_id} is not in units.csv")
            if unit_id in seen:
                self.add("key.csv", number, f"unit_id {unit_id} has two key rows; keep one")
            seen.add(unit_id)
            if row["status"].strip() not in ("", "draft"):
                self.add("key.csv", number, f"status {row['status']!r} is not draft or empty; "
                         "empty it once the row is checked")
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
        if not (unlabelled or unsplit):  # once the key is whole
            self.check_mix(units)

    def check_mix(self, units: Rows) -> None:
        """label_mix's rule: the assessment half needs the minimum of each graded label (a
        problem), the practice half of each label the article has (a note); each message says
        where the split would meet it."""
        practice = Counter({label: self.counts[PRACTICE, label] for label in LABELS})
        assessment = Counter({label: self.counts[ASSESSMENT, label] for label in LABELS})
        paragraph = {row["unit_id"]: int(row["paragraph"]) for _, row in units
                     if row["paragraph"].strip().isdigit()}
        labelled = [(row["unit_id"], paragraph[row["unit_id"]], row["label"])
                    for _, row in self.key_rows if row["unit_id"] in paragraph]
        suggestion = label_mix.suggest_split(labelled)
        first = next((row["unit_id"] for _, row in self.key_rows
                      if row["split"] == ASSESSMENT), None)
        better = (suggestion if suggestion is not None and suggestion.meets_rule
                  and suggestion.unit_id != first else None)
        move = (f"start the assessment at {better.unit_id} (paragraph {better.paragraph}) instead, "
                f"which gives {better.describe()} (author mode, or "
                f"KeyEditor.start_assessment_at(\"{better.unit_id}\"))") if better else ""
        short = label_mix.short_in_assessment(assessment)
        if short:
            have = " and ".join(f"{assessment[label]} {label}" for label in short)
            self.add("key.csv", None, f"the assessment split has {have} unit(s); it needs at "
                     f"least {label_mix.MIN_PER_LABEL} of each of "
                     f"{', '.join(label_mix.GRADED_LABELS)} (meta is not needed there); "
                     + (move or "no split of this key has them: label more of the article, or "
                        "use it for practice only (a lesson, no assignment)"))
        if sum(practice.values()) == 0:
            return  # all assessment: a test on text learners have not practised
        few = label_mix.short_in_practice(practice, practice + assessment)
        if few:
            have = ", ".join(f"{practice[label]} {label}" for label in few)
            self.notes.append(
                f"{self.where}/key.csv: the practice split has {have} unit(s), so learners meet "
                f"{' and '.join(few)} in the assessment with little practice on this article; "
                + (move or "move the split") + ", or teach it with another article first")

    # --- claims -------------------------------------------------------------------------
    def check_claims(self, units: Rows, sources: set[str]) -> None:
        texts = {row["unit_id"]: row["text"] for _, row in units}
        ids: set[str] = set()
        for number, row in self.table("claims.csv", CLAIMS_COLUMNS):
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
    def check_sections(self, units: Rows) -> None:
        """Graded sections cover only assessment units (a practice unit's label is shown in
        the lessons), and every section has units to grade."""
        try:
            sections = parse_sections(self.article.rows("sections.csv"))
        except ValueError as error:
            self.add("sections.csv", None, f"{error}; fix the row")
            return
        split = {row["unit_id"]: row["split"] for _, row in self.key_rows}
        paragraph = {row["unit_id"]: int(row["paragraph"]) for _, row in units
                     if row["paragraph"].strip().isdigit()}
        for number, section in enumerate(sections, start=2):
            covered = units_in_paragraphs(section, paragraph)
            if not covered:
                self.add("sections.csv", number, f"section {section.section} covers no units "
                         f"(paragraphs {section.first_paragraph}-{section.last_paragraph})")
            practice = [u for u in covered if split.get(u) != ASSESSMENT]
            if practice:
                self.add("sections.csv", number, f"section {section.section} of "
                         f"{section.assignment} covers units that are not in the assessment "
                         f"split: {', '.join(practice[:5])}; graded units must be assessment "
                         "units (move the paragraphs or the split)")


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
    checker = Validator(Article(course.data / ARTICLES / slug, slug))
    missing = [name for name in REQUIRED if not checker.article.has(name)]
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
    table = read_table(course.data / ARTICLES_INDEX)
    problems = _header_problems(where, table, INDEX_COLUMNS)
    listed = set()
    for number, row in table.numbered():
        slug = row.get("slug", "")
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
    return validate_course(course, [article] if article else None, assignment_checks)


def validate_course(course: Course, articles: list[str] | None = None,
                    assignment_checks: AssignmentChecks | None = None
                    ) -> tuple[list[Problem], list[str]]:
    """All problems of a course's data (the index, and every article or the ones named), and a
    summary line per article checked. `readkit release` asks this for the articles it grades."""
    problems = check_index(course)
    if problems and articles is None:
        return problems, []
    try:
        slugs = ([course.article(slug).slug for slug in articles] if articles is not None
                 else list(course.article_slugs))
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
