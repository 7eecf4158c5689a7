"""The annotated article: the repo's data passes `readkit validate`, joins back to the article,
and every check fails with its message on a deliberately broken copy."""

import csv
import hashlib
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from readkit import load_claims, load_key, load_sources, load_units
from readkit.course import validate as contract
from readkit.course.course import Course
from readkit.course.labels import LABELS
from readkit.grading import guessing

ROOT = Path(__file__).resolve().parents[1]


def validate(data, article=None):
    """What `readkit validate` checks: the data contract, and each assignment against guessing."""
    return contract.validate(data, article, guessing.check_article)


def load_article() -> str:
    return Course.open(ROOT).article().text


DATA = ROOT / "data"
SLUG = "raqqa-2021"
WHERE = f"data/articles/{SLUG}"  # how problems name the seed article's files
READKIT = Path(sys.executable).with_name("readkit")


def test_validate_passes_on_repo_data():
    result = subprocess.run([READKIT, "validate"], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout
    assert result.stdout.startswith(f"valid: {SLUG}: {len(load_units())} units (practice: ")


def test_units_join_back_to_the_article_in_order():
    article, position = load_article(), 0
    for text in load_units()["text"]:
        found = article.find(text, position)
        assert found >= 0, text
        assert not article[position:found].strip(), article[position:found]
        position = found + len(text)
    assert not article[position:].strip()


def test_article_is_the_seed_byte_for_byte():
    seed = ROOT.parent / "shared" / "seed" / "raqqa-exodus-article.txt"
    if not seed.exists():
        pytest.skip("the shared seed is not beside this checkout")
    assert (DATA / "articles" / SLUG / "article.txt").read_bytes() == seed.read_bytes()
    # the recorded checksum is the seed's
    digest = hashlib.sha256(seed.read_bytes()).hexdigest()
    assert (DATA / "articles" / SLUG / "checksum.sha256").read_text() == f"{digest}  article.txt\n"


def test_every_label_used_in_both_splits():
    key = load_key()
    for split in ("practice", "assessment"):
        counts = key[key["split"] == split]["label"].value_counts()
        assert set(counts.index) == set(LABELS)
        assert counts.min() >= 5, (split, counts.to_dict())


def test_key_and_units_have_the_same_ids_in_the_same_order():
    assert list(load_key()["unit_id"]) == list(load_units()["unit_id"])


def test_loaders_are_typed():
    units, claims, sources = load_units(), load_claims(), load_sources()
    assert str(units["paragraph"].dtype) == "int64"
    assert str(units["unit_id"].dtype) == "string"
    assert str(claims["value"].dtype) == "float64"
    assert claims["value"].notna().all()
    assert {"bbc", "cbs", "hersh"} <= set(sources["source_id"])


def test_load_key_filters_split():
    practice, assessment = load_key("practice"), load_key("assessment")
    assert set(practice["split"]) == {"practice"}
    assert len(practice) + len(assessment) == len(load_key())
    with pytest.raises(ValueError, match="split must be one of"):
        load_key("exam")


# --- the Course reads the same data the DataFrame loaders do ---------------------------------

def test_course_key_units_and_splits_agree_with_the_loaders():
    course = Course.open(ROOT).article(SLUG)
    assert [unit.unit_id for unit in course.units] == list(load_units()["unit_id"])
    assert list(course.unit_paragraphs.values()) == list(load_units()["paragraph"])
    key = course.key()
    assert list(key) == list(load_key()["unit_id"])
    for split in ("practice", "assessment"):
        assert course.split_unit_ids(split) == list(load_key(split)["unit_id"])
        assert list(course.key(split)) == course.split_unit_ids(split)
    p01s1 = key["p01s1"]
    assert (p01s1.label, p01s1.accept, p01s1.accepted) == ("meta", ("commentary",),
                                                          ("meta", "commentary"))
    assert [row["claim_id"] for row in course.claims()] == list(load_claims()["claim_id"])
    with pytest.raises(ValueError, match="split must be one of"):
        course.key("exam")
    with pytest.raises(ValueError, match="split must be one of"):
        course.split_unit_ids("exam")


def test_every_section_grades_assessment_units_only():
    course = Course.open(ROOT).article_for("01-sort-the-sources")
    assert course.slug == SLUG
    sections = course.sections("01-sort-the-sources")
    assert [s.section for s in sections] == ["part-1", "part-2", "part-3", "part-4"]
    assessment = set(course.split_unit_ids("assessment"))
    graded = [u for s in sections for u in course.section_units(s)]
    assert graded and set(graded) <= assessment
    assert len(graded) == len(set(graded))  # no unit is graded twice
    first = course.section_units(course.section("01-sort-the-sources", "part-1"))
    assert {course.unit_paragraphs[u] for u in first} <= set(range(51, 55))


def test_a_folder_that_is_not_a_course_is_refused(tmp_path, monkeypatch):
    from readkit.course.course import CourseError

    with pytest.raises(CourseError, match=r"is not a course folder \(it needs nbgrader_config"):
        Course.open(tmp_path)
    (tmp_path / "data").mkdir()
    with pytest.raises(CourseError, match=r"articles.csv is missing: it lists the course's "):
        _ = Course(tmp_path).article()
    (tmp_path / "data" / "articles.csv").write_text("slug,title\nlost,Lost\n")
    with pytest.raises(CourseError, match=r"units.csv is missing from .*lost.*git checkout data/"):
        _ = Course(tmp_path).article().units
    with pytest.raises(CourseError, match=r"No article 'other' in this course. Articles: lost "):
        Course(tmp_path).article("other")
    monkeypatch.setenv("READKIT_COURSE", str(tmp_path))
    assert Course.default().root == tmp_path.resolve()
    monkeypatch.setenv("READKIT_COURSE", str(tmp_path / "nowhere"))
    with pytest.raises(CourseError, match="has no data/ folder"):
        Course.default()
    monkeypatch.delenv("READKIT_COURSE")
    assert Course.default().root == ROOT  # the checkout this package is installed from


@pytest.mark.parametrize(("toml", "show_key"), [("", False), ("[feedback]\nshow_key = true\n", True)])
def test_settings_from_readkit_toml(tmp_path, toml, show_key):
    (tmp_path / "readkit.toml").write_text(toml, encoding="utf-8")
    assert Course(tmp_path).settings.show_key is show_key


@pytest.mark.parametrize("toml", ["[feedback]\nshow_key = 'yes'\n", "feedback = 1\n", "[feedback"])
def test_settings_that_are_not_valid_are_refused(tmp_path, toml):
    from readkit.course.course import CourseError

    (tmp_path / "readkit.toml").write_text(toml, encoding="utf-8")
    with pytest.raises(CourseError, match=r"readkit.toml is not valid \(.*\); fix it"):
        _ = Course(tmp_path).settings


# --- each check, on a broken copy ----------------------------------------------------------

def _edit_csv(path: Path, edit) -> None:
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        fields, rows = reader.fieldnames, list(reader)
    rows = edit(rows) or rows
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def _first(rows, **match):
    return next(r for r in rows if all(r[k] == v for k, v in match.items()))


def _break_article(data):
    path = data / "article.txt"
    path.write_bytes(path.read_bytes().replace(b"Ragga", b"Raqqa", 1))


def _swap_unit_text(rows):
    rows[13]["text"] = rows[13]["text"].replace(" ", "  ", 1)


def _drop_unit(rows):
    del rows[20]


def _repeat_id(rows):
    rows[5]["unit_id"] = rows[4]["unit_id"]


def _wrong_paragraph(rows):
    rows[30]["paragraph"] = str(int(rows[30]["paragraph"]) + 1)


def _bad_label(rows):
    rows[10]["label"] = "opinion"


def _accept_repeats_label(rows):
    rows[10]["accept"] = rows[10]["label"]


def _bad_accept(rows):
    rows[10]["accept"] = "rumour"


def _sourced_without_source(rows):
    _first(rows, label="sourced")["source"] = ""


def _unknown_source(rows):
    _first(rows, label="sourced")["source"] = "reuters"


def _empty_rationale(rows):
    rows[3]["rationale"] = "  "


def _bad_split(rows):
    rows[-1]["split"] = "exam"


def _unbalanced(rows):
    """One commentary unit left in the assessment half (meta is not needed there)."""
    commentary = [r for r in rows if r["split"] == "assessment" and r["label"] == "commentary"]
    for row in commentary[1:]:
        row["label"], row["accept"] = "claim", ""
    for row in rows:  # and no meta: furniture is not required in the assessment half
        if row["split"] == "assessment" and row["label"] == "meta":
            row["label"], row["accept"] = "claim", ""


def _practice_after_assessment(rows):
    rows[-1]["split"] = "practice"


def _claim_wrong_unit(rows):
    rows[0]["unit_id"] = "p01s1"


def _claim_not_a_number(rows):
    rows[0]["value"] = "about 250"


def _claim_unknown_reporter(rows):
    rows[0]["reported_by"] = "reuters"


def _claim_bad_event(rows):
    rows[0]["event"] = "Mosul 2017"


def _section_in_practice(rows):
    rows[0]["first_paragraph"] = "40"


def _sections_overlap(rows):
    rows[1]["first_paragraph"] = rows[0]["last_paragraph"]


BROKEN = [
    ("article", None, _break_article, f"{WHERE}/article.txt: sha256"),
    ("units.csv", 15, _swap_unit_text, f"{WHERE}/units.csv row 15: text not found after row 14's position; check quotes"),
    ("units.csv", None, _drop_unit, "is covered by no unit"),
    ("units.csv", 7, _repeat_id, f"{WHERE}/units.csv row 7: unit_id"),
    ("units.csv", 32, _wrong_paragraph, f"{WHERE}/units.csv row 32: paragraph is"),
    ("key.csv", 12, _bad_label, "label 'opinion' is not one of sourced, claim, commentary, meta"),
    ("key.csv", 12, _accept_repeats_label, "accept repeats the label"),
    ("key.csv", 12, _bad_accept, "accept label 'rumour' is not one of"),
    ("key.csv", None, _sourced_without_source, "a sourced unit needs a source_id from sources.csv"),
    ("key.csv", None, _unknown_source, "source 'reuters' is not in sources.csv"),
    ("key.csv", 5, _empty_rationale, f"{WHERE}/key.csv row 5: rationale is empty"),
    ("key.csv", None, _bad_split, "split 'exam' is not one of practice, assessment"),
    ("key.csv", None, _unbalanced, "the assessment split has 1 commentary unit(s); it needs at least 2 of each of sourced, claim, commentary (meta is not needed there); "),
    ("key.csv", None, _practice_after_assessment, "practice units must all come before assessment"),
    ("claims.csv", 2, _claim_wrong_unit, f"{WHERE}/claims.csv row 2: unit p01s1 does not contain the number"),
    ("claims.csv", 2, _claim_not_a_number, "value 'about 250' is not a number"),
    ("claims.csv", 2, _claim_unknown_reporter, "reported_by names 'reuters'"),
    ("claims.csv", 2, _claim_bad_event, "event 'Mosul 2017' is not a short name in lower case"),
    ("sections.csv", 2, _section_in_practice, f"{WHERE}/sections.csv row 2: section part-1 of 01-sort-the-sources covers units that are not in the assessment split: p40s1"),
    ("sections.csv", None, _sections_overlap, f"{WHERE}/sections.csv: sections.csv line 3: paragraphs overlap section 'part-1'"),
]


@pytest.mark.parametrize(("file", "row", "breakage", "expected"), BROKEN,
                         ids=[b[2].__name__.strip("_") for b in BROKEN])
def test_each_check_catches_its_breakage(tmp_path, file, row, breakage, expected):
    data = tmp_path / "data"
    shutil.copytree(DATA, data)
    if file == "article":
        breakage(data / "articles" / SLUG)
    else:
        _edit_csv(data / "articles" / SLUG / file, breakage)
    problems, _ = validate(data)
    messages = [str(p) for p in problems]
    # The problem names the broken file, and the row when the breakage is in one row.
    where = f"{WHERE}/{'article.txt' if file == 'article' else file}" + (f" row {row}: " if row else "")
    assert any(m.startswith(where) and expected in m for m in messages), messages


def test_clean_copy_has_no_problems(tmp_path):
    shutil.copytree(DATA, tmp_path / "data")
    problems, summaries = validate(tmp_path / "data")
    assert problems == []
    course = Course.open(ROOT)  # every article data/articles.csv lists, in its order
    assert [s.split(" (")[0] for s in summaries] == [
        f"{slug}: {len(course.article(slug).units)} units" for slug in course.article_slugs]
    assert summaries[0].startswith(f"{SLUG}: {len(load_units())} units")  # the seed comes first


def test_missing_file_is_named(tmp_path):
    shutil.copytree(DATA, tmp_path / "data")
    (tmp_path / "data" / "articles" / SLUG / "sources.csv").unlink()
    problems, _ = validate(tmp_path / "data")
    assert [str(p) for p in problems] == [
        f"{WHERE}/sources.csv: file is missing; restore it from the course repository "
        "(`readkit new-article` writes every file)"
    ]


def test_cli_exit_code_and_output_on_broken_copy(tmp_path):
    shutil.copytree(DATA, tmp_path / "data")
    _edit_csv(tmp_path / "data" / "articles" / SLUG / "key.csv", _empty_rationale)
    result = subprocess.run([READKIT, "validate", "--data", str(tmp_path / "data")],
                            capture_output=True, text=True)
    assert result.returncode == 1
    assert f"{WHERE}/key.csv row 5: rationale is empty; say which words decide the label" in result.stdout
    assert result.stdout.rstrip().endswith(f"1 problem(s) found in {tmp_path / 'data'}.")


def test_package_names_are_lazy_and_follow_the_default_course(tmp_path, monkeypatch):
    import readkit
    from readkit.widgets import selfcheck, show, sorter

    assert (readkit.Sorter, readkit.SelfCheck, readkit.show_units) == (
        sorter.Sorter, selfcheck.SelfCheck, show.show_units)
    assert readkit.Course is Course
    shutil.copytree(DATA, tmp_path / "data")
    _edit_csv(tmp_path / "data" / "articles" / SLUG / "units.csv", lambda rows: rows[:3])
    monkeypatch.setenv("READKIT_COURSE", str(tmp_path))
    assert list(readkit.load_units()["unit_id"]) == ["p01s1", "p02s1", "p03s1"]
    for gone in ("load_article", "article", "key", "answers", "all_units"):
        with pytest.raises(AttributeError, match=f"has no attribute '{gone}'"):
            getattr(readkit, gone)


# -- guessing: a grade a learner reaches without reading does not measure reading (issue 13) --

def _guessing(data: Path) -> dict:
    from readkit.grading.guessing import guessing_scores

    return guessing_scores(Course(data.parent, data), "01-sort-the-sources")


def test_no_reading_strategy_scores_much_on_assignment_01():
    """The exact scores of the no-reading strategies, as shares of the 30 Sorter points.

    Part-1 (7.5 points), all "sourced": classes commentary (p51s1, p51s2, p52s1, p52s2; three
    accept claim) and sourced (p53s1, p54s1, p54s2). Recall (0/4 + 3/3) / 2 = 0.5; chance
    ((2+1+2+2)/16 + 1/4) / 2 = 0.34375; 7.5 * (0.5 - 0.34375) / (1 - 0.34375) = 1.79.
    Part-3 (5 points), all "sourced": classes claim (p61s1, sourced accepted), sourced (p61s2,
    p62s2, p63s1) and commentary (p62s1). Recall (1/1 + 3/3 + 0/1) / 3 = 0.6667; chance
    (2/4 + 4/12 + 1/4) / 3 = 0.36111; 5 * (0.6667 - 0.36111) / (1 - 0.36111) = 2.39 (all
    "commentary": 0.65).
    The best label per part: 1.79 (part-1 sourced) + 2.88 (part-2 sourced) + 2.39 (part-3
    sourced) + 1.24 (part-4 sourced) = 8.30 of 30, which is also "sourced" for everything.
    Random labels: the mean of 20 seeded runs. (Before issue 22, when p61s1 was sourced with
    claim accepted: 8.18, 7.27 and 0.09595 of 30.)"""
    scores = _guessing(DATA)
    assert scores["best label per part"] == pytest.approx(8.30 / 30)
    assert scores["best labels"] == {"part-1": "sourced", "part-2": "sourced",
                                     "part-3": "sourced", "part-4": "sourced"}
    assert scores["one label for everything"] == pytest.approx(8.30 / 30)
    assert scores["one label"] == "sourced"
    assert scores["random labels"] == pytest.approx(0.09402, abs=1e-5)
    # The limits, which `readkit validate` holds.
    assert scores["best label per part"] <= 0.40
    assert scores["one label for everything"] <= 0.35
    assert scores["random labels"] <= 0.30


def test_the_key_scores_full_marks_on_assignment_01():
    from readkit.course.answers import OK, AnswersFile
    from readkit.grading import trusted

    plan = trusted.SorterAssignment.from_course(Course.open(ROOT), "01-sort-the-sources")
    key = AnswersFile(Path("answers.json"), OK, {u: e.label for u, e in plan.key.items()})
    assert trusted.grade_answers(key, plan).points == plan.max_points == 30


def test_a_guessable_cut_of_the_parts_fails_validate_with_a_clear_message(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(DATA, data)
    # One label per part: the author's comments, Hersh's quotation, the page furniture.
    (data / "articles" / SLUG / "sections.csv").write_text(
        "assignment,section,title,first_paragraph,last_paragraph,points\n"
        "01-sort-the-sources,part-1,Comments,51,52,10\n"
        "01-sort-the-sources,part-2,Hersh,53,54,10\n"
        "01-sort-the-sources,part-3,The page,70,80,10\n", encoding="utf-8")
    problems, _ = validate(data)
    messages = [str(p) for p in problems]
    assert messages[0] == (
        f"{WHERE}/sections.csv: assignment 01-sort-the-sources: a learner who never reads scores "
        "100% of the Sorter points with best label per part (part-1: commentary, part-2: "
        "sourced, part-3: meta; the limit is 40%); mix labels within each part (re-cut the "
        "paragraph ranges) so that no label guess earns much")
    assert len(messages) == 1  # one label for everything: 10 of 30, under its limit
    result = subprocess.run([READKIT, "validate", "--data", str(data)],
                            capture_output=True, text=True)
    assert result.returncode == 1 and "a learner who never reads scores" in result.stdout


def test_practice_corrects_both_ways_and_covers_what_the_assessment_grades():
    """Practice feedback must tell a learner who calls every author-voice sentence commentary
    (or claim) otherwise, and show each kind of unit the assessment grades (issue 13)."""
    key, units = load_key(), load_units().set_index("unit_id")
    practice = key[key["split"] == "practice"]

    def ids(frame):
        return set(frame["unit_id"])

    strict_claims = ids(practice[(practice["label"] == "claim")
                                 & ~practice["accept"].str.contains("commentary")])
    strict_comments = ids(practice[(practice["label"] == "commentary")
                                   & ~practice["accept"].str.contains("claim")])
    assert {"p30s2", "p44s3"} <= strict_claims
    assert len(strict_comments) >= 5
    comments = practice[practice["label"] == "commentary"]
    questions = {u for u in comments["unit_id"] if units.loc[u, "text"].rstrip().endswith("?")}
    assert "p50s1" in questions  # a rhetorical question in the author's voice
    body_headings = ids(practice[(practice["label"] == "meta")
                                 & practice["unit_id"].isin(["p48s1", "p49s1"])])
    assert body_headings == {"p48s1", "p49s1"}
    citations = [u for u in ids(practice) if "(Ibid)" in units.loc[u, "text"]]
    assert citations  # citation furniture; "op cit" itself has a practice item in lesson 5
    lesson = (ROOT / "lessons" / "05-quote-integrity.ipynb").read_text(encoding="utf-8")
    assert "(Lee, op cit)" in lesson


# -- several articles in one course (issue 15) ---------------------------------------------------

def _second_article(data: Path, slug: str = "raqqa-copy", listed: bool = True) -> Path:
    """A second article folder: the seed's files under another slug (unit ids may repeat across
    articles), its assignment renamed so that names stay unique."""
    folder = data / "articles" / slug
    shutil.copytree(data / "articles" / SLUG, folder)
    _edit_csv(folder / "sections.csv",
              lambda rows: [dict(r, assignment="03-sort-again") for r in rows])
    if listed:
        with (data / "articles.csv").open("a", encoding="utf-8") as handle:
            handle.write(f"{slug},A copy for the tests\n")
    return folder


def test_validate_checks_every_article_or_the_one_named(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(DATA, data)
    _second_article(data)
    problems, summaries = validate(data)
    assert problems == []
    slugs = Course.open(ROOT).article_slugs  # the course's own articles, the seed first
    assert slugs[0] == SLUG
    assert [s.split(":")[0] for s in summaries] == [*slugs, "raqqa-copy"]
    assert "03-sort-again without reading: best label per part 27.7%" in summaries[-1]
    problems, summaries = validate(data, "raqqa-copy")
    assert problems == [] and [s.split(":")[0] for s in summaries] == ["raqqa-copy"]
    course = Course(tmp_path, data)
    assert course.article_slugs == (*slugs, "raqqa-copy")
    assert course.article().slug == SLUG  # the first row is the default
    assert course.article_for("03-sort-again").slug == "raqqa-copy"
    assert course.article_for("01-sort-the-sources").slug == SLUG


def test_the_index_and_the_folders_must_agree(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(DATA, data)
    _second_article(data, "unlisted", listed=False)
    with (data / "articles.csv").open("a", encoding="utf-8") as handle:
        handle.write("gone,An article whose folder is missing\n")
    problems, _ = validate(data)
    row = len(Course.open(ROOT).article_slugs) + 2  # after the header and the course's articles
    assert [str(p) for p in problems] == [
        f"data/articles.csv row {row}: there is no folder data/articles/gone/; add the article or "
        "remove the row",
        "data/articles.csv: data/articles/unlisted/ is not listed; add a row for it (slug,title)",
    ]


def test_an_assignment_name_belongs_to_one_article(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(DATA, data)
    folder = _second_article(data)
    shutil.copyfile(data / "articles" / SLUG / "sections.csv", folder / "sections.csv")
    problems, _ = validate(data)
    assert [str(p) for p in problems] == [
        "data/articles/raqqa-copy/sections.csv: assignment 01-sort-the-sources is also in "
        "raqqa-2021's sections.csv; give it another name"]


@pytest.mark.parametrize(("content", "expected"), [
    ("0" * 64 + "  article.txt\n", "data/articles/raqqa-2021/article.txt: sha256 bb9a3dcec717... "
     "differs from the published article's (000000000000... in checksum.sha256)"),
    ("not a checksum\n", "data/articles/raqqa-2021/checksum.sha256: is not one line "
     "'<sha256>  article.txt'"),
])
def test_the_recorded_checksum_pins_the_text(tmp_path, content, expected):
    data = tmp_path / "data"
    shutil.copytree(DATA, data)
    (data / "articles" / SLUG / "checksum.sha256").write_text(content, encoding="utf-8")
    problems, _ = validate(data)
    assert len(problems) == 1 and str(problems[0]).startswith(expected), problems


def test_a_new_articles_blank_key_is_one_problem_each_not_one_per_row(tmp_path):
    """Straight after `readkit new-article` the key is blank: validate says what is left to do
    in a few lines."""
    from readkit.cli import main

    text = ROOT / "tests" / "fixtures" / "articles" / "harbour-bridge.txt"
    shutil.copytree(DATA, tmp_path / "data")
    assert main(["new-article", "harbour-bridge", str(text), "--course", str(tmp_path),
                 "--blank"]) == 0
    problems, _ = validate(tmp_path / "data", "harbour-bridge")
    units = len(Course(tmp_path).article("harbour-bridge").units)
    assert [str(p) for p in problems] == [
        f"data/articles/harbour-bridge/key.csv: {units} of {units} units have no label yet "
        "(p01s1, p02s1, p03s1, p04s1, p04s2 ...); label them in the Sorter's author mode: "
        'readkit.AuthorSorter(article="harbour-bridge")',
        f"data/articles/harbour-bridge/key.csv: {units} units have no split yet; in author mode "
        "mark the unit where the assessment starts (units before it are practice)",
    ]
    assert validate(tmp_path / "data", SLUG)[0] == []  # the seed article is untouched


def test_a_practice_split_short_of_a_label_is_a_note_not_a_problem(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(DATA, data)

    def no_practice_meta(rows):
        for row in rows:
            if row["split"] == "practice" and row["label"] == "meta":
                row["label"], row["accept"] = "claim", ""
    _edit_csv(data / "articles" / SLUG / "key.csv", no_practice_meta)
    problems, summaries = validate(data)
    assert problems == []
    assert summaries[0].splitlines()[1:] == [
        f"note: {WHERE}/key.csv: the practice split has 0 meta unit(s), so learners meet meta "
        "in the assessment with little practice on this article; move the split, or teach it "
        "with another article first"]


# --- drafts, the label mix, the one CSV reader ----------------------------------------------


def _draft_rows(count):
    def edit(rows):
        for row in rows[:count]:
            row["status"] = "draft"
        for row in rows[count:]:
            row["status"] = ""
    return edit


def _add_status_column(path: Path, edit) -> None:
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        fields, rows = [*reader.fieldnames, "status"], list(reader)
    edit(rows)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def test_a_key_with_drafts_is_refused_until_each_is_confirmed(tmp_path):
    from readkit.authoring.key_editor import KeyEditor

    data = tmp_path / "data"
    shutil.copytree(DATA, data)
    key = data / "articles" / SLUG / "key.csv"
    original = key.read_bytes()
    _add_status_column(key, _draft_rows(7))
    problems, _ = validate(data, SLUG)
    assert [str(p) for p in problems] == [
        f"{WHERE}/key.csv: 7 of 130 units are still drafts (p01s1, p02s1, p03s1, p04s1, p05s1 "
        "...): their label, source and rationale were guessed by readkit's rules and nobody has "
        "checked them. Check each in the Sorter's author mode (readkit.AuthorSorter("
        "article=\"raqqa-2021\")) and confirm it (KeyEditor.confirm(unit_id)); a draft is never "
        "graded or shown to learners"]
    editor = KeyEditor.load(key.parent)
    assert editor.drafts() == ["p01s1", "p02s1", "p03s1", "p04s1", "p05s1", "p06s1", "p07s1"]
    editor.confirm("p01s1")  # one call (author mode: one key) per unit
    assert editor.drafts()[0] == "p02s1" and validate(data, SLUG)[0]
    assert editor.confirm_all() == ["p02s1", "p03s1", "p04s1", "p05s1", "p06s1", "p07s1"]
    assert validate(data, SLUG)[0] == []
    # the last confirmation takes the status column away: the key is byte for byte as before
    assert key.read_bytes() == original


def test_a_draft_never_reaches_learners(tmp_path):
    from readkit.course.learner_data import write_learner_files
    from readkit.course.tables import read_table

    data = tmp_path / "data"
    shutil.copytree(DATA, data)
    _add_status_column(data / "articles" / SLUG / "key.csv", _draft_rows(3))
    write_learner_files(data, tmp_path / "learner")
    copy = read_table(tmp_path / "learner" / "articles" / SLUG / "key.csv")
    assert copy.header == ("unit_id", "label", "accept", "source", "split", "rationale")
    first = copy.rows[:4]
    assert [(r["unit_id"], r["label"], r["rationale"], r["split"]) for r in first[:3]] == [
        ("p01s1", "", "", "practice"), ("p02s1", "", "", "practice"),
        ("p03s1", "", "", "practice")]
    assert first[3]["label"] == "meta" and first[3]["rationale"]  # confirmed practice row


def test_an_article_that_is_all_assessment_gets_no_practice_notes():
    """The parallel forms (data/forms.csv) are tests on unpractised text: no practice half."""
    problems, summaries = validate(DATA)
    assert problems == []
    for summary in summaries:
        slug = summary.split(":")[0]
        practice = Course.open(ROOT).article(slug).key("practice")
        if not practice:
            assert "\nnote:" not in summary, summary


def test_a_split_that_leaves_a_label_short_says_where_to_start_instead(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(DATA, data)
    slug = "bus-route-14-2026"
    from readkit.authoring.key_editor import KeyEditor

    KeyEditor.load(data / "articles" / slug).start_assessment_at("p20s1")
    problems, _ = contract.validate(data, slug)
    assert [str(p) for p in problems if "key.csv" in str(p)] == [
        f"data/articles/{slug}/key.csv: the assessment split has 0 sourced unit(s); it needs at "
        "least 2 of each of sourced, claim, commentary (meta is not needed there); start the "
        "assessment at p14s1 (paragraph 14) instead, which gives practice 7 sourced, 3 claim, 3 "
        "commentary, 2 meta; assessment 5 sourced, 5 claim, 3 commentary, 3 meta (author mode, "
        'or KeyEditor.start_assessment_at("p14s1"))']


def test_the_contract_reader_numbers_rows_and_forgives_a_byte_order_mark(tmp_path):
    from readkit.course.tables import read_table, write_table

    path = tmp_path / "x.csv"
    write_table(path, ("unit_id", "text"), [("p01s1", 'a "quoted", comma'), {"unit_id": "p02s1"}])
    assert path.read_text(encoding="utf-8") == (
        'unit_id,text\np01s1,"a ""quoted"", comma"\np02s1,\n')
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes() + b"p03s1\n")
    table = read_table(path)
    assert table.header == ("unit_id", "text")
    assert list(table.numbered()) == [(2, {"unit_id": "p01s1", "text": 'a "quoted", comma'}),
                                      (3, {"unit_id": "p02s1", "text": ""}),
                                      (4, {"unit_id": "p03s1", "text": ""})]
    assert not list(tmp_path.glob(".x.csv.*"))  # the atomic write leaves no temp file


def test_validate_opens_no_file_of_its_own():
    """The one parser: validate reads through the Article and the contract's CSV reader."""
    source = (ROOT / "src" / "readkit" / "course" / "validate.py").read_text(encoding="utf-8")
    assert "open(" not in source and "import csv" not in source
    for module in ("key_editor", "new_article"):
        text = (ROOT / "src" / "readkit" / "authoring" / f"{module}.py").read_text()
        assert "import csv" not in text, module
