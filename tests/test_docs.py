"""The docs that discuss the key: the learners' codebook (docs/codebook.md) quotes practice units
only and never leaks an assessment unit's id, text or rationale; every unit id in it exists and
every label it states matches data/key.csv; the instructors' notes on the graded units
(docs/codebook-instructor.md) start with their warning, agree with the key and are linked from the
teacher guide. Each check is also run on a deliberately broken copy, to show that it can fail.

The set of assessment units comes from data/key.csv (`split`), never from a fixed paragraph range.
"""

import csv
import re
from pathlib import Path

import pytest

from readkit.course.course import Course
from readkit.course.key import ASSESSMENT, PRACTICE

ROOT = Path(__file__).resolve().parents[1]
COURSE = Course.open(ROOT).article("raqqa-2021")
DOCS = ROOT / "docs"
CODEBOOK = DOCS / "codebook.md"
INSTRUCTOR = DOCS / "codebook-instructor.md"
TEACHER_GUIDE = DOCS / "teacher-guide.md"
WARNING = (
    "# Instructors only: discusses the graded units of assignment 01; "
    "do not hand out before the assignment is graded"
)

UNIT_ID = re.compile(r"\bp\d+s\d+\b")
# An assessment unit this long, quoted whole, is a leak.
WHOLE_UNIT_MIN_CHARS = 30
# Any slice this long of an assessment unit's text, or of its rationale, is a leak, unless the
# same slice also occurs in practice text (the key's rationales share some stock phrases).
TEXT_SLICE_CHARS = 40
RATIONALE_SLICE_CHARS = 50

# "`p30s2` → **claim** (also accepted: commentary)"; "`p20s1`, `p21s1` → **sourced**";
# "`p23s1` to `p27s1` → **sourced**".
ARROW = re.compile(
    r"((?:`p\d+s\d+`(?:,\s*|\s+to\s+|\s+and\s+)?)+)\s*→\s*\*\*(\w+)\*\*"
    r"(?:\s*\(also accepted:\s*([^)]*)\))?"
)
STEP_HEADING = re.compile(r"^### \d+\. .*Then `(\w+)`\.")
LABEL_WITH_ACCEPTED = re.compile(r"^`?(\w+)`?(?:\s*\(([^)]*)\))?$")
# The hard assessment units the codebook discussed before they moved to the instructors' notes.
MOVED_TO_INSTRUCTOR_NOTES = (
    "p52s1 p52s2 p55s1 p55s2 p56s1 p56s4 p57s1 p58s1 p59s1 p60s1 "
    "p61s1 p62s2 p65s1 p66s1 p68s1 p68s2 p69s1"
).split()


def read_key(split: str | None = None):
    return COURSE.key(split)


def read_units():
    return COURSE.units


def squash(text: str) -> str:
    """Whitespace collapsed, so that a quotation wrapped over two lines of markdown still matches."""
    return " ".join(text.split())


def folded(text: str) -> str:
    return squash(text).casefold()


def slices(text: str, size: int) -> set[str]:
    return {text[i : i + size] for i in range(len(text) - size + 1)}


def parse_labels(labels: str) -> set[str]:
    return {part.strip(" `") for part in re.split(r",|\|| or ", labels) if part.strip(" `")}


def leaks(doc: str) -> list[str]:
    """Everything in `doc` that gives away the assessment half of the key."""
    key, units = read_key(), {u.unit_id: u.text for u in read_units()}
    assessment = read_key(ASSESSMENT)
    flat = folded(doc)
    practice_text = " ".join(
        folded(units[e.unit_id]) + " " + folded(e.rationale)
        for e in key.values()
        if e.split == PRACTICE
    )
    found = [f"assessment unit id {i}" for i in sorted(set(UNIT_ID.findall(doc)) & set(assessment))]
    for unit_id, entry in assessment.items():
        text, rationale = folded(units[unit_id]), folded(entry.rationale)
        if len(text) >= WHOLE_UNIT_MIN_CHARS and text in flat:
            found.append(f"text of {unit_id}")
        elif any(s in flat and s not in practice_text for s in slices(text, TEXT_SLICE_CHARS)):
            found.append(f"part of the text of {unit_id}")
        if rationale in flat or any(
            s in flat and s not in practice_text for s in slices(rationale, RATIONALE_SLICE_CHARS)
        ):
            found.append(f"rationale of {unit_id}")
    return found


def expand(ids: list[str], is_range: bool, order: list[str]) -> list[str]:
    if not is_range:
        return ids
    first, last = ids
    return order[order.index(first) : order.index(last) + 1]


def stated_labels(doc: str) -> list[tuple[str, str, set[str], str]]:
    """(unit id, label, accepted alternatives, where) for every label the doc states in a form
    that parses reliably: "→ **label** (also accepted: ...)" lines, the example bullets under
    "### N. ... Then `label`." and tables with Label/Accepted/Examples or Unit/"Label (accepted)"
    columns."""
    order = [u.unit_id for u in read_units()]
    stated = []
    for match in ARROW.finditer(squash(doc)):
        ids_text, label, accepted = match.groups()
        ids = re.findall(r"`(p\d+s\d+)`", ids_text)
        is_range = " to " in ids_text
        assert not is_range or len(ids) == 2, f"unparsed range: {match.group(0)}"
        # A range ("`p23s1` to `p27s1` → **sourced**") states the label of each unit in it;
        # it speaks for their accepted alternatives only when it lists them.
        alternatives = None if is_range and accepted is None else parse_labels(accepted or "")
        for unit_id in expand(ids, is_range, order):
            stated.append((unit_id, label, alternatives, match.group(0)))

    step_label, header = None, None
    for line in doc.splitlines():
        if line.startswith("#"):
            heading = STEP_HEADING.match(line)
            step_label = heading.group(1) if heading else None
        if step_label and line.startswith("- "):
            stated += [(i, step_label, None, line) for i in re.findall(r"\((p\d+s\d+)\)", line)]
        if not line.startswith("|"):
            header = None
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if header is None:
            header = cells
            continue
        if set(cells) <= {"---", ":---", "---:", ""} or len(cells) != len(header):
            continue
        row = dict(zip(header, cells, strict=True))
        if {"Label", "Accepted", "Examples"} <= row.keys():
            ids, label, accepted = row["Examples"], row["Label"].strip("`"), row["Accepted"]
        elif {"Unit", "Label (accepted)"} <= row.keys():
            parsed = LABEL_WITH_ACCEPTED.match(row["Label (accepted)"])
            assert parsed, f"unparsed label: {line}"
            ids, (label, accepted) = row["Unit"], parsed.groups()
        else:
            continue
        stated += [(i, label, parse_labels(accepted or ""), line) for i in UNIT_ID.findall(ids)]
    return stated


def label_errors(doc: str) -> list[str]:
    """Labels (and accepted alternatives, where the doc states them) that differ from the key."""
    key, errors = read_key(), []
    for unit_id, label, accepted, where in stated_labels(doc):
        entry = key.get(unit_id)
        if entry is None:
            errors.append(f"{unit_id} is not in the key: {where}")
        elif label != entry.label:
            errors.append(f"{unit_id} is {entry.label} in the key, not {label}: {where}")
        elif accepted is not None and accepted != set(entry.accept):
            errors.append(
                f"{unit_id} accepts {sorted(entry.accept)} in the key, not {sorted(accepted)}: {where}"
            )
    return errors


def unknown_ids(doc: str) -> set[str]:
    return set(UNIT_ID.findall(doc)) - {u.unit_id for u in read_units()}


@pytest.fixture(scope="module")
def codebook() -> str:
    return CODEBOOK.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def instructor_notes() -> str:
    return INSTRUCTOR.read_text(encoding="utf-8")


# (a) the codebook gives nothing of the assessment key away


def test_codebook_gives_away_no_assessment_unit(codebook):
    assert leaks(codebook) == []


@pytest.mark.parametrize(
    "addition, expected",
    [
        ("See p51s2.", "assessment unit id p51s2"),
        ("They were airlifted to safety.", "text of p56s4"),
        (
            "The foreign and Pakistani Al Qaeda fighters\nwere flown to North Pakistan",
            "part of the text of p68s1",
        ),
        (
            'It states what the US is "ultimately" trying to do: a statement about motives, '
            "with no source.",
            "rationale of p51s2",
        ),
        (
            "As the key says, the author turns Bush's own words back on him: a retort.",
            "rationale of p56s3",
        ),
    ],
)
def test_leak_check_catches_a_broken_codebook(codebook, addition, expected):
    assert expected in leaks(codebook + "\n" + addition + "\n")


def test_assessment_ids_come_from_the_key():
    assessment = set(read_key(ASSESSMENT))
    assert "p51s1" in assessment and "p50s1" not in assessment
    with (COURSE.folder / "key.csv").open(encoding="utf-8", newline="") as handle:
        split_column = {row["unit_id"] for row in csv.DictReader(handle)
                        if row["split"] == ASSESSMENT}
    assert assessment == split_column


# (b) every id in the codebook exists, and every label it states matches the key


def test_codebook_mentions_only_existing_units(codebook):
    assert unknown_ids(codebook) == set()
    assert unknown_ids(codebook + "\nSee p30s9.\n") == {"p30s9"}


def test_codebook_labels_match_the_key(codebook):
    stated = stated_labels(codebook)
    # The format is parsed, not skipped: hard cases, step examples and both tables are checked.
    assert len({unit_id for unit_id, *_ in stated}) >= 40
    assert {where for *_, where in stated if where.startswith("|")}
    assert label_errors(codebook) == []


@pytest.mark.parametrize(
    "old, new",
    [
        ("`p30s2` → **claim**", "`p30s2` → **sourced**"),
        ("`p44s2` → **commentary** (also accepted: sourced)", "`p44s2` → **commentary**"),
        ("| `commentary` | `claim` | p45s3, p46s1, p47s1 |", "| `claim` | `commentary` | p45s3, p46s1, p47s1 |"),
        ("| `p33s1` | author | commentary (sourced) |", "| `p33s1` | author | sourced |"),
        ("(p02s1): a byline", "(p16s2): a byline"),
    ],
)
def test_label_check_catches_a_broken_codebook(codebook, old, new):
    assert codebook.count(old) == 1, old
    assert label_errors(codebook.replace(old, new))


# (c) the instructors' notes: warned, correct, linked


def test_instructor_notes_start_with_the_warning(instructor_notes):
    assert instructor_notes.splitlines()[0] == WARNING


def test_instructor_notes_discuss_the_hard_assessment_units(instructor_notes):
    assert unknown_ids(instructor_notes) == set()
    assert set(MOVED_TO_INSTRUCTOR_NOTES) <= set(UNIT_ID.findall(instructor_notes))
    assert len(stated_labels(instructor_notes)) >= len(MOVED_TO_INSTRUCTOR_NOTES)
    assert label_errors(instructor_notes) == []


def test_teacher_guide_links_the_instructor_notes_with_the_warning():
    guide = TEACHER_GUIDE.read_text(encoding="utf-8")
    paragraph = next(p for p in guide.split("\n\n") if "(codebook-instructor.md)" in p)
    assert "Instructors only" in paragraph
    assert "before assignment 01 is graded" in paragraph


# One spelling across key, codebook, lessons and docs: British, the article's own ("focussed",
# "Centre"). Quotations keep theirs: proper names ("Global Engagement Center", "Centre for
# Research on Globalization"), the CCSS wording ("reasoned judgment") and the article's words.
AMERICAN = re.compile(
    r"\b(organizations?|criticiz\w+|characteriz\w+|analyz\w+|emphasiz\w+|summariz\w+|"
    r"(?<!reasoned )judgment)\b"
)


def test_one_spelling_british():
    texts = {path: path.read_text(encoding="utf-8") for path in [
        *DOCS.glob("*.md"), *(ROOT / "lessons").glob("*.ipynb"), *(ROOT / "data" / "articles").glob("*/key.csv"),
        ROOT / "lessons" / "README.md"]}
    found = {path.name: sorted(set(AMERICAN.findall(text))) for path, text in texts.items()
             if AMERICAN.search(text)}
    assert found == {}


def test_docs_quote_the_no_reading_limits_the_validator_uses():
    """docs/codebook.md, docs/grading.md and data/README.md state the three no-reading limits
    (best label per part, one label for everything, random labels) as readkit enforces them."""
    from readkit.grading.guessing import GUESS_LIMITS

    best, one, random = (f"{round(100 * GUESS_LIMITS[name])}%" for name in (
        "best label per part", "one label for everything", "random labels"))
    docs = {name: " ".join((ROOT / name).read_text(encoding="utf-8").split())
            for name in ("docs/codebook.md", "data/README.md")}
    for name, text in docs.items():
        assert f"{best}, {one} or {random} of" in text, name
    grading = " ".join((ROOT / "docs" / "grading.md").read_text(encoding="utf-8").split())
    assert (f"more than {best} of its Sorter points, one label for everything more than {one}, "
            f"uniform random labels more than {random}") in grading
