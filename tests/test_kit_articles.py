"""The articles written for the kit (data/README.md, "Articles written for the kit") keep the rules
they were written to: a real mix of labels in the graded units, the codebook's hard cases (listed
in hard_cases.csv and labelled as the codebook decides them), graded parts that mix labels, and,
for the parallel forms A and B of data/forms.csv, the same shape. Each check also fails, with its
message, on a broken copy.

An article is written for the kit when its last unit is the disclaimer below. Run this file as a
script for a table of each such article's mix and hard cases, and of the forms' differences:

    .venv/bin/python tests/test_kit_articles.py
"""

from __future__ import annotations

import csv
import re
import shutil
from collections import Counter
from pathlib import Path

import pytest

from readkit.course.course import Article, Course
from readkit.course.labels import LABELS
from readkit.course.source_kinds import SOURCE_KINDS

ROOT = Path(__file__).resolve().parents[1]
COURSE = Course.open(ROOT)
DISCLAIMER = ("This article was written for the readkit course; its people and places are "
              "invented.")
UNITS = range(25, 41)  # 25 to 40 units
MIN_SHARE = {"sourced": 0.30, "claim": 0.15, "commentary": 0.15}  # of the graded units
MAX_SHARE = {"meta": 0.15}
MIN_GRADED = 3  # units of each label among the graded units
MIN_IN_PART = 2  # units of each label a graded part has (when it grades that label at all)
FORM_LENGTH_TOLERANCE = 0.15  # words in all, and words per unit, of form B against form A

QUOTE = re.compile(r"[\"“”]")
JUDGING_VERB = re.compile(r"\b(admit(s|ted)|claim(s|ed)|concede[sd]|insist(s|ed)|confirm(s|ed))\b",
                          re.IGNORECASE)
UNNAMED = re.compile(r"\b(not to be named|not want to be named|not named)\b")
SENTENCE_END = re.compile(r"(?<=[.!?])[\"”)]?\s+(?=[A-Z\"“])")

# Each hard case: how the codebook labels it, and a check of (label, accept, text).
CASES = {
    "direct-quote": ("sourced, with quotation marks",
                     lambda label, accept, text: label == "sourced" and bool(QUOTE.search(text))),
    "paraphrase": ("sourced, without quotation marks",
                   lambda label, accept, text: label == "sourced" and not QUOTE.search(text)),
    "according-to": ("sourced, with 'according to'",
                     lambda label, accept, text: label == "sourced"
                     and "according to" in text.lower()),
    "unnamed-source": ("sourced, the source 'not ... named'",
                       lambda label, accept, text: label == "sourced"
                       and bool(UNNAMED.search(text))),
    "judging-verb": ("sourced or commentary with the other accepted, with a verb such as "
                     "'admitted', 'claimed' or 'conceded'",
                     lambda label, accept, text: label in ("sourced", "commentary")
                     and {label, *accept} >= {"sourced", "commentary"}
                     and bool(JUDGING_VERB.search(text))),
    "scare-quotes": ("commentary, with quotation marks",
                     lambda label, accept, text: label == "commentary"
                     and bool(QUOTE.search(text))),
    "unsourced-claim": ("claim, sourced not accepted",
                        lambda label, accept, text: label == "claim" and "sourced" not in accept),
    "rhetorical-question": ("commentary, ending in '?'",
                            lambda label, accept, text: label == "commentary"
                            and text.rstrip("\"”'").endswith("?")),
    "caption": ("meta", lambda label, accept, text: label == "meta"),
    "byline": ("meta, starting 'By '",
               lambda label, accept, text: label == "meta" and text.startswith("By ")),
    "disclaimer": ("meta, the disclaimer line",
                   lambda label, accept, text: label == "meta" and text == DISCLAIMER),
    "headline": ("meta", lambda label, accept, text: label == "meta"),
    "bio": ("meta", lambda label, accept, text: label == "meta"),
    "bracket": ("sourced, with words in square brackets",
                lambda label, accept, text: label == "sourced" and "[" in text),
}
# In every article written for the kit.
REQUIRED = ("direct-quote", "paraphrase", "according-to", "unnamed-source", "judging-verb",
            "scare-quotes", "unsourced-claim", "rhetorical-question", "caption", "byline",
            "disclaimer")


# -- reading -------------------------------------------------------------------------------------

def written_for_the_kit(article: Article) -> bool:
    return bool(article.units) and article.units[-1].text == DISCLAIMER


def kit_slugs(course: Course = COURSE) -> list[str]:
    return [slug for slug in course.article_slugs if written_for_the_kit(course.article(slug))]


def forms(course: Course = COURSE) -> dict[str, str]:
    """form ('a', 'b') -> slug, from data/forms.csv (as the Course reads it)."""
    return {form.form: form.slug for form in course.forms}


def hard_cases(article: Article) -> list[tuple[str, str]]:
    """(unit_id, case) rows of the article's hard_cases.csv, in file order."""
    return [(row["unit_id"], row["case"]) for row in article.rows("hard_cases.csv")]


def graded_counts(article: Article) -> Counter:
    return Counter(entry.label for entry in article.key("assessment").values())


def parts(article: Article) -> list[tuple[str, str, list[str]]]:
    """(assignment, section, its graded unit ids) for every graded part, in file order."""
    return [(s.assignment, s.section, article.section_units(s)) for s in article.sections()]


def words(article: Article) -> tuple[int, float]:
    """Words in all the units, and words per unit."""
    total = sum(len(unit.text.split()) for unit in article.units)
    return total, total / len(article.units)


# -- the checks: each returns its problems ---------------------------------------------------------

def shape_problems(article: Article) -> list[str]:
    problems = []
    if len(article.units) not in UNITS:
        problems.append(f"{len(article.units)} units, not {UNITS.start} to {UNITS.stop - 1}")
    if [unit.text for unit in article.units].count(DISCLAIMER) != 1:
        problems.append("the disclaimer line is not there exactly once")
    if article.key()[article.units[-1].unit_id].label != "meta":
        problems.append("the disclaimer is not labelled meta")
    sources = article.rows("sources.csv")
    problems += [f"source {row['source_id']}: kind {row['kind']!r} is not one of "
                 f"{', '.join(SOURCE_KINDS)}" for row in sources if row["kind"] not in SOURCE_KINDS]
    used = {entry.source for entry in article.key().values() if entry.source}
    problems += [f"source {row['source_id']} is named by no unit" for row in sources
                 if row["source_id"] not in used]
    problems += [f"{unit}: the rationale is more than two sentences"
                 for unit, entry in article.key().items()
                 if len(SENTENCE_END.split(entry.rationale.strip())) > 2]
    return problems


def mix_problems(article: Article) -> list[str]:
    counts = graded_counts(article)
    graded = sum(counts.values())
    if not graded:
        return ["no graded units"]
    problems = [f"{label}: {counts[label] / graded:.0%} of the graded units, under {share:.0%}"
                for label, share in MIN_SHARE.items() if counts[label] / graded < share]
    problems += [f"{label}: {counts[label] / graded:.0%} of the graded units, over {share:.0%}"
                 for label, share in MAX_SHARE.items() if counts[label] / graded > share]
    problems += [f"{label}: {counts[label]} graded units, under {MIN_GRADED}"
                 for label in LABELS if counts[label] < MIN_GRADED]
    return problems


def hard_case_problems(article: Article) -> list[str]:
    if not (article.folder / "hard_cases.csv").is_file():
        return ["hard_cases.csv is missing"]
    key, text = article.key(), {unit.unit_id: unit.text for unit in article.units}
    rows = hard_cases(article)
    problems = [f"{unit}: unknown case {case!r}" for unit, case in rows if case not in CASES]
    problems += [f"{unit}: not a unit of the article" for unit, _ in rows if unit not in key]
    problems += [f"no unit for {case}" for case in REQUIRED if case not in {c for _, c in rows}]
    problems += [f"{unit} ({case}) must be {CASES[case][0]}" for unit, case in rows
                 if case in CASES and unit in key
                 and not CASES[case][1](key[unit].label, key[unit].accept, text[unit])]
    return problems


def part_problems(article: Article) -> list[str]:
    found = parts(article)
    if not found:
        return ["no graded part in sections.csv"]
    key = article.key("assessment")
    problems = []
    for assignment, section, units in found:
        counts = Counter(key[unit].label for unit in units)
        if len(counts) < 3 or min(counts.values()) < MIN_IN_PART:
            problems.append(f"{assignment} {section} has too little of a label: {dict(counts)}")
    graded = [unit for _, _, units in found for unit in units]
    if sorted(graded) != sorted(key):
        problems.append("the graded parts do not cover every assessment unit once")
    return problems


def form_problems(a: Article, b: Article) -> list[str]:
    problems = []
    for form in (a, b):
        found = parts(form)
        if form.key("practice"):
            problems.append(f"{form.slug}: has practice units; a form is graded whole")
        if len({assignment for assignment, _, _ in found}) != 1 or len(found) != 2:
            problems.append(f"{form.slug}: not one assignment of two parts")
            continue
        sizes = [len(units) for _, _, units in found]
        if abs(sizes[0] - sizes[1]) > 3:
            problems.append(f"{form.slug}: parts of {sizes[0]} and {sizes[1]} units")
        for _, section, units in found:
            counts = Counter(form.key()[unit].label for unit in units)
            if any(counts[label] < MIN_IN_PART for label in LABELS):
                problems.append(f"{form.slug} {section}: {dict(counts)}")
    counts = [graded_counts(form) for form in (a, b)]
    problems += [f"{label}: {counts[0][label]} in A, {counts[1][label]} in B" for label in LABELS
                 if abs(counts[0][label] - counts[1][label]) > 1]
    # As many units of each label with an accepted alternative (within one): a learner who
    # knows a fixed share of the labels scores alike on both forms.
    accepting = [Counter(e.label for e in form.key().values() if e.accept) for form in (a, b)]
    problems += [f"{label} with an accepted alternative: {accepting[0][label]} in A, "
                 f"{accepting[1][label]} in B" for label in LABELS
                 if abs(accepting[0][label] - accepting[1][label]) > 1]

    def where(form: Article) -> dict[str, set[int]]:
        number = {unit: n for n, (_, _, units) in enumerate(parts(form), 1) for unit in units}
        found: dict[str, set[int]] = {}
        for unit, case in hard_cases(form):
            found.setdefault(case, set()).add(number.get(unit, 0))
        return found
    if where(a) != where(b):
        problems.append(f"hard cases by part differ: A {where(a)}, B {where(b)}")
    (a_words, a_mean), (b_words, b_mean) = words(a), words(b)
    if abs(b_words - a_words) > FORM_LENGTH_TOLERANCE * a_words:
        problems.append(f"{a_words} words in A, {b_words} in B")
    if abs(b_mean - a_mean) > FORM_LENGTH_TOLERANCE * a_mean:
        problems.append(f"{a_mean:.1f} words per unit in A, {b_mean:.1f} in B")
    return problems


# -- the course's articles ---------------------------------------------------------------------------

KIT = kit_slugs()
FORMS = forms()


def test_the_course_has_articles_written_for_the_kit_and_two_forms():
    assert len(KIT) >= 3, KIT
    assert (COURSE.data / "forms.csv").read_text(encoding="utf-8").startswith(
        "form,slug,parts\n")
    assert sorted(FORMS) == ["a", "b"] and FORMS["a"] != FORMS["b"]
    assert set(FORMS.values()) <= set(KIT)
    # one at least has a practice half: a lesson and an assignment can be made from it
    assert any(COURSE.article(slug).key("practice") for slug in KIT)


CHECKS = {"shape": shape_problems, "mix": mix_problems, "hard cases": hard_case_problems,
          "parts": part_problems}


@pytest.mark.parametrize("check", CHECKS)
@pytest.mark.parametrize("slug", KIT)
def test_every_article_written_for_the_kit(slug, check):
    assert CHECKS[check](COURSE.article(slug)) == []


def test_the_forms_are_parallel():
    assert form_problems(COURSE.article(FORMS["a"]), COURSE.article(FORMS["b"])) == []


# -- each check fails on a broken copy ------------------------------------------------------------

def _edit_csv(path: Path, edit) -> None:
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        fields, rows = reader.fieldnames, list(reader)
    edit(rows)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def _relabel(units: set[str], label: str, accept: str = ""):
    def edit(rows):
        for row in rows:
            if row["unit_id"] in units:
                row["label"], row["accept"] = label, accept
    return edit


def _case_unit(slug: str, case: str) -> str:
    return next(unit for unit, found in hard_cases(COURSE.article(slug)) if found == case)


@pytest.fixture
def copy(tmp_path) -> Course:
    shutil.copytree(ROOT / "data", tmp_path / "data")
    return Course(tmp_path)


def test_a_mix_short_of_claims_fails(copy):
    slug = FORMS["a"]
    claims = [u for u, e in COURSE.article(slug).key().items() if e.label == "claim"]
    _edit_csv(copy.data / "articles" / slug / "key.csv", _relabel(set(claims[:4]), "commentary"))
    assert mix_problems(copy.article(slug)) == ["claim: 12% of the graded units, under 15%"]


def test_a_missing_or_mislabelled_hard_case_fails(copy):
    slug = FORMS["b"]
    question, scare = (_case_unit(slug, case) for case in ("rhetorical-question", "scare-quotes"))
    folder = copy.data / "articles" / slug
    _edit_csv(folder / "hard_cases.csv",
              lambda rows: rows.remove(next(r for r in rows if r["unit_id"] == question)))
    _edit_csv(folder / "key.csv", _relabel({scare}, "sourced"))
    assert hard_case_problems(copy.article(slug)) == [
        "no unit for rhetorical-question",
        f"{scare} (scare-quotes) must be {CASES['scare-quotes'][0]}"]


def test_a_judging_verb_without_its_alternative_fails(copy):
    slug = KIT[0]
    verb = _case_unit(slug, "judging-verb")
    _edit_csv(copy.data / "articles" / slug / "key.csv", _relabel({verb}, "sourced"))
    assert hard_case_problems(copy.article(slug)) == [
        f"{verb} (judging-verb) must be {CASES['judging-verb'][0]}"]


def test_forms_apart_by_two_units_of_a_label_fail(copy):
    a = COURSE.article(FORMS["a"])
    claims = [u for u, e in COURSE.article(FORMS["b"]).key().items()
              if e.label == "claim" and not e.accept]
    _edit_csv(copy.data / "articles" / FORMS["b"] / "key.csv",
              _relabel(set(claims[:2]), "sourced"))  # both in part 1, which keeps 3
    b = copy.article(FORMS["b"])
    counts = graded_counts(a)
    assert form_problems(a, b) == [
        f"sourced: {counts['sourced']} in A, {counts['sourced'] + 2} in B",
        f"claim: {counts['claim']} in A, {counts['claim'] - 2} in B"]


# -- form B is written in its own words ------------------------------------------------------------

SHARED_WORDS = 5  # a run of this many words in a unit of both forms is copied wording


def shared_runs(a: Article, b: Article, n: int = SHARED_WORDS) -> list[str]:
    """Runs of `n` words that a unit of B shares with a unit of A (the disclaimer, the same in
    every article written for the kit, aside)."""
    def runs(text: str) -> set[tuple[str, ...]]:
        tokens = re.findall(r"[a-z0-9£%']+", text.lower())
        return {tuple(tokens[i:i + n]) for i in range(len(tokens) - n + 1)}
    in_a = set().union(*(runs(u.text) for u in a.units if u.text != DISCLAIMER))
    return [f"{unit.unit_id}: {' '.join(run)}" for unit in b.units if unit.text != DISCLAIMER
            for run in sorted(runs(unit.text) & in_a)]


def test_form_b_shares_no_run_of_five_words_with_form_a():
    """Parallel in shape, not in wording: a learner who took form A first must not meet the
    same sentences again on form B with the nouns swapped."""
    assert shared_runs(COURSE.article(FORMS["a"]), COURSE.article(FORMS["b"])) == []


def test_the_copied_wording_check_bites(copy):
    path = copy.data / "articles" / FORMS["b"] / "units.csv"
    sentence = "For many working families, it may well prove money well spent."
    _edit_csv(path, lambda rows: rows[9].update(text=sentence))
    found = shared_runs(COURSE.article(FORMS["a"]), copy.article(FORMS["b"]))
    assert "p07s2: it may well prove money" in found and len(found) == 7  # 11 words: 7 runs


def test_the_sleep_study_says_one_thing_about_who_sets_school_hours():
    """Schools set their own hours (p17s1): the council funds the study and may fund bus runs;
    it neither chose the schools nor moves them."""
    text = {u.unit_id: u.text for u in COURSE.article(FORMS["b"]).units}
    assert "each school sets its own hours" in text["p17s1"]
    assert "volunteered" in text["p10s1"] and "chosen" not in text["p10s1"]
    assert "want to follow" in text["p21s1"] and "move the other" not in text["p21s1"]


# -- the tables ------------------------------------------------------------------------------------

def table(slug: str) -> str:
    article = COURSE.article(slug)
    counts, graded = graded_counts(article), len(article.key("assessment"))
    lines = [f"{slug}: {article.title}",
             f"  units {len(article.units)}, graded {graded}, words {words(article)[0]}"]
    lines += [f"  {label:<11}{counts[label]:>3}  {counts[label] / graded:6.1%}" for label in LABELS]
    for assignment, section, units in parts(article):
        mix = Counter(article.key()[u].label for u in units)
        lines.append(f"  {assignment} {section}: {len(units)} units ("
                     + ", ".join(f"{mix[label]} {label}" for label in LABELS) + ")")
    cases: dict[str, list[str]] = {}
    for unit, case in hard_cases(article):
        cases.setdefault(case, []).append(unit)
    lines += [f"  {case:<20}{' '.join(units)}" for case, units in cases.items()]
    return "\n".join(lines)


def forms_table() -> str:
    a, b = (COURSE.article(FORMS[form]) for form in "ab")
    counts = [graded_counts(form) for form in (a, b)]
    accepting = [Counter(e.label for e in form.key().values() if e.accept) for form in (a, b)]
    lines = [f"forms: A {a.slug}, B {b.slug}",
             "  label        A   B  B-A   with an accepted alternative: A  B"]
    lines += [f"  {label:<11}{counts[0][label]:>3} {counts[1][label]:>3} "
              f"{counts[1][label] - counts[0][label]:>+4}   {accepting[0][label]:>31} "
              f"{accepting[1][label]:>2}" for label in LABELS]
    (a_words, a_mean), (b_words, b_mean) = words(a), words(b)
    lines.append(f"  words {a_words} / {b_words}; words per unit {a_mean:.1f} / {b_mean:.1f}")
    return "\n".join(lines)


if __name__ == "__main__":
    print("\n\n".join([*(table(slug) for slug in KIT), forms_table()]))
