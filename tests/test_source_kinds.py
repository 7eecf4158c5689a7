"""The kinds of source: one list (readkit.course.source_kinds), the same in the codebook, in
`readkit validate`, in the author mode's choice (tests/test_author_mode.py) and in the draft key's
guesses; every article of the kit uses them."""

import csv
import re
import shutil
from pathlib import Path

import pytest

from readkit.authoring.draft_key import _kind
from readkit.course import validate as contract
from readkit.course.course import Course
from readkit.course.source_kinds import SOURCE_KINDS, kind_problem
from readkit.grading import guessing

ROOT = Path(__file__).resolve().parents[1]


def test_the_codebook_describes_each_kind_in_the_same_words():
    codebook = (ROOT / "docs" / "codebook.md").read_text(encoding="utf-8")
    section = codebook.split("### The kinds of source", 1)[1].split("\n#", 1)[0]
    listed = dict(re.findall(r"^- `([a-z-]+)`: (.+)$", section, re.MULTILINE))
    assert listed == SOURCE_KINDS


def test_every_source_of_the_kit_has_one_of_the_kinds():
    course = Course.open(ROOT)
    used = {}
    for slug in course.article_slugs:
        with (course.article(slug).folder / "sources.csv").open(encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                used.setdefault(row["kind"], []).append(f"{slug}/{row['source_id']}")
    assert set(used) <= set(SOURCE_KINDS), used
    # the two kinds added for local news are used where the codebook says they fit
    assert "bus-route-14-2026/northline" in used["organisation"]
    assert "school-sleep-study-2026/study" in used["study"]


@pytest.mark.parametrize("kind", ["witness", "", "Official", "news report"])
def test_validate_refuses_any_other_kind(tmp_path, kind):
    data = tmp_path / "data"
    shutil.copytree(ROOT / "data", data)
    path = data / "articles" / "raqqa-2021" / "sources.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        fields, rows = reader.fieldnames, list(reader)
    rows[2]["kind"] = kind
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    problems, _ = contract.validate(data, "raqqa-2021", guessing.check_article)
    shown = repr(kind) if kind else "empty"
    assert [str(p) for p in problems] == [
        f"data/articles/raqqa-2021/sources.csv row 4: kind {shown} is not one of the codebook's "
        "kinds (news-report, magazine-article, study, official, organisation, person-quoted); "
        "use the first that fits (docs/codebook.md, \"The kinds of source\")"]
    assert kind_problem("official") is None


@pytest.mark.parametrize(("name", "kind"), [
    ("the council's latest traffic survey", "study"),
    ("Kelmouth Town Council", "official"),
    ("BBC News", "news-report"),
    ("Northline Buses", "organisation"),
    ("Mariam Choudhry", "person-quoted"),
])
def test_the_draft_guesses_one_of_the_kinds(name, kind):
    assert _kind(name) == kind
