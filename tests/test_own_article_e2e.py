"""Bring your own article, end to end, in a temporary course folder: the chain a teacher runs
(README, "Use your own article") on the test article tests/fixtures/articles/harbour-bridge.txt.

    readkit new-article harbour-bridge FILE    -> data/articles/harbour-bridge/ (blank key)
    Sorter(article=..., mode="author")         -> key.csv and sources.csv (its Python API)
    readkit validate harbour-bridge
    readkit new-lesson harbour-bridge          -> lessons/09-harbour-bridge.ipynb, run headless
    readkit new-assignment harbour-bridge      -> sections.csv rows + solutions/04-sort-harbour-bridge/
    readkit release                            -> exercises/ (real nbgrader generate_assignment)
    readkit autograde 03-sort-harbour-bridge   -> a perfect and an all-wrong submission, sandboxed
    readkit grade / readkit report             -> both learners with their exact scores

Real nbgrader, marked `nbgrader` like the other end-to-end tests (about a minute on 2 cores).
"""

import csv
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from readkit.cli import main
from readkit.course.course import Course
from readkit.course.labels import LABELS
from readkit.widgets.sorter import Sorter
from tests.support.author_key import label_the_test_article

pytestmark = pytest.mark.nbgrader

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures" / "articles"
BIN = Path(sys.executable).parent
SLUG = "harbour-bridge"
NAME = "04-sort-harbour-bridge"  # after the pre-test, 01, 02 and the post-test
LESSON = "09-harbour-bridge"
# The cut new-assignment makes of the assessment half (paragraphs 11-17), and its points.
PARTS = {"part-1": 4.5, "part-2": 5.5}
# part -> points as nbgrader must record them: the key's own labels earn every point; a label
# the key does not accept for any unit earns 0 (no unit right: kappa <= 0, clamped to 0).
EXPECTED = {"learner-perfect": {"part-1": 4.5, "part-2": 5.5},
            "learner-all-wrong": {"part-1": 0.0, "part-2": 0.0}}


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


KEY = read_csv(FIXTURES / "harbour-bridge-key.csv")
ASSESSMENT = {row["unit_id"]: row for row in KEY if row["split"] == "assessment"}


def env(root: Path) -> dict[str, str]:
    variables = dict(os.environ)
    variables.pop("READKIT_COURSE", None)
    variables.update(PATH=os.pathsep.join([str(BIN), variables.get("PATH", "")]),
                     HOME=str(root.parent / "home"))
    return variables


def readkit(root: Path, *args: str) -> subprocess.CompletedProcess:
    """`readkit ARGS` in its own process at the course root, as an instructor runs it."""
    done = subprocess.run([sys.executable, "-m", "readkit.cli", *args], cwd=root, env=env(root),
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, f"readkit {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}"
    return done


def answers(assignment: str, chosen: dict[str, str]) -> str:
    """An answers file as the Sorter writes it for this article."""
    return json.dumps({"version": 1, "article": SLUG, "assignment": assignment,
                       "answers": chosen}, indent=1)


def wrong_label(row: dict[str, str]) -> str:
    accepted = {row["label"], *filter(None, row["accept"].split("|"))}
    return next(label for label in LABELS if label not in accepted)


def test_a_teachers_own_article_from_text_to_grades(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("READKIT_COURSE", raising=False)
    root = tmp_path / "course"
    root.mkdir()
    (tmp_path / "home").mkdir()
    for name in ("nbgrader_config.py", "readkit.toml"):
        shutil.copy(ROOT / name, root / name)
    for name in ("data", "solutions", "lessons"):
        shutil.copytree(ROOT / name, root / name,
                        ignore=shutil.ignore_patterns("answers.json", ".ipynb_checkpoints"))
    course = ["--course", str(root)]

    # 1. new-article: the text, its units, a blank key
    assert main(["new-article", SLUG, str(FIXTURES / "harbour-bridge.txt"), *course]) == 0
    folder = root / "data" / "articles" / SLUG
    assert {row["label"] for row in read_csv(folder / "key.csv")} == {""}

    # 2. the teacher labels the article in the Sorter's author mode (driven from Python here;
    # tests/browser/test_author_browser.py labels it by keyboard)
    label_the_test_article(Sorter(article=SLUG, mode="author", course=Course.open(root)))
    for name in ("key.csv", "sources.csv"):
        assert (folder / name).read_bytes() == (FIXTURES / f"harbour-bridge-{name}").read_bytes()
    capsys.readouterr()

    # 3. validate.
    assert main(["validate", SLUG, *course]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith(f"valid: {SLUG}: 36 units (practice: ")
    # A short article: the practice half has no commentary (both are in the assessment half).
    assert out[1:] == [f"note: data/articles/{SLUG}/key.csv: the practice split has 0 "
                       "commentary unit(s), so learners meet commentary in the assessment with "
                       "little practice on this article; move the split, or teach it with "
                       "another article first"]

    # 4. new-lesson, run headless from a clean kernel without an error
    assert main(["new-lesson", SLUG, *course]) == 0
    lesson = nbformat.read(root / "lessons" / f"{LESSON}.ipynb", as_version=4)
    monkeypatch.setenv("READKIT_COURSE", str(root))
    NotebookClient(lesson, timeout=60, kernel_name="python3",
                   resources={"metadata": {"path": str(root / "lessons")}}).execute()
    monkeypatch.delenv("READKIT_COURSE")
    errors = [output for cell in lesson.cells if cell.cell_type == "code"
              for output in cell.outputs if output.output_type == "error"
              or (output.output_type == "stream" and output.name == "stderr")]
    assert errors == []
    (root / "lessons" / "answers.json").unlink(missing_ok=True)

    # 5. new-assignment: the sections and the nbgrader source notebook
    capsys.readouterr()
    assert main(["new-assignment", SLUG, *course]) == 0
    assert {r["section"]: float(r["points"]) for r in read_csv(folder / "sections.csv")
            if r["assignment"] == NAME} == PARTS

    # 6. release with real nbgrader, every assignment as `make release` does: the seed
    # assignments' release stays byte for byte the committed one
    out = readkit(root, "release").stdout
    assert (f"Released 00-pre-test, 01-sort-the-sources, 02-trace-the-numbers, 03-post-test, "
            f"{NAME} into exercises/") in out
    for seed in ("01-sort-the-sources", "02-trace-the-numbers"):
        for committed in (ROOT / "exercises" / seed).rglob("*"):
            if committed.is_file():
                made = root / "exercises" / seed / committed.relative_to(ROOT / "exercises" / seed)
                assert made.read_bytes() == committed.read_bytes(), made
    released = nbformat.read(root / "exercises" / NAME / f"{NAME}.ipynb", as_version=4)
    released_text = (root / "exercises" / NAME / f"{NAME}.ipynb").read_text(encoding="utf-8")
    assert [r["unit_id"] for r in ASSESSMENT.values() if r["rationale"] in released_text] == []
    assert sorted(p.name for p in (root / "exercises" / NAME).iterdir()) == [f"{NAME}.ipynb"]

    # 7. two learners hand in the released notebook with their answers.json
    chosen = {"learner-perfect": {u: row["label"] for u, row in ASSESSMENT.items()},
              "learner-all-wrong": {u: wrong_label(row) for u, row in ASSESSMENT.items()}}
    for student, labels in chosen.items():
        hand_in = root / "grading" / "submitted" / student / NAME
        hand_in.mkdir(parents=True)
        nbformat.write(released, hand_in / f"{NAME}.ipynb")
        (hand_in / "answers.json").write_text(answers(NAME, labels), encoding="utf-8")

    # 8. autograde: learner kernels sandboxed, the Sorter points from the files as submitted
    out = readkit(root, "autograde", NAME, "--jobs", "2").stdout
    assert "WITHOUT a sandbox" not in out
    from nbgrader.api import Gradebook

    with Gradebook("sqlite:///" + str(root / "grading" / "gradebook.db")) as gradebook:
        recorded = {student: {part: gradebook.find_grade(f"{part}-grade", NAME, NAME,
                                                         student).score for part in PARTS}
                    for student in EXPECTED}
        totals = {student: gradebook.find_submission(NAME, student).score
                  for student in EXPECTED}
    assert recorded == EXPECTED
    assert totals == {"learner-perfect": 10.0, "learner-all-wrong": 0.0}

    # 9. grade and report list both learners with exactly those scores
    readkit(root, "grade", NAME)
    grades = {row["student"]: row for row in
              read_csv(root / "grading" / "reports" / NAME / "grades.csv")}
    assert sorted(grades) == sorted(EXPECTED)
    for student, parts in EXPECTED.items():
        row = grades[student]
        assert {part: float(row[part]) for part in PARTS} == parts
        assert float(row["points"]) == sum(parts.values()) == float(row["gradebook_points"])
        assert float(row["max"]) == 10.0 and row["status"] == "ok" and row["flag"] == ""
    report = readkit(root, "report", NAME).stdout
    page = next((root / "grading" / "reports" / NAME).rglob("index.html")).read_text(
        encoding="utf-8")
    assert "learner-perfect" in page and "learner-all-wrong" in page, report
