"""The lesson notebooks: their shape (objectives, standards, time, self-check, summary, short
cells, article text never retyped), and a headless run of each from a clean kernel in a temporary
copy of lessons/, with no errors and no assessment key in any output.

Each lesson's run time is printed and recorded (junit property `seconds`); speed limits belong
in the benchmark, not here.
"""

import csv
import json
import re
import shutil
import sys
import time
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from readkit.authoring.lesson_notebook import GENERATED
from readkit.course.course import Course
from readkit.course.key import ASSESSMENT
from readkit.widgets.show import select_units
from tests.support.course_copy import committed

ROOT = Path(__file__).resolve().parents[1]
LESSONS = ROOT / "lessons"
# Every lesson of the course, as lessons/ holds them: the kit's own and any a teacher made with
# `readkit new-lesson` (its notebook metadata says so). Nothing here pins how many there are.
PATHS = sorted(LESSONS.glob("*.ipynb"))
EXPECTED = [path.stem for path in PATHS]
# The lessons written for the kit: the teacher guide has a section for each.
KIT_LESSONS = [path.stem for path in PATHS
               if GENERATED not in nbformat.read(path, as_version=4).metadata]
# Lessons where the pandas code is the lesson itself may have longer code cells.
PANDAS_LESSONS = {"02-anatomy", "06-numbers"}
MAX_CODE_LINES = 6
# A unit this long, found in a markdown cell, means article text was retyped, not loaded.
RETYPED_MIN_CHARS = 40
CCSS = re.compile(r"\b(CCRA\.R\.\d|RH\.\d+-\d+\.\d+)\b")


def read_key(split: str | None = None):
    return Course.open(ROOT).article().key(split)


def all_units() -> list:
    return select_units(course=Course.open(ROOT))


def every_articles_units() -> list:
    course = Course.open(ROOT)
    return [unit for slug in course.article_slugs for unit in course.article(slug).units]


def read(path: Path):
    return nbformat.read(path, as_version=4)


def heading(cell) -> str:
    return cell.source.lstrip().splitlines()[0] if cell.source.strip() else ""


@pytest.fixture(autouse=True)
def course(monkeypatch):
    monkeypatch.setenv("READKIT_COURSE", str(ROOT))


def test_the_lessons_are_numbered_in_order():
    """01-name, 02-name, ... with no number missing or repeated (new-lesson takes the next)."""
    assert EXPECTED and KIT_LESSONS
    assert all(re.fullmatch(r"\d{2}-[a-z0-9-]+", name) for name in EXPECTED), EXPECTED
    assert [int(name[:2]) for name in EXPECTED] == list(range(1, len(EXPECTED) + 1))


# -- shape -------------------------------------------------------------------------------------

@pytest.mark.parametrize("path", PATHS, ids=EXPECTED)
def test_opens_with_objectives_standards_and_time(path):
    first = read(path).cells[0]
    assert first.cell_type == "markdown"
    assert first.source.startswith("# Lesson ")
    assert "**Learning objectives.**" in first.source
    standards = next(line for line in first.source.splitlines() if "**Standards.**" in line)
    assert len(CCSS.findall(standards)) >= 2, standards
    assert re.search(r"\*\*Estimated time\.\*\* \d+ minutes\.", first.source)


@pytest.mark.parametrize("path", PATHS, ids=EXPECTED)
def test_ends_with_a_self_check_then_a_summary(path):
    cells = read(path).cells
    headings = [heading(cell) for cell in cells]
    start = headings.index("## Self-check")
    assert cells[-1].cell_type == "markdown" and headings[-1] == "## Summary"
    questions = [cell for cell in cells[start + 1:-1] if cell.cell_type == "code"]
    assert 2 <= len(questions) <= 3
    assert all(cell.source.startswith(("SelfCheck(", "SelfCheck.on_unit(", "quiz("))
               for cell in questions)


@pytest.mark.parametrize("path", PATHS, ids=EXPECTED)
def test_committed_without_outputs(path):
    notebook = nbformat.reads(committed(path).decode("utf-8"), as_version=4)  # not a learner's run
    nbformat.validate(notebook)
    assert notebook.metadata["kernelspec"]["name"] == "python3"
    for cell in notebook.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None
    assert "widgets" not in notebook.metadata


SHORT_CELL_LESSONS = [path for path in PATHS if path.stem not in PANDAS_LESSONS]


# Lessons 02 and 06 are exempt: there the pandas work is the lesson.
@pytest.mark.parametrize("path", SHORT_CELL_LESSONS, ids=[p.stem for p in SHORT_CELL_LESSONS])
def test_code_cells_are_short(path):
    for cell in read(path).cells:
        if cell.cell_type == "code":
            code = [line for line in cell.source.splitlines()
                    if line.strip() and not line.lstrip().startswith("#")]
            assert len(code) <= MAX_CODE_LINES, cell.source


@pytest.mark.parametrize("path", PATHS, ids=EXPECTED)
def test_article_text_is_loaded_never_retyped(path):
    markdown = " ".join(" ".join(cell.source.split()) for cell in read(path).cells
                        if cell.cell_type == "markdown")
    retyped = [unit.unit_id for unit in every_articles_units()
               if len(unit.text) >= RETYPED_MIN_CHARS and " ".join(unit.text.split()) in markdown]
    assert retyped == [], f"show these with show_units instead of typing them: {retyped}"


@pytest.mark.parametrize("path", PATHS, ids=EXPECTED)
def test_question_cells_are_folded(path):
    """The code of question and answer cells holds the answer: it starts folded
    (SelfCheck.on_unit reads its answer from the practice key: nothing to fold)."""
    for cell in read(path).cells:
        if cell.cell_type == "code" and re.match(r"(# The (answer|table)|SelfCheck\(|quiz)",
                                                 cell.source):
            assert cell.metadata.get("jupyter", {}).get("source_hidden") is True, cell.source


def test_readme_lists_every_lesson():
    readme = (LESSONS / "README.md").read_text(encoding="utf-8")
    for name in EXPECTED:
        assert f"({name}.ipynb)" in readme, name


def test_teacher_guide_covers_every_lesson_and_links_grading():
    guide = (ROOT / "docs" / "teacher-guide.md").read_text(encoding="utf-8")
    sections = re.split(r"\n## ", guide)
    for name in KIT_LESSONS:
        number = int(name[:2])
        section = next((s for s in sections if s.startswith(f"Lesson {number}")), None)
        assert section is not None, name
        for part in ("Objectives", "Timing", "Discussion prompts", "Common misconceptions",
                     "In class", "Self-study"):
            assert f"**{part}" in section, (name, part)
    assert "(grading.md)" in guide


# -- headless run ------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def lesson_copy(tmp_path_factory) -> Path:
    """A copy of lessons/: running a lesson must not write into the repo (answers.json)."""
    copy = tmp_path_factory.mktemp("lessons") / "lessons"
    shutil.copytree(LESSONS, copy, ignore=shutil.ignore_patterns("answers.json", ".ipynb_*"))
    return copy


def assessment_rationales() -> list[str]:
    """Of every article: a lesson on any of them must show none."""
    course = Course.open(ROOT)
    return [entry.rationale for slug in course.article_slugs
            for entry in course.article(slug).key(ASSESSMENT).values()]


def output_texts(notebook) -> str:
    parts = [json.dumps(notebook.metadata.get("widgets", {}))]
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            parts.append(output.get("text", ""))
            parts += [str(value) for value in output.get("data", {}).values()]
    return "\n".join(parts)


@pytest.mark.slow  # a Jupyter kernel per lesson
@pytest.mark.parametrize("name", EXPECTED)
def test_lesson_runs_headless_without_errors(name, lesson_copy, record_property, capsys):
    before = sorted(LESSONS.iterdir())
    notebook = read(lesson_copy / f"{name}.ipynb")
    client = NotebookClient(notebook, timeout=60, kernel_name="python3",
                            resources={"metadata": {"path": str(lesson_copy)}})
    started = time.monotonic()
    client.execute()
    seconds = time.monotonic() - started
    record_property("seconds", round(seconds, 2))
    with capsys.disabled():
        print(f"\n  {name}: ran in {seconds:.1f} s", end="")

    problems = [
        (index, output.get("ename") or output.get("text", "")[:300])
        for index, cell in enumerate(notebook.cells) if cell.cell_type == "code"
        for output in cell.outputs
        if output.output_type == "error" or (output.output_type == "stream"
                                             and output.name == "stderr")
    ]
    assert problems == []
    shown = output_texts(notebook)
    leaked = [text[:60] for text in assessment_rationales() if text in shown]
    assert leaked == [], "a lesson showed assessment rationales"
    assert sorted(LESSONS.iterdir()) == before, "running a lesson wrote into lessons/"


@pytest.mark.slow  # a Jupyter kernel per lesson
def test_practice_lesson_needs_only_the_practice_key(lesson_copy, tmp_path, monkeypatch):
    """Lesson 4 (the Sorter and the key reveals) runs on a course whose key.csv has practice
    rows only, as in the package learners install."""
    course = tmp_path / "course"
    shutil.copytree(ROOT / "data", course / "data")
    shutil.copy2(ROOT / "nbgrader_config.py", course)
    with (ROOT / "data" / "articles" / "raqqa-2021" / "key.csv").open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        fields, rows = reader.fieldnames, [row for row in reader if row["split"] == "practice"]
    with (course / "data" / "articles" / "raqqa-2021" / "key.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)
    assert 0 < len(rows) < len(all_units())
    monkeypatch.setenv("READKIT_COURSE", str(course))
    notebook = read(lesson_copy / "04-fact-claim-commentary.ipynb")
    # The kernel really works on the practice-only course (else this test proves nothing).
    notebook.cells.append(nbformat.v4.new_code_cell(
        "from readkit.course.course import Course\n"
        "print(Course.default().root, len(Course.default().article().key()))"))
    NotebookClient(notebook, timeout=60, kernel_name="python3",
                   resources={"metadata": {"path": str(lesson_copy)}}).execute()
    assert notebook.cells[-1].outputs[0]["text"].split() == [str(course.resolve()), str(len(rows))]


@pytest.mark.slow  # a Jupyter kernel per lesson
def test_lessons_run_on_the_venvs_python(lesson_copy):
    notebook = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("import sys; print(sys.executable)")])
    NotebookClient(notebook, timeout=60, kernel_name="python3").execute()
    assert notebook.cells[0].outputs[0]["text"].strip() == sys.executable


# -- content errors fixed in issue 13 (each would come back unnoticed without a test) --------

def markdown_of(name: str) -> str:
    return "\n".join(" ".join(cell.source.split()) for cell in read(LESSONS / f"{name}.ipynb").cells
                     if cell.cell_type == "markdown")


def test_every_self_check_has_a_hint():
    """A first miss points at the deciding words, not at "Look at the text again"."""
    for path in PATHS:
        for cell in read(path).cells:
            if cell.cell_type == "code" and "SelfCheck(" in cell.source:
                assert "hint=" in cell.source, (path.stem, cell.source[:80])


def test_lesson_8_lists_confirms_under_the_bbc():
    answer = markdown_of("08-trace-to-source")
    assert '"confirms" does appear on the left (`p30s1`)' in answer
    assert 'the verbs "Confirmed by", "acknowledges", "suggests" are the' not in answer


def test_lesson_5_places_what_dillon_maintains_and_the_silent_cut():
    answer = markdown_of("05-quote-integrity")
    assert "the words he maintained were cut" not in answer
    assert "what he maintains is `p36s1`" in answer and "`p35s1`" in answer


def test_no_figure_is_put_on_hersh_s_account():
    key = read_key()
    texts = [markdown_of(name) for name in EXPECTED] + [key["p61s1"].rationale]
    assert not [t for t in texts if "on Hersh's account" in t or "continue Hersh's account" in t]


def test_lesson_1_past_tense_gec_and_an_offline_path():
    text = markdown_of("01-first-look")
    assert "that works against foreign propaganda" not in text and "the GEC is part" not in text
    assert "mandate ended on 23 December 2024" in text
    assert "**No internet? The offline path" in text


def test_lesson_2_share_of_sourced_text_matches_the_key():
    """Lesson 2 says the units the key labels sourced hold about 38% of the characters."""
    key = read_key()
    units = all_units()
    chars = sum(len(unit.text) for unit in units)
    sourced = sum(len(unit.text) for unit in units if key[unit.unit_id].label == "sourced")
    share = round(100 * sourced / chars)
    assert f"hold about {share}% of the characters" in markdown_of("02-anatomy")


def test_every_self_check_leaves_a_choice_after_two_misses():
    """Two different wrong tries reveal the answer, so a question has four options (with three,
    a second miss would leave only the answer to pick)."""
    for path in PATHS:
        for cell in read(path).cells:
            if cell.cell_type == "code" and cell.source.startswith("SelfCheck("):
                args, kwargs = eval(cell.source, {"SelfCheck": lambda *a, **k: (a, k)})  # noqa: S307
                options = args[1] if len(args) > 1 else kwargs["options"]
                assert len(options) >= 4, (path.stem, cell.source[:70])


def graded_paragraphs() -> set[int]:
    with (ROOT / "data" / "articles" / "raqqa-2021" / "sections.csv").open(encoding="utf-8") as f:
        return {n for row in csv.DictReader(f) if row["assignment"] == "01-sort-the-sources"
                for n in range(int(row["first_paragraph"]), int(row["last_paragraph"]) + 1)}


def paragraphs_discussed(notebook) -> set[int]:
    """The paragraphs a lesson names a unit of (p52s1) or shows a range of (show_units((48, 52)))."""
    text = "\n".join(cell.source for cell in notebook.cells)
    found = {int(n) for n in re.findall(r"\bp(\d{2})s\d+\b", text)}
    for low, high in re.findall(r"show_units\(\((\d+), (\d+)\)", text):
        found |= set(range(int(low), int(high) + 1))
    return found


@pytest.mark.parametrize("path", PATHS, ids=EXPECTED)
def test_a_lesson_on_graded_sentences_opens_with_the_after_assignment_01_banner(path):
    """Lessons 6 to 8 discuss sentences assignment 01 grades (or model its rewrite): a banner
    under the title says to do them after assignment 01, and the tag keeps them out of an
    assessed site build (tools/site/contents.py). Lessons 1 to 5 come before it."""
    notebook = read(path)
    first = notebook.cells[0]
    tagged = "after-assignment-01" in first.metadata.get("tags", [])
    banner = "**Do this lesson after assignment 01 is handed in.**" in first.source
    assert tagged == banner == (path.stem in {"06-numbers", "07-analogy", "08-trace-to-source"})
    if paragraphs_discussed(notebook) & graded_paragraphs():
        assert tagged, f"{path.stem} discusses graded sentences without the banner"
    assert heading(first).startswith("# Lesson ")  # the banner sits under the title


# -- issue 22, second read: what the tests grade is taught -------------------------------------

def test_sourced_is_taught_as_a_named_or_described_source():
    """The key counts a source the text describes without naming ("a council officer, who asked
    not to be named") as sourced: every definition learners meet says so, and lesson 4 works an
    invented example and asks a self-check on one."""
    intro = read(ROOT / "solutions" / "01-sort-the-sources" / "sort-the-sources.ipynb").cells[0]
    texts = {"lesson 4": markdown_of("04-fact-claim-commentary"), "assignment 01": intro.source,
             "codebook": (ROOT / "docs" / "codebook.md").read_text(encoding="utf-8"),
             "glossary": (ROOT / "docs" / "glossary.md").read_text(encoding="utf-8")}
    assert [name for name, text in texts.items() if "named or described source" not in text] == []
    lesson = read(LESSONS / "04-fact-claim-commentary.ipynb")
    worked = next(cell.source for cell in lesson.cells if cell.get("id") == "described-source")
    assert "Written for the course" in worked and "asked not to be named" in worked
    checks = [cell.source for cell in lesson.cells if cell.source.startswith("SelfCheck(")
              and "did not want to be" in cell.source]
    assert len(checks) == 1 and 'answer="sourced"' in checks[0]
