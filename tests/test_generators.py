"""`readkit new-assignment` and `readkit new-lesson` on the test article (harbour-bridge): the
exact cut of its assessment half and the points, the notebook's cells and metadata, every
refusal, and the lesson: it shows nothing of the assessment key and runs headless.

The article's key is tests/fixtures/articles/harbour-bridge-key.csv (labelled by hand, per
docs/codebook.md): practice paragraphs 1-10, assessment 11-17 (19 units: 9 sourced, 6 claim,
2 commentary, 2 meta).
"""

import csv
import json
import shutil
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from readkit.authoring import new_assignment as new_assignment_module
from readkit.authoring.lesson_notebook import hard_cases
from readkit.cli import main
from readkit.course.course import Course
from readkit.grading import guessing
from tests.support.numbering import next_number

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures" / "articles"
SLUG = "harbour-bridge"


NAME = f"{next_number(ROOT / 'solutions', '*'):02d}-sort-{SLUG}"  # after the course's assignments
LESSON = f"{next_number(ROOT / 'lessons', '*.ipynb'):02d}-{SLUG}"  # after its lessons
KEY_HEADER = ("unit_id", "label", "accept", "source", "split", "rationale")

pytestmark = pytest.mark.usefixtures("no_course_variable")


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def write_key(path: Path, rows: list[dict[str, str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=KEY_HEADER, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


FIXTURE_KEY = read_csv(FIXTURES / "harbour-bridge-key.csv")
# The articles a refusal lists: the course's own (data/articles.csv), then the test article.
ARTICLES = ", ".join((*Course.open(ROOT).article_slugs, SLUG))
ASSESSMENT = [row for row in FIXTURE_KEY if row["split"] == "assessment"]
UNIT_TEXT = {}  # filled by the course fixture: unit_id -> text


def make_course(base: Path, *, key: bool | None = True) -> Path:
    """A course folder with the real config, data, solutions and lessons, and the test article
    added with `readkit new-article` (its key and sources copied from the fixtures; key=False: a
    blank key; key=None: new-article's draft key)."""
    root = base / "course"
    root.mkdir()
    for name in ("nbgrader_config.py", "readkit.toml"):
        shutil.copy(ROOT / name, root / name)
    for name in ("data", "solutions", "lessons"):
        shutil.copytree(ROOT / name, root / name,
                        ignore=shutil.ignore_patterns("answers.json", ".ipynb_checkpoints"))
    assert main(["new-article", SLUG, str(FIXTURES / "harbour-bridge.txt"),
                 "--course", str(root), *([] if key is None else ["--blank"])]) == 0
    if key:
        folder = article_folder(root)
        shutil.copy(FIXTURES / "harbour-bridge-key.csv", folder / "key.csv")
        shutil.copy(FIXTURES / "harbour-bridge-sources.csv", folder / "sources.csv")
    return root


def article_folder(root: Path) -> Path:
    return root / "data" / "articles" / SLUG


@pytest.fixture
def course(tmp_path, capsys) -> Path:
    root = make_course(tmp_path)
    UNIT_TEXT.update({r["unit_id"]: r["text"]
                      for r in read_csv(article_folder(root) / "units.csv")})
    capsys.readouterr()
    return root


def run(capsys, *argv) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


# -- the fixture key --------------------------------------------------------------------------

def test_fixture_key_covers_every_unit_with_a_label_source_and_rationale(course):
    units = read_csv(article_folder(course) / "units.csv")
    assert [r["unit_id"] for r in FIXTURE_KEY] == [u["unit_id"] for u in units]
    sources = {r["source_id"] for r in read_csv(FIXTURES / "harbour-bridge-sources.csv")}
    for row in FIXTURE_KEY:
        assert row["label"] in ("sourced", "claim", "commentary", "meta")
        assert row["rationale"].strip()
        assert (row["source"] in sources) if row["label"] == "sourced" else True
    splits = [r["split"] for r in FIXTURE_KEY]
    cut = splits.index("assessment")
    assert set(splits[:cut]) == {"practice"} and set(splits[cut:]) == {"assessment"}
    assert FIXTURE_KEY[cut]["unit_id"] == "p11s1"  # a paragraph boundary


# -- new-assignment ---------------------------------------------------------------------------

def test_new_assignment_cuts_the_assessment_half_into_mixed_parts(course, capsys):
    code, out, err = run(capsys, "new-assignment", SLUG, "--course", str(course))
    assert code == 0, err
    assert read_csv(article_folder(course) / "sections.csv") == [
        {"assignment": NAME, "section": "part-1", "title": "Paragraphs 11-13",
         "first_paragraph": "11", "last_paragraph": "13", "points": "4.5"},
        {"assignment": NAME, "section": "part-2", "title": "Paragraphs 14-17",
         "first_paragraph": "14", "last_paragraph": "17", "points": "5.5"},
    ]
    assert "part-1: paragraphs 11-13, 9 units, 4.5 points" in out
    assert "part-2: paragraphs 14-17, 10 units, 5.5 points" in out
    assert ("Without reading, a learner scores: best label per part 0%, one label for "
            "everything 0%, random labels 10%.") in out
    assert "  make release    (makes exercises/" in out and "readkit release" not in out


def test_parts_and_points_options(course, capsys):
    code, _, err = run(capsys, "new-assignment", SLUG, "--name", "three-parts", "--parts", "3",
                       "--points", "12", "--course", str(course))
    assert code == 0, err
    rows = [(r["first_paragraph"], r["last_paragraph"], r["points"])
            for r in read_csv(article_folder(course) / "sections.csv")]
    assert rows == [("11", "12", "4.5"), ("13", "14", "4"), ("15", "17", "3.5")]


def test_a_cut_that_guessing_passes_is_moved(course, capsys, monkeypatch):
    # the most even cut (11-13 | 14-17) gives "random labels" 10.2%: over this limit; the next
    # most even (11-12 | 13-17) 8.7%
    monkeypatch.setitem(guessing.GUESS_LIMITS, "random labels", 0.09)
    code, out, err = run(capsys, "new-assignment", SLUG, "--course", str(course))
    assert code == 0, err
    assert [(r["first_paragraph"], r["last_paragraph"], r["points"])
            for r in read_csv(article_folder(course) / "sections.csv")] == [
        ("11", "12", "3.5"), ("13", "17", "6.5")]
    assert ("The most even cut was moved: with part-1 paragraphs 11-13, part-2 paragraphs "
            "14-17, a learner who never reads gets random labels scores 10% (limit 9%).") in out


def test_no_cut_passes_the_guessing_check(course, capsys, monkeypatch):
    monkeypatch.setitem(guessing.GUESS_LIMITS, "random labels", 0.0)
    code, _, err = run(capsys, "new-assignment", SLUG, "--course", str(course))
    assert code == 2
    assert "Every cut into 2 parts can be passed without reading" in err
    assert "random labels scores" in err and "(limit 0%)" in err
    assert not (course / "solutions" / NAME).exists()
    assert read_csv(article_folder(course) / "sections.csv") == []


def test_the_notebook_is_an_nbgrader_source_like_01(course, capsys):
    assert run(capsys, "new-assignment", SLUG, "--course", str(course))[0] == 0
    path = course / "solutions" / NAME / f"{NAME}.ipynb"
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    assert (nb.nbformat, nb.nbformat_minor) == (4, 5)
    assert nb.metadata == {"kernelspec": {"display_name": "Python 3 (ipykernel)",
                                          "language": "python", "name": "python3"},
                           "language_info": {"name": "python"}}
    assert [cell.id for cell in nb.cells] == [
        "intro", "part-1-task", "part-1-sorter", "part-1-grade", "part-2-task",
        "part-2-sorter", "part-2-grade", "submit-task", "submit-check"]
    cells = {cell.id: cell for cell in nb.cells}
    for part, points in (("part-1", 4.5), ("part-2", 5.5)):
        assert cells[f"{part}-sorter"].source == (
            f'from readkit import Sorter\n\nSorter.section("{NAME}", "{part}")')
        assert cells[f"{part}-sorter"].metadata == {}
        grade = cells[f"{part}-grade"]
        assert grade.metadata == {"nbgrader": {
            "grade": True, "grade_id": f"{part}-grade", "locked": True, "points": points,
            "schema_version": 3, "solution": False, "task": False}}
        assert grade.source.endswith(
            f'import readkit.grading.cells as grading\n\ngrading.check_answers("{NAME}", '
            f'"{part}")')
    assert cells["submit-check"].source.endswith(f'grading.check_answers("{NAME}")')
    assert '"Harbour Bridge to close for six weeks of repairs"' in cells["intro"].source
    assert "part 1: 4.5; part 2: 5.5" in cells["intro"].source
    assert "## Part 1: Paragraphs 11-13 (4.5 points)" in cells["part-1-task"].source
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None
        if cell.id not in ("part-1-grade", "part-2-grade"):
            assert "nbgrader" not in cell.metadata  # plain cells, as in 01 (docs/grading.md)
    # no key material in the source notebook either (nbgrader releases it as it is)
    text = path.read_text(encoding="utf-8")
    assert [r["unit_id"] for r in ASSESSMENT if r["rationale"] in text] == []


def test_existing_sections_are_used_as_they_are(course, capsys):
    sections = article_folder(course) / "sections.csv"
    sections.write_text("assignment,section,title,first_paragraph,last_paragraph,points\n"
                        f"{NAME},part-1,All of it,11,17,8\n", encoding="utf-8")
    code, out, err = run(capsys, "new-assignment", SLUG, "--course", str(course))
    assert code == 0, err
    assert "already has 1 part(s)" in out and "part-1: paragraphs 11-17, 19 units, 8 points" in out
    assert sections.read_text(encoding="utf-8").count(NAME) == 1


@pytest.mark.parametrize(("rows", "message"), [
    ("part-1,Most,11,16,2\n{name},part-2,Captions,17,17,8",
     "do not measure reading fairly: a learner who never reads gets best label per part "
     "scores 80% (limit 30%)"),
    ("part-1,Practice,1,10,5", f"part-1 of {NAME} covers no assessment units"),
    ("part-1,First,11,11,2\n{name},part-2,Rest,12,17,8",
     "part-1 has a single sentence of commentary: that sentence alone decides how that label "
     "is scored"),
], ids=["guessable", "practice-units", "single-sentence-class"])
def test_hand_cut_sections_are_checked(course, capsys, rows, message):
    sections = article_folder(course) / "sections.csv"
    sections.write_text("assignment,section,title,first_paragraph,last_paragraph,points\n"
                        f"{NAME},{rows.format(name=NAME)}\n", encoding="utf-8")
    code, _, err = run(capsys, "new-assignment", SLUG, "--course", str(course))
    assert code == 2 and message in err, err
    assert not (course / "solutions" / NAME).exists()


def test_force_writes_the_notebook_again(course, capsys):
    assert run(capsys, "new-assignment", SLUG, "--course", str(course))[0] == 0
    path = course / "solutions" / NAME / f"{NAME}.ipynb"
    path.write_text("{}", encoding="utf-8")
    code, err = run(capsys, "new-assignment", SLUG, "--course", str(course))[::2]
    assert code == 2 and "exists already" in err and "--force" in err
    assert run(capsys, "new-assignment", SLUG, "--force", "--course", str(course))[0] == 0
    assert nbformat.read(path, as_version=4).cells[0].id == "intro"
    assert len(read_csv(article_folder(course) / "sections.csv")) == 2  # not cut twice


def blank(column: str, unit_id: str):
    def change(rows):
        next(r for r in rows if r["unit_id"] == unit_id)[column] = ""
    return change


def every_unit_practice(rows):
    for row in rows:
        row["split"] = "practice"


def every_unit_assessment(rows):
    for row in rows:
        row["split"] = "assessment"


REFUSALS = [
    ("unknown article", ["new-assignment", "no-such-article"], None,
     f"No article 'no-such-article' in this course. Articles: {ARTICLES}"),
    ("blank label", ["new-assignment", SLUG], blank("label", "p09s1"),
     "1 unit(s) without a label (p09s1)"),
    ("blank split", ["new-assignment", SLUG], blank("split", "p15s2"),
     "1 unit(s) without a split (p15s2)"),
    ("no assessment units", ["new-assignment", SLUG], every_unit_practice,
     "has no assessment units, so there is nothing to grade"),
    ("too many parts", ["new-assignment", SLUG, "--parts", "8"], None,
     "The assessment half has 7 paragraph(s), too few for 8 parts"),
    ("bad name", ["new-assignment", SLUG, "--name", "Sort It!"], None,
     "'Sort It!' is not a usable assignment name"),
    ("existing assignment", ["new-assignment", SLUG, "--name", "01-sort-the-sources"], None,
     "The assignment name '01-sort-the-sources' is already used by the article"),
    ("lesson: unknown article", ["new-lesson", "no-such-article"], None,
     f"No article 'no-such-article' in this course. Articles: {ARTICLES}"),
    ("lesson: blank label", ["new-lesson", SLUG], blank("label", "p02s1"),
     "1 unit(s) without a label (p02s1)"),
    ("lesson: no practice units", ["new-lesson", SLUG], every_unit_assessment,
     "has no practice units, so a lesson has nothing to practise on"),
    ("lesson: existing lesson", ["new-lesson", SLUG, "--name", "01-first-look"], None,
     "01-first-look.ipynb exists already"),
]


@pytest.mark.parametrize(("argv", "change", "message"), [r[1:] for r in REFUSALS],
                         ids=[r[0] for r in REFUSALS])
def test_refusals(course, capsys, argv, change, message):
    if change is not None:
        key = article_folder(course) / "key.csv"
        rows = read_csv(key)
        change(rows)
        write_key(key, rows)
    before = sorted(p.relative_to(course) for p in course.rglob("*") if p.is_file())
    code, out, err = run(capsys, *argv, "--course", str(course))
    assert code == 2 and out == ""
    assert err.startswith(f"readkit {argv[0]}: ") and message in err, err
    assert sorted(p.relative_to(course) for p in course.rglob("*") if p.is_file()) == before


def test_an_unlabelled_article_is_refused_with_what_to_do(tmp_path, capsys):
    root = make_course(tmp_path, key=False)
    capsys.readouterr()
    code, _, err = run(capsys, "new-assignment", SLUG, "--course", str(root))
    assert code == 2
    assert "36 unit(s) without a label (p01s1, p02s1, p03s1, p04s1, p04s2 and 31 more)" in err
    assert "Sorter's author mode" in err


def test_a_drafted_article_is_refused_until_its_drafts_are_confirmed(tmp_path, capsys):
    root = make_course(tmp_path, key=None)
    capsys.readouterr()
    for command in ("new-assignment", "new-lesson"):
        code, _, err = run(capsys, command, SLUG, "--course", str(root))
        assert code == 2
        assert ("harbour-bridge/key.csv has 36 draft row(s) nobody has confirmed (p01s1, p02s1, "
                "p03s1, p04s1, p04s2 and 31 more): check and confirm each") in err


# -- new-lesson -------------------------------------------------------------------------------

def test_new_lesson_is_built_from_the_practice_key_only(course, capsys):
    code, out, err = run(capsys, "new-lesson", SLUG, "--course", str(course))
    assert code == 0, err
    path = course / "lessons" / f"{LESSON}.ipynb"
    assert f"Wrote lessons/{LESSON}.ipynb" in out and "p04s2, p08s1, p08s2" in out
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    headings = [c.source.splitlines()[0] for c in nb.cells if c.cell_type == "markdown"]
    assert headings[0].startswith(f"# Lesson {int(LESSON[:2])}: Who is speaking?")
    assert headings[-1] == "## Summary"
    assert "## 2. The decision procedure" in headings and "## Self-check" in headings
    code_cells = [c for c in nb.cells if c.cell_type == "code"]
    assert all(c.outputs == [] and c.execution_count is None for c in code_cells)
    assert any(f'readkit.Sorter(article={SLUG!r}' in c.source and 'mode="practice"' in c.source
               for c in code_cells)
    checks = [c.source for c in code_cells if c.source.startswith("SelfCheck")]
    assert checks == [f"SelfCheck.on_unit({unit!r}, article={SLUG!r})"
                      for unit in ("p04s2", "p08s1", "p08s2")]
    # nothing of the assessment key: no id, no text, no rationale of an assessment unit
    text = path.read_text(encoding="utf-8")
    sources = " ".join(" ".join(cell.source.split()) for cell in nb.cells)
    for row in ASSESSMENT:
        assert row["unit_id"] not in text
        assert " ".join(UNIT_TEXT[row["unit_id"]].split()) not in sources
        assert row["rationale"] not in text and json.dumps(row["rationale"])[1:-1] not in text


def test_hard_cases_are_accepted_alternatives_then_close_calls():
    from readkit.course.key import parse_key

    practice = {u: e for u, e in parse_key(FIXTURE_KEY).items() if e.split == "practice"}
    assert hard_cases(practice) == ["p04s2", "p08s1", "p08s2"]


@pytest.mark.slow  # a Jupyter kernel
def test_lesson_runs_headless_without_errors(course, capsys, monkeypatch):
    assert run(capsys, "new-lesson", SLUG, "--course", str(course))[0] == 0
    monkeypatch.setenv("READKIT_COURSE", str(course))
    notebook = nbformat.read(course / "lessons" / f"{LESSON}.ipynb", as_version=4)
    NotebookClient(notebook, timeout=60, kernel_name="python3",
                   resources={"metadata": {"path": str(course / "lessons")}}).execute()
    problems = [(index, output.get("ename") or output.get("text", "")[:300])
                for index, cell in enumerate(notebook.cells) if cell.cell_type == "code"
                for output in cell.outputs
                if output.output_type == "error"
                or (output.output_type == "stream" and output.name == "stderr")]
    assert problems == []
    shown = json.dumps([cell.get("outputs", []) for cell in notebook.cells])
    assert [r["unit_id"] for r in ASSESSMENT if r["rationale"] in shown] == []
    assert [r["unit_id"] for r in ASSESSMENT if f'"{r["unit_id"]}"' in shown] == []


def test_default_names_follow_the_numbering(course):
    assert new_assignment_module.default_name(Course.open(course), SLUG) == NAME


@pytest.mark.parametrize(("sizes", "total", "shares"), [
    ([9, 10], 10, [4.5, 5.5]),
    ([7, 6, 6], 12, [4.5, 4.0, 3.5]),
    ([19], 10, [10.0]),
    ([1, 1, 1], 1, [0.33, 0.33, 0.34]),  # too few points for half points: equal cents
])
def test_points_are_shared_by_size_in_half_points(sizes, total, shares):
    from readkit.authoring.cuts import part_points

    assert part_points(sizes, total) == shares
    assert round(sum(shares), 2) == total


def test_the_lesson_has_the_shape_of_the_course_lessons(course, capsys):
    """The checks tests/test_lessons.py makes of lessons/, on the generated lesson."""
    from tests import test_lessons

    assert run(capsys, "new-lesson", SLUG, "--course", str(course))[0] == 0
    path = course / "lessons" / f"{LESSON}.ipynb"
    test_lessons.test_opens_with_objectives_standards_and_time(path)
    test_lessons.test_ends_with_a_self_check_then_a_summary(path)
    test_lessons.test_committed_without_outputs(path)
    test_lessons.test_question_cells_are_folded(path)
