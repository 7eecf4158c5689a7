"""Generated lessons and assignments on a short article with its furniture at the top (issue 25):
tests/fixtures/articles/local-paper.txt, 26 units (headline, byline, date at the top, a caption
in the middle, a share bar and a copyright line at the end), keyed by hand in
local-paper-key.csv: practice paragraphs 1-9 (5 meta, 3 sourced, 4 claim, 2 commentary),
assessment 10-16 (4 sourced, 2 claim, 4 commentary, 2 meta).

- new-lesson: a worked example of every label, self-checks on three different labels and never
  on furniture, and a note (with the split that fixes it) when the practice half lacks a label;
- new-assignment: parts cut so that every label a part has, it has at least two sentences of
  (cuts.py's rule, whatever the scoring), furniture-only edge paragraphs left ungraded when that
  is what the rule needs, fewer parts by default when no cut into two works.
"""

import shutil
from collections import Counter
from pathlib import Path

import nbformat
import pytest

from readkit.authoring.cuts import CutError, cut_assessment
from readkit.authoring.lesson_notebook import GENERATED
from readkit.cli import main
from readkit.course.key import KeyEntry
from readkit.course.tables import read_table, write_table
from tests.support.numbering import next_number

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures" / "articles"
SLUG = "allotments"

pytestmark = pytest.mark.usefixtures("no_course_variable")


LESSON = f"{next_number(ROOT / 'lessons', '*.ipynb'):02d}-{SLUG}"
NAME = f"{next_number(ROOT / 'solutions', '*'):02d}-sort-{SLUG}"


@pytest.fixture
def course(tmp_path, capsys) -> Path:
    """The course's config, data, solutions and lessons, and the short article added with
    new-article from its text file, its key and sources as the teacher finished them."""
    root = tmp_path / "course"
    root.mkdir()
    for name in ("nbgrader_config.py", "readkit.toml"):
        shutil.copy(ROOT / name, root / name)
    for name in ("data", "solutions", "lessons"):
        shutil.copytree(ROOT / name, root / name,
                        ignore=shutil.ignore_patterns("answers.json", ".ipynb_checkpoints"))
    assert main(["new-article", SLUG, str(FIXTURES / "local-paper.txt"),
                 "--course", str(root)]) == 0
    for name in ("key.csv", "sources.csv"):
        shutil.copy(FIXTURES / f"local-paper-{name}", folder(root) / name)
    capsys.readouterr()
    return root


def folder(root: Path) -> Path:
    return root / "data" / "articles" / SLUG


def run(capsys, *argv) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def edit_key(root: Path, **changes: dict[str, str]) -> None:
    """Change key.csv rows: unit_id=dict(column=value)."""
    table = read_table(folder(root) / "key.csv")
    rows = [dict(row, **changes.get(row["unit_id"], {})) for row in table.rows]
    write_table(folder(root) / "key.csv", table.header, rows)


def code_cells(path: Path) -> list[str]:
    return [c.source for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code"]


# -- the lesson -------------------------------------------------------------------------------

def test_the_lesson_practises_every_label_and_asks_about_no_furniture(course, capsys):
    code, out, err = run(capsys, "new-lesson", SLUG, "--course", str(course))
    assert code == 0, err
    path = course / "lessons" / f"{LESSON}.ipynb"
    cells = code_cells(path)
    # a worked example of each label, in reading order: the first that is not a hard case
    assert f"show_units(['p01s1', 'p04s1', 'p05s1', 'p09s2'], article={SLUG!r})" in cells
    # self-checks on three labels (the accepted alternative, the close call, then commentary):
    # never the headline or another piece of furniture
    assert [c for c in cells if c.startswith("SelfCheck")] == [
        f"SelfCheck.on_unit({unit!r}, article={SLUG!r})" for unit in ("p06s2", "p07s1", "p09s1")]
    assert "Note:" not in out
    notebook = nbformat.read(path, as_version=4)
    assert notebook.metadata[GENERATED] == {"article": SLUG}
    markdown = " ".join(c.source for c in notebook.cells if c.cell_type == "markdown")
    assert "has no `" not in markdown
    # the article's text is loaded, never typed in: not even its headline in the title
    assert "Allotment waiting list" not in markdown and f"`{SLUG}`" in markdown


def test_a_practice_half_without_a_label_gets_a_note_and_the_split_that_fixes_it(course,
                                                                                   capsys):
    # the teacher's split leaves both commentary units of paragraph 9 in the assessment half
    edit_key(course, p09s1={"split": "assessment"}, p09s2={"split": "assessment"})
    code, out, err = run(capsys, "new-lesson", SLUG, "--course", str(course))
    assert code == 0, err
    assert out.splitlines()[1] == (
        "Note: The practice half has 0 commentary unit(s) (fewer than 2), so the lesson gives "
        "little practice of commentary before the assessment. Start the assessment at p10s1 "
        "(paragraph 10) instead, which gives practice 3 sourced, 4 claim, 2 commentary, 5 meta; "
        "assessment 4 sourced, 2 claim, 4 commentary, 2 meta: in author mode, or "
        f'KeyEditor.start_assessment_at("p10s1"); then run readkit validate {SLUG} and readkit '
        f"new-lesson {SLUG} --force.")
    path = course / "lessons" / f"{LESSON}.ipynb"
    markdown = " ".join(c.source for c in nbformat.read(path, as_version=4).cells
                        if c.cell_type == "markdown")
    assert "This part of the article has no `commentary` sentence" in markdown
    # still no furniture among the self-checks: two on the labels there are
    assert [c for c in code_cells(path) if c.startswith("SelfCheck")] == [
        f"SelfCheck.on_unit({unit!r}, article={SLUG!r})" for unit in ("p06s2", "p07s1")]


def test_the_lesson_is_listed_in_the_lessons_readme_once(course, capsys):
    readme = course / "lessons" / "README.md"
    before = readme.read_text(encoding="utf-8")
    assert run(capsys, "new-lesson", SLUG, "--course", str(course))[0] == 0
    assert run(capsys, "new-lesson", SLUG, "--force", "--course", str(course))[0] == 0
    after = readme.read_text(encoding="utf-8")
    row = (f"| [{LESSON}]({LESSON}.ipynb) | 25 min | Practice on \"Allotment waiting list passes "
           "300 as council weighs new site\" (made with `readkit new-lesson`): the decision "
           "procedure, worked examples, the Sorter on the article's practice half, self-checks "
           "on its hard cases. |")
    assert after.count(row) == 1 and after.replace(row + "\n", "") == before


# -- the assignment ---------------------------------------------------------------------------

def part_labels(course: Path) -> dict[str, Counter]:
    key = {row["unit_id"]: row["label"] for row in read_table(folder(course) / "key.csv").rows}
    units = read_table(folder(course) / "units.csv").rows
    parts = {}
    for row in read_table(folder(course) / "sections.csv").rows:
        first, last = int(row["first_paragraph"]), int(row["last_paragraph"])
        parts[row["section"]] = Counter(key[u["unit_id"]] for u in units
                                        if first <= int(u["paragraph"]) <= last)
    return parts


def test_every_label_of_a_part_has_two_sentences_there(course, capsys):
    code, out, err = run(capsys, "new-assignment", SLUG, "--course", str(course))
    assert code == 0, err
    assert "part-1: paragraphs 10-12, 6 units, 5 points" in out
    assert "part-2: paragraphs 13-16, 6 units, 5 points" in out
    assert part_labels(course) == {
        "part-1": Counter(sourced=2, claim=2, commentary=2),
        "part-2": Counter(sourced=2, commentary=2, meta=2)}


def test_with_no_cut_into_two_parts_the_default_is_one(course, capsys):
    """Relabelled so that every cut into two parts leaves one part a single sentence of some
    label: by default new-assignment makes one part and says why; --parts 2 is refused."""
    edit_key(course, p13s2={"label": "claim", "source": ""},
             p14s2={"label": "claim"})
    code, _, err = run(capsys, "new-assignment", SLUG, "--parts", "2", "--course", str(course))
    assert code == 2
    assert err == (
        "readkit new-assignment: No cut into 2 part(s) gives each part at least 2 sentences of "
        "every label it has (with one sentence of a label in a part, that one sentence decides "
        "how the label is scored there): ask for fewer parts (--parts 1).\n")
    code, out, err = run(capsys, "new-assignment", SLUG, "--course", str(course))
    assert code == 0, err
    assert "part-1: paragraphs 10-16, 12 units, 10 points" in out
    assert ("Cut into 1 part(s) instead of 2: No cut into 2 part(s) gives each part at least 2 "
            "sentences of every label it has (with one sentence of a label in a part, that one "
            "sentence decides how the label is scored there).") in out


# -- the cut rule, on keys made for it ---------------------------------------------------------

LABEL = {"s": "sourced", "c": "claim", "o": "commentary", "m": "meta"}


def plan(paragraphs: str):
    """unit_paragraphs, unit_text, key from 'sscc/os/...': one paragraph per group, one
    letter per unit."""
    unit_paragraphs, unit_text, key = {}, {}, {}
    for number, letters in enumerate(paragraphs.split("/"), start=1):
        for sentence, letter in enumerate(letters, start=1):
            unit = f"p{number:02d}s{sentence}"
            unit_paragraphs[unit], unit_text[unit] = number, f"Sentence {unit}."
            key[unit] = KeyEntry(unit, LABEL[letter], (), "src" if letter == "s" else "",
                                 "assessment", "why")
    return unit_paragraphs, unit_text, key


def cut(paragraphs: str, parts: int = 2):
    return cut_assessment("x", *plan(paragraphs), parts, 10)


def test_the_most_even_cut_is_moved_off_a_single_sentence_label():
    # paragraphs 1-2 | 3-4 is the most even (6 | 6) but has one commentary sentence in part 1
    found = cut("sscc/os/occs/oo")
    assert [(s.first_paragraph, s.last_paragraph) for s in found.sections] == [(1, 1), (2, 4)]
    key = plan("sscc/os/occs/oo")[2]
    for units in found.section_units.values():
        assert min(Counter(key[u].label for u in units).values()) >= 2


def test_furniture_alone_at_an_edge_is_left_ungraded():
    found = cut("m/sscc/os/occs/oo/m")
    assert [(s.first_paragraph, s.last_paragraph) for s in found.sections] == [(2, 2), (3, 5)]
    assert found.note == ("Not graded: paragraph(s) 1, 6 (p01s1, p06s1), furniture alone at the "
                          "edge of the assessment half: too little meta to grade (a label needs "
                          "2 sentences in a part).")
    assert cut("sscc/os/occs/mo/m").note == ""  # two meta sentences together: graded


def test_a_single_sentence_of_a_label_in_the_middle_cannot_be_cut_around():
    with pytest.raises(CutError) as raised:
        cut("ssoo/m/scco", parts=1)
    assert str(raised.value).endswith(
        "the assessment half has a single sentence of a label (meta: p02s1). Check its label, "
        "or move the start of the assessment half so that it has 2 or more of it (readkit "
        "validate suggests a split), then run new-assignment again.")
