"""Bring your own article, end to end, in a temporary course folder whose only article is the
teacher's own (no Raqqa article, no assignment written for the kit's articles), as a teacher who
copies the kit for another article starts: the chain a teacher runs (README, "Use your own
article") on the test article tests/fixtures/articles/harbour-bridge.txt.

    readkit new-article harbour-bridge FILE    -> data/articles/harbour-bridge/ (draft key)
    readkit.AuthorSorter(article=...)          -> key.csv and sources.csv (its Python API)
    readkit validate harbour-bridge            -> the note of a short article's practice half
    readkit new-lesson harbour-bridge          -> lessons/01-harbour-bridge.ipynb, run headless
    readkit new-assignment harbour-bridge      -> sections.csv rows + solutions/01-sort-harbour-bridge/
    readkit release                            -> exercises/ (real nbgrader generate_assignment)
    readkit autograde 01-sort-harbour-bridge   -> a perfect and an all-wrong submission, sandboxed
    readkit grade / readkit report             -> every learner with their exact scores

and the gradebook check that flags a manual score or extra credit set on autograded cells after
autograde. The same chain in a whole copy of the course (the kit's articles and assignments
beside the teacher's, the seed assignments released byte for byte as committed), from the lab's
environment alone, is tests/test_lab_environment.py.

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
from readkit.widgets.author import AuthorSorter
from tests.support.author_key import label_the_test_article

pytestmark = [pytest.mark.nbgrader, pytest.mark.sandbox]

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures" / "articles"
BIN = Path(sys.executable).parent
SLUG = "harbour-bridge"

OWN = "01-sort-harbour-bridge"  # new-assignment's name when solutions/ has no assignment
LESSON = "01-harbour-bridge"  # new-lesson's name when lessons/ has no lesson
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


def only_the_teachers_article(root: Path) -> None:
    """A copy of this course without any of its articles (the Raqqa article and those written
    for the kit: data/articles/ empty, data/articles.csv a header, no forms) and without the
    assignments written for them (solutions/ and exercises/ empty): what a teacher who copies
    the kit for another article starts from, whatever articles the kit ships."""
    root.mkdir()
    for name in ("nbgrader_config.py", "readkit.toml"):
        shutil.copy(ROOT / name, root / name)
    (root / "data" / "articles").mkdir(parents=True)
    (root / "data" / "articles.csv").write_text("slug,title\n", encoding="utf-8")
    for name in ("solutions", "exercises"):
        (root / name).mkdir()


def test_a_course_with_only_the_teachers_article(tmp_path, capsys, monkeypatch):
    """new-article alone (no Raqqa article anywhere), labelled in the Sorter's author mode, then
    the whole chain: validate, new-lesson run headless, new-assignment, release, sandboxed
    autograde, grade and report, with exact scores in the gradebook and the reports; then a
    manual score and extra credit set on autograded cells after autograde, through nbgrader.api
    as the formgrader's API sets them: readkit grade flags both learners with what changed."""
    monkeypatch.delenv("READKIT_COURSE", raising=False)
    root = tmp_path / "course"
    only_the_teachers_article(root)
    (tmp_path / "home").mkdir()
    course = ["--course", str(root)]
    assert not (root / "data" / "articles" / "raqqa-2021").exists()
    assert (root / "data" / "articles.csv").read_text(encoding="utf-8") == "slug,title\n"

    # new-article: the text, its units, a draft key (every row marked draft)
    assert main(["new-article", SLUG, str(FIXTURES / "harbour-bridge.txt"), *course]) == 0
    folder = root / "data" / "articles" / SLUG
    assert {row["status"] for row in read_csv(folder / "key.csv")} == {"draft"}

    # the teacher labels the article in the Sorter's author mode (driven from Python here;
    # tests/browser/test_author_browser.py labels it by keyboard)
    label_the_test_article(AuthorSorter(article=SLUG, course=Course.open(root)))
    for name in ("key.csv", "sources.csv"):
        assert (folder / name).read_bytes() == (FIXTURES / f"harbour-bridge-{name}").read_bytes()
    capsys.readouterr()

    assert main(["validate", SLUG, *course]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith(f"valid: {SLUG}: 36 units (practice: ")
    # A short article: the practice half has no commentary (both are in the assessment half).
    assert out[1:] == [f"note: data/articles/{SLUG}/key.csv: the practice split has 0 "
                       "commentary unit(s), so learners meet commentary in the assessment with "
                       "little practice on this article; move the split, or teach it with "
                       "another article first"]

    # new-lesson, run headless from a clean kernel without an error
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

    # new-assignment: the sections and the nbgrader source notebook
    assert main(["new-assignment", SLUG, *course]) == 0
    capsys.readouterr()
    assert {r["section"]: float(r["points"]) for r in read_csv(folder / "sections.csv")
            if r["assignment"] == OWN} == PARTS
    assert sorted(p.name for p in (root / "solutions").iterdir()) == [OWN]
    assert Course.open(root).article_slugs == (SLUG,)

    out = readkit(root, "release").stdout
    assert f"Released {OWN} into exercises/" in out
    released = nbformat.read(root / "exercises" / OWN / f"{OWN}.ipynb", as_version=4)
    released_text = (root / "exercises" / OWN / f"{OWN}.ipynb").read_text(encoding="utf-8")
    assert [r["unit_id"] for r in ASSESSMENT.values() if r["rationale"] in released_text] == []
    assert sorted(p.name for p in (root / "exercises" / OWN).iterdir()) == [f"{OWN}.ipynb"]

    # two learners hand in through the exchange's layout; a third hands in answers.json alone
    # (an LMS upload or the static site's download), never autograded
    chosen = {"learner-perfect": {u: row["label"] for u, row in ASSESSMENT.items()},
              "learner-all-wrong": {u: wrong_label(row) for u, row in ASSESSMENT.items()},
              "learner-lms-upload": {u: row["label"] for u, row in ASSESSMENT.items()}}
    for student, labels in chosen.items():
        hand_in = root / "grading" / "submitted" / student / OWN
        hand_in.mkdir(parents=True)
        if student != "learner-lms-upload":
            nbformat.write(released, hand_in / f"{OWN}.ipynb")
        (hand_in / "answers.json").write_text(answers(OWN, labels), encoding="utf-8")

    out = readkit(root, "autograde", OWN, "--jobs", "2", "--student", "learner-perfect",
                  "--student", "learner-all-wrong").stdout
    assert "WITHOUT a sandbox" not in out and "Autograded 2 of 2 submission(s)" in out
    # the Sorter points from the files as submitted, as nbgrader recorded them
    from nbgrader.api import Gradebook

    with Gradebook("sqlite:///" + str(root / "grading" / "gradebook.db")) as gradebook:
        recorded = {student: {part: gradebook.find_grade(f"{part}-grade", OWN, OWN,
                                                         student).score for part in PARTS}
                    for student in EXPECTED}
        totals = {student: gradebook.find_submission(OWN, student).score
                  for student in EXPECTED}
    assert recorded == EXPECTED
    assert totals == {"learner-perfect": 10.0, "learner-all-wrong": 0.0}

    readkit(root, "grade", OWN)
    reports = root / "grading" / "reports" / OWN
    rows = {row["student"]: row for row in read_csv(reports / "grades.csv")}
    expected = {"learner-perfect": ("10", "4.5", "5.5", "ok", "10", ""),
                "learner-all-wrong": ("0", "0", "0", "ok", "0", ""),
                "learner-lms-upload": ("10", "4.5", "5.5", "ok; not-autograded", "", "")}
    assert {s: (r["points"], r["part-1"], r["part-2"], r["status"], r["gradebook_points"],
                r["flag"]) for s, r in rows.items()} == expected
    assert {r["max"] for r in rows.values()} == {"10"}

    # after autograde, through nbgrader.api as the formgrader's API does it
    with Gradebook("sqlite:///" + str(root / "grading" / "gradebook.db")) as gradebook:
        gradebook.find_grade("part-1-grade", OWN, OWN, "learner-all-wrong").manual_score = 2.0
        gradebook.find_grade("part-2-grade", OWN, OWN, "learner-perfect").extra_credit = 0.5
        gradebook.db.commit()
    out = readkit(root, "grade", OWN).stdout
    assert "Gradebook check: 0 of 2 autograded hold these points; not autograded (1): " \
           "learner-lms-upload." in out
    assert "FLAGGED learner-all-wrong: part-1 overridden from 0 (readkit) to 2 (manual " \
           "score)\n" in out
    assert "FLAGGED learner-perfect: part-2 given 0.5 extra credit\n" in out
    rows = {row["student"]: row for row in read_csv(reports / "grades.csv")}
    assert {s: (r["points"], r["flag"]) for s, r in rows.items()} == {
        "learner-perfect": ("10.5", "EXTRA-CREDIT"), "learner-all-wrong": ("2", "OVERRIDDEN"),
        "learner-lms-upload": ("10", "")}

    out = readkit(root, "report", OWN).stdout
    assert "FLAGGED learner-all-wrong" in out
    page = (reports / "report" / "index.html").read_text(encoding="utf-8")
    assert all(student in page for student in chosen)
    lms = list(csv.reader((reports / "lms.csv").read_text(encoding="utf-8").splitlines()))
    assert lms[1] == ["Points Possible", "", "", "", "", "10"]
    assert sorted((row[3], row[5]) for row in lms[2:]) == [
        ("learner-all-wrong", "2"), ("learner-lms-upload", "10"), ("learner-perfect", "10.5")]
    # nothing of the Raqqa article was needed, or made
    assert Course.open(root).article_slugs == (SLUG,)
    assert not (root / "data" / "articles" / "raqqa-2021").exists()
