"""The graded assignments through real nbgrader, in a temporary copy of the course.

One module-wide course: release (readkit.nbgrader.release -> nbgrader generate_assignment), then one
`nbgrader autograde 01-sort-the-sources` run for every kind of submission, feedback, and the
show_key setting last. Scores are read from nbgrader's gradebook and compared with numbers
worked out by hand (see EXPECTED_01).

Time (2 cores): nbgrader needs about 3-4 s to start, each command, and the looping submission
waits out Execute.timeout (20 s). While that autograde runs, 02-trace-the-numbers is graded in
a second process and the exchange round trip runs in a copy of the course, in a thread.
"""

import csv
import html
import json
import os
import re
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell
from nbgrader.utils import get_username

from readkit.course.course import Course as ReadkitCourse
from readkit.course.labels import LABELS
from readkit.nbgrader.release import release
from tests.support.course_copy import committed, tracked_files

pytestmark = pytest.mark.nbgrader

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures" / "submissions"
BIN = Path(sys.executable).parent
A1, A2 = "01-sort-the-sources", "02-trace-the-numbers"
# Every assignment of the course (solutions/), as `make release` releases them: a teacher's own
# (new-assignment) among them
ASSIGNMENTS = sorted(p.name for p in (ROOT / "solutions").iterdir() if p.is_dir())
NB1, NB2 = "sort-the-sources", "trace-the-numbers"
COURSE_FILES = ("nbgrader_config.py", "readkit.toml", "data", "solutions")
SECTIONS = ("part-1", "part-2", "part-3")
PRE, POST = "00-pre-test", "03-post-test"
CHOICE = "rewrite-choice-grade"

# Per student: points of part-1..part-3 (8, 9, 13) and of the rewrite choice (1), as nbgrader
# must record them. Worked out by hand from how each submission is built below, with the
# section sizes of SECTION_SIZES (9, 10 and 15 assessment units) and the scoring rule of
# docs/grading.md: points x kappa, kappa = (p_o - p_e) / (1 - p_e), p_o the share right, p_e
# the sum over the labels the learner gave of (units given it / n) x (units accepting it / n).
EXPECTED_01 = {
    "submitted-perfect": (8.0, 9.0, 13.0, 1.0),
    # part-1: p51s1, p51s2, p52s1 wrong (sourced): 6 of 9 right; sourced 6 x 4 units accepting
    # it, claim 2 x 5, commentary 1 x 5: p_e = 39/81; kappa = (54 - 39) / 42 = 0.357: 2.86.
    # part-2: the last 5 unlabelled, accepted alternatives used elsewhere: 5 of 10 right;
    # commentary 2 x 5, sourced 2 x 8, claim 1 x 4, unlabelled 5 x 0: p_e = 30/100; kappa 0.2/0.7
    # = 0.286: 2.57. part-3: the first 6 right, the rest wrong: 6 of 15; sourced 11 x 4,
    # commentary 3 x 6, meta 1 x 6: p_e = 68/225; kappa = (90 - 68) / 157 = 0.140: 1.82.
    # chosen unit labelled claim, not commentary -> 0.
    "submitted-partial": (2.86, 2.57, 1.82, 0.0),
    "submitted-all-wrong": (0.0, 0.0, 0.0, 0.0),
    "submitted-no-answers-file": (0.0, 0.0, 0.0, 0.0),
    "submitted-malformed-json": (0.0, 0.0, 0.0, 0.0),
    # part-1 and part-3 right; part-2 only unknown labels; unknown ids ignored.
    "submitted-unknown-ids-and-labels": (8.0, 0.0, 13.0, 1.0),
    # the part-2 grade cell was deleted: nbgrader restores it (add_missing_cells) and grades it.
    "submitted-deleted-grade-cell": (8.0, 9.0, 13.0, 1.0),
    # the answer cell loops: interrupted after 20 s, the rest is graded; the choice is read from
    # the cell's source as written (never from the kernel), so its point counts.
    "submitted-infinite-loop": (8.0, 9.0, 13.0, 1.0),
    # all answers wrong, and a learner cell monkeypatches readkit, looks for the key and rewrites
    # its answers.json: the sandbox has no key, the points come from the file as submitted.
    "submitted-cheat-attempt": (0.0, 0.0, 0.0, 0.0),
}
SECTION_SIZES = {"part-1": 9, "part-2": 10, "part-3": 15}
# 02-trace-the-numbers: filter, group, compare, add-up, reporters (2, 2, 2, 3, 2 points).
EXPECTED_02 = {
    "submitted-perfect": (2.0, 2.0, 2.0, 3.0, 2.0),
    # raqqa right, kunduz wrong; group right; raqqa_fighters right, kunduz_evacuated wrong;
    # kunduz_total right, not_surrendered wrong, adds_up a string; reporters never set.
    "submitted-partial": (1.0, 2.0, 1.0, 1.0, 0.0),
}
TASKS_02 = ("filter", "group", "compare", "add-up", "reporters")


# --- course data, read here with csv (independent of readkit's loaders) --------------------


def _rows(name):
    with (ROOT / "data" / "articles" / "raqqa-2021" / name).open(encoding="utf-8",
                                                            newline="") as handle:
        return list(csv.DictReader(handle))


KEY = {row["unit_id"]: row for row in _rows("key.csv") if row["split"] == "assessment"}
PARAGRAPH = {row["unit_id"]: int(row["paragraph"]) for row in _rows("units.csv")}
SECTION_UNITS = {
    row["section"]: [u for u in KEY
                     if int(row["first_paragraph"]) <= PARAGRAPH[u] <= int(row["last_paragraph"])]
    for row in _rows("sections.csv") if row["assignment"] == A1
}


def accepted(unit_id):
    row = KEY[unit_id]
    return [row["label"], *[a for a in row["accept"].split("|") if a]]


def wrong(unit_id):
    return next(label for label in LABELS if label not in accepted(unit_id))


def all_right():
    return {unit_id: row["label"] for unit_id, row in KEY.items()}


def partial_answers():
    answers = {}
    part1, part2, part3 = (SECTION_UNITS[s] for s in SECTIONS)
    for index, unit_id in enumerate(part1):
        answers[unit_id] = wrong(unit_id) if index < 3 else KEY[unit_id]["label"]
    for unit_id in part2[:-5]:
        answers[unit_id] = accepted(unit_id)[-1]  # the alternative where the key has one
    for index, unit_id in enumerate(part3):
        answers[unit_id] = KEY[unit_id]["label"] if index < 6 else wrong(unit_id)
    answers["p55s2"] = "claim"  # the unit chosen for the rewrite: not labelled commentary
    return answers


def unknown_ids_and_labels():
    answers = {u: KEY[u]["label"] for s in ("part-1", "part-3") for u in SECTION_UNITS[s]}
    answers.update({u: "opinion" for u in SECTION_UNITS["part-2"]})
    answers.update({"p99s1": "claim", "not-a-unit": "meta", "": "sourced"})
    return answers


def answers_file(answers):
    return json.dumps({"version": 1, "assignment": A1, "answers": answers}, indent=1)


# --- running nbgrader ----------------------------------------------------------------------


class Course:
    def __init__(self, root: Path):
        self.root = root
        self.home = root.parent / "home"
        self.exchange = root.parent / "exchange"

    def env(self, home=None):
        env = dict(os.environ)
        env.pop("READKIT_COURSE", None)
        env.update(PATH=os.pathsep.join([str(BIN), env.get("PATH", "")]),
                   HOME=str(home or self.home), READKIT_EXCHANGE=str(self.exchange))
        return env

    def nbgrader(self, *args, cwd=None, home=None, timeout=300):
        done = subprocess.run([str(BIN / "nbgrader"), *args], cwd=cwd or self.root,
                              env=self.env(home), capture_output=True, text=True, timeout=timeout)
        assert done.returncode == 0, f"nbgrader {' '.join(args)} failed:\n{done.stderr[-3000:]}"
        return done.stdout + done.stderr

    def start(self, *args):
        """A command in the background; finish() waits for it and checks it succeeded."""
        return subprocess.Popen([str(BIN / "nbgrader"), *args], cwd=self.root, env=self.env(),
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)

    @staticmethod
    def finish(process, timeout=300):
        output, _ = process.communicate(timeout=timeout)
        assert process.returncode == 0, f"{' '.join(process.args)} failed:\n{output[-3000:]}"
        return output

    def copy(self, name):
        """An independent copy (own gradebook, exchange and HOME) of this course."""
        root = self.root.parent.parent / name / "course"
        shutil.copytree(self.root, root)
        other = Course(root)
        other.home.mkdir()
        other.exchange.mkdir()
        other.exchange.chmod(0o777)
        return other

    def released(self, assignment, notebook):
        return nbformat.read(self.root / "exercises" / assignment / f"{notebook}.ipynb", 4)

    def solution(self, assignment, notebook):
        return nbformat.read(self.root / "solutions" / assignment / f"{notebook}.ipynb", 4)

    def submit(self, student, assignment, notebook_name, nb, answers=None):
        folder = self.root / "grading" / "submitted" / student / assignment
        folder.mkdir(parents=True)
        nbformat.write(nb, folder / f"{notebook_name}.ipynb")
        if answers is not None:
            (folder / "answers.json").write_text(answers, encoding="utf-8")

    def scores(self, assignment, notebook, student, grade_ids):
        from nbgrader.api import Gradebook

        url = "sqlite:///" + str(self.root / "grading" / "gradebook.db")
        with Gradebook(url) as gradebook:
            cells = tuple(gradebook.find_grade(g, notebook, assignment, student).score
                          for g in grade_ids)
            total = gradebook.find_submission(assignment, student).score
        return cells, total

    def feedback(self, student, assignment=A1, notebook=NB1):
        return self.root / "grading" / "feedback" / student / assignment / f"{notebook}.html"


def cell_index(nb, cell_id):
    return next(i for i, cell in enumerate(nb.cells) if cell.get("id") == cell_id)


def set_source(nb, cell_id, source):
    nb.cells[cell_index(nb, cell_id)].source = source


def fixture_text(student, name):
    return (FIXTURES / student / name).read_text(encoding="utf-8")


def visible_text(path: Path, content: bytes | None = None) -> str:
    """A file's text (or `content`, the file's as git holds it) as a reader sees it: HTML tags
    stripped and entities decoded."""
    text = (path.read_text(encoding="utf-8", errors="replace") if content is None
            else content.decode("utf-8", errors="replace"))
    if path.suffix == ".html":
        text = re.sub(r"<(script|style)\b.*?</\1>", " ", text, flags=re.S)
        text = html.unescape(re.sub(r"<[^>]+>", "", text))
    return text


def _assessment_rationales() -> dict[str, str]:
    """Every article's assessment rationales (the forms of the pre- and post-test too)."""
    found = {}
    for folder in sorted((ROOT / "data" / "articles").iterdir()):
        with (folder / "key.csv").open(encoding="utf-8", newline="") as handle:
            found |= {f"{folder.name} {row['unit_id']}": row["rationale"]
                      for row in csv.DictReader(handle) if row["split"] == "assessment"}
    return found


RATIONALES = _assessment_rationales()


def leaks(text: str) -> list[str]:
    """Assessment rationales (of any article), and 01's assessment unit ids followed closely by
    their own label."""
    found = [f"rationale of {u}" for u, rationale in RATIONALES.items() if rationale in text]
    for unit_id, row in KEY.items():
        pattern = rf"\b{re.escape(unit_id)}\b[^\n]{{0,40}}?\b{re.escape(row['label'])}\b"
        found += [f"{unit_id} ... {row['label']}: {m.group(0)!r}" for m in re.finditer(pattern, text)]
    return found


# --- the course, released and graded once for the module -----------------------------------


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    base = tmp_path_factory.mktemp("nbgrader-e2e")
    root = base / "course"
    root.mkdir()
    for name in COURSE_FILES:
        source = ROOT / name
        if source.is_dir():
            # nothing else is left out: a stray solutions/*/answers.json must fail the release
            shutil.copytree(source, root / name,
                            ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
        else:
            shutil.copy2(source, root / name)
    course = Course(root)
    course.home.mkdir()
    course.exchange.mkdir()
    course.exchange.chmod(0o777)
    with pytest.MonkeyPatch.context() as patch:
        for name, value in course.env().items():
            patch.setenv(name, value)
        patch.delenv("READKIT_COURSE", raising=False)
        result = release(ReadkitCourse.open(root))
    assert result.ok, result.error
    assert result.released == ASSIGNMENTS
    return course


@pytest.fixture(scope="module")
def graded(course):
    exchange_course = course.copy("exchange-course")  # copies made before any submission
    show_key_course = course.copy("show-key-course")
    released = course.released(A1, NB1)

    def with_choice(unit_id):
        nb = nbformat.from_dict(json.loads(json.dumps(released)))
        set_source(nb, "rewrite-choice", f'chosen_unit = "{unit_id}"')
        return nb

    perfect = answers_file(all_right())
    course.submit("submitted-perfect", A1, NB1, course.solution(A1, NB1), perfect)
    course.submit("submitted-partial", A1, NB1, with_choice("p55s2"),
                  answers_file(partial_answers()))
    course.submit("submitted-all-wrong", A1, NB1, released,
                  answers_file({u: wrong(u) for u in KEY}))
    course.submit("submitted-no-answers-file", A1, NB1, with_choice("p51s2"))
    course.submit("submitted-malformed-json", A1, NB1, with_choice("p51s2"),
                  fixture_text("submitted-malformed-json", "answers.json"))
    course.submit("submitted-unknown-ids-and-labels", A1, NB1, with_choice("p51s2"),
                  answers_file(unknown_ids_and_labels()))
    deleted = with_choice("p51s2")
    del deleted.cells[cell_index(deleted, "part-2-grade")]
    course.submit("submitted-deleted-grade-cell", A1, NB1, deleted, perfect)
    looping = with_choice("p51s2")
    set_source(looping, "rewrite-choice", fixture_text("submitted-infinite-loop",
                                                        "rewrite-choice.py"))
    course.submit("submitted-infinite-loop", A1, NB1, looping, perfect)
    cheat = with_choice("p51s2")
    cheat.cells.insert(cell_index(cheat, "intro") + 1, new_code_cell(
        fixture_text("submitted-cheat-attempt", "cheat-cell.py"), id="learner-cell"))
    course.submit("submitted-cheat-attempt", A1, NB1, cheat,
                  answers_file({u: wrong(u) for u in KEY}))
    submit_trace_the_numbers(course)

    exchange = Background(exchange_round_trip, exchange_course)
    show_key = Background(grade_with_show_key, show_key_course, with_choice("p55s2"))
    numbers = course.start("autograde", A2)
    log = course.nbgrader("autograde", A1)  # ONE run for every submission of 01
    course.finish(numbers)
    exchange.join()
    show_key.join()
    return {"log": log, "exchange": exchange.result, "show_key": show_key.result}


class Background(threading.Thread):
    """Run a function in a thread; join() re-raises what it raised, `result` holds its value."""

    def __init__(self, function, *args):
        super().__init__(daemon=True)
        self.function, self.args, self.result, self.error = function, args, None, None
        self.start()

    def run(self):
        try:
            self.result = self.function(*self.args)
        except BaseException as error:  # noqa: BLE001 (handed to the test that reads it)
            self.error = error

    def join(self, timeout=300):
        super().join(timeout)
        if self.error is not None:
            raise self.error


PARTIAL_02 = {
    "filter": 'raqqa = claims[claims["event"] == "raqqa-2017"]\nkunduz = claims',
    "group": 'figures_by_reporter = claims.groupby(["event", "reported_by"]).size()',
    "compare": "raqqa_fighters = 250\nkunduz_evacuated = 8000",
    "add-up": 'kunduz_total = 8000.0\nnot_surrendered = 3300\nadds_up = "yes"',
}


def submit_trace_the_numbers(course):
    partial = course.released(A2, NB2)
    for cell_id, source in PARTIAL_02.items():
        set_source(partial, cell_id, source)
    course.submit("submitted-perfect", A2, NB2, course.solution(A2, NB2))
    course.submit("submitted-partial", A2, NB2, partial)


def grade_with_show_key(course, notebook):
    """The partial submission again, graded and given feedback with show_key = true."""
    settings = course.root / "readkit.toml"
    settings.write_text(settings.read_text().replace("show_key = false", "show_key = true"))
    course.submit("submitted-partial", A1, NB1, notebook, answers_file(partial_answers()))
    course.nbgrader("autograde", A1)
    course.nbgrader("generate_feedback", A1)
    return course.feedback("submitted-partial")


def exchange_round_trip(course):
    """The learner's path at CLI level: the instructor releases to the exchange, a learner
    (own HOME, own folder) fetches, adds answers.json and submits, the instructor collects."""
    course.nbgrader("release_assignment", A1)
    learner_home = course.root.parent / "learner-home"
    work = learner_home / "work"
    work.mkdir(parents=True)
    exchange = f"--Exchange.root={course.exchange}"
    course.nbgrader("fetch_assignment", A1, "--course=readkit", exchange, cwd=work,
                    home=learner_home)
    fetched = work / A1
    (fetched / "answers.json").write_text(answers_file(all_right()), encoding="utf-8")
    course.nbgrader("submit", A1, "--course=readkit", exchange, cwd=work, home=learner_home)
    course.nbgrader("collect", A1)
    return {"fetched": fetched, "collected": course.root / "grading" / "submitted"
            / get_username() / A1, "released": course.root / "exercises" / A1}


def test_release_matches_committed_exercises(course):
    """CI's check that exercises/ is generated, never hand-edited: regenerate every assignment
    folder and compare it file by file, byte for byte, with the committed one (nothing is
    normalised: nbgrader's output is deterministic). Files directly in exercises/ (its README)
    are not generated and not compared."""
    fresh, held = course.root / "exercises", ROOT / "exercises"

    def generated(top, files):  # relative to exercises/, without the files directly in it
        return sorted(p.relative_to(top) for p in files if p.parent != top)

    made = generated(fresh, (p for p in fresh.rglob("*") if p.is_file()))
    kept = generated(held, tracked_files(held))  # as git holds them, not as a learner's run left them
    assert sorted({p.parts[0] for p in kept}) == ASSIGNMENTS, (
        "exercises/ has a folder for every assignment of solutions/ and nothing else")
    assert made == kept, "run `make release` and commit exercises/"
    for name in made:
        assert (fresh / name).read_bytes() == committed(held / name), (
            f"exercises/{name} differs from what `make release` generates: run it and commit")


def test_released_notebooks_have_no_answers_key_or_hidden_tests(course):
    for assignment in ASSIGNMENTS:
        assert not list((course.root / "exercises" / assignment).rglob("answers.json"))
    for path in tracked_files(ROOT / "exercises"):  # as committed, not as a learner's run left them
        text = visible_text(path, committed(path))
        assert leaks(text) == [], path
        for hidden in ("HIDDEN TESTS", "score_section(", "score_numbers(", "p51s2"):
            assert hidden not in text, (path, hidden)


def test_autograde_scores(course, graded):
    for student, expected in EXPECTED_01.items():
        cells, total = course.scores(A1, NB1, student, [f"{s}-grade" for s in SECTIONS] + [CHOICE])
        assert cells == expected, student
        assert total == pytest.approx(sum(expected)), student  # the written answer is ungraded


def test_expected_scores_rest_on_these_section_sizes():
    """EXPECTED_01 was computed by hand for these sizes: if the key or sections change, work
    the numbers out again."""
    assert {s: len(units) for s, units in SECTION_UNITS.items()} == SECTION_SIZES
    part2 = SECTION_UNITS["part-2"][:-5]
    assert sum(1 for u in part2 if len(accepted(u)) > 1) >= 4  # alternatives really are used


def test_loop_was_interrupted_and_others_graded(course, graded):
    autograded = course.root / "grading" / "autograded" / "submitted-infinite-loop" / A1
    nb = nbformat.read(autograded / f"{NB1}.ipynb", 4)
    errors = {o.ename for o in nb.cells[cell_index(nb, "rewrite-choice")].outputs
              if o.output_type == "error"}
    assert "KeyboardInterrupt" in errors  # interrupted at Execute.timeout
    assert "submitted-cheat-attempt" in graded["log"] and "submitted-perfect" in graded["log"]


def test_cheat_attempt_changes_nothing(course, graded):
    """A learner who monkeypatched readkit, looked for the key and rewrote answers.json gets
    the points of answers.json as submitted (0), and its notebook shows that nothing was found."""
    cells, _ = course.scores(A1, NB1, "submitted-cheat-attempt",
                             [f"{s}-grade" for s in SECTIONS] + [CHOICE])
    assert cells == (0.0, 0.0, 0.0, 0.0)
    autograded = course.root / "grading" / "autograded" / "submitted-cheat-attempt" / A1
    text = (autograded / f"{NB1}.ipynb").read_text()
    assert "key files found: 0 assessment labels through readkit: 0" in text
    assert leaks(text) == []
    submitted = course.root / "grading" / "submitted" / "submitted-cheat-attempt" / A1
    handed_in = json.loads((submitted / "answers.json").read_text())["answers"]
    assert handed_in and all(label not in accepted(u) for u, label in handed_in.items())


def test_answers_json_of_the_learner_is_graded_not_overwritten(course, graded):
    for student in EXPECTED_01:
        autograded = course.root / "grading" / "autograded" / student / A1 / "answers.json"
        if student == "submitted-no-answers-file":
            assert not autograded.exists()
        else:  # untouched, even the malformed one: no widget runs while nbgrader grades, and
            # the cheat's rewrite reached only its kernel's copy in the sandbox's RAM
            submitted = course.root / "grading" / "submitted" / student / A1 / "answers.json"
            assert autograded.read_bytes() == submitted.read_bytes(), student


def test_feedback_shows_points_and_wrong_units_but_no_key(course, graded):
    course.nbgrader("generate_feedback", A1)
    partial = visible_text(course.feedback("submitted-partial"))
    part1, part2 = SECTION_UNITS["part-1"], SECTION_UNITS["part-2"]
    assert "Kunduz 2001: the siege (paragraphs 51-55): 2.86 of 8 points." in partial
    assert "6 of 9 units right." in partial
    assert f"Look again at: {', '.join(part1[:3])}." in partial
    assert f"Not labelled: {', '.join(part2[-5:])}." in partial
    assert "2.57 of 9 points" in partial and "1.82 of 13 points" in partial
    missing = visible_text(course.feedback("submitted-no-answers-file"))
    assert "No answers.json was handed in with this notebook" in missing
    malformed = visible_text(course.feedback("submitted-malformed-json"))
    assert "answers.json is not valid JSON" in malformed
    for student in EXPECTED_01:
        text = visible_text(course.feedback(student))
        assert leaks(text) == [], student
        for hidden in ("HIDDEN TESTS", "score_section("):
            assert hidden not in text, (student, hidden)


def test_trace_the_numbers(course, graded):
    for student, expected in EXPECTED_02.items():
        cells, _ = course.scores(A2, NB2, student, [f"{t}-grade" for t in TASKS_02])
        assert cells == expected, student
    nb = nbformat.read(course.root / "grading" / "autograded" / "submitted-partial" / A2
                       / f"{NB2}.ipynb", 4)
    printed = "".join(output.get("text", "") for cell in nb.cells if cell.cell_type == "code"
                      for output in cell.outputs if output.output_type == "stream")
    assert "not right: kunduz holds exactly the rows of event kunduz-2001" in printed
    assert "not right: reporters is not defined (run the cell that sets it)" in printed
    assert "4700" not in printed  # expected values are never printed


def test_exchange_release_fetch_submit_collect(graded):
    paths = graded["exchange"]
    notebook = f"{NB1}.ipynb"
    assert (paths["fetched"] / notebook).read_bytes() == (paths["released"] / notebook).read_bytes()
    collected = json.loads((paths["collected"] / "answers.json").read_text())
    assert collected["answers"] == all_right()
    assert (paths["collected"] / notebook).is_file()


def test_show_key_true_puts_labels_and_rationales_in_feedback(course, graded):
    text = visible_text(graded["show_key"])
    first = SECTION_UNITS["part-1"][0]
    assert KEY[first]["rationale"] in text
    assert f"{first}: you chose {wrong(first)}; the key says {KEY[first]['label']}" in text
    assert leaks(text)  # the detector finds what show_key reveals
    assert "HIDDEN TESTS" not in text and "score_section(" not in text


def test_grades_and_lms_carry_every_point_of_both_assignments(course, graded):
    """After this real autograde: `readkit grade` and `readkit report` export every cell of 01
    (35 points: the Sorter parts and the chosen sentence as autograde recorded them, the rewrite
    by hand) and of 02 (14); a rewrite not graded yet is pending (no total, an empty LMS cell),
    one graded by hand (the rubric path) counts unflagged; an override is flagged."""
    from nbgrader.api import Gradebook

    export = course.copy("export-course")  # its own gradebook: the changes below stay there

    def readkit(*args):
        done = subprocess.run([str(BIN / "readkit"), *args], cwd=export.root, env=export.env(),
                              capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout

    def rows(assignment, name="grades.csv"):
        path = export.root / "grading" / "reports" / assignment / name
        with path.open(encoding="utf-8", newline="") as handle:
            return list(csv.reader(handle))

    out = readkit("grade", A1)
    assert f"Gradebook check: {len(EXPECTED_01)} of {len(EXPECTED_01)} autograded hold these " \
           "points." in out and "FLAGGED" not in out
    header, *body = rows(A1)
    assert header[:4 + len(SECTIONS) + 2] == ["student", "points", "max", "percent", *SECTIONS,
                                              "rewrite-choice", "rewrite-answer"]
    table = {row[0]: dict(zip(header, row, strict=True)) for row in body}
    assert set(table) == set(EXPECTED_01)
    for student, expected in EXPECTED_01.items():
        row = table[student]
        assert tuple(float(row[c]) for c in (*SECTIONS, "rewrite-choice")) == expected, student
        assert (row["max"], row["flag"]) == ("35", ""), student
        if student == "submitted-perfect":  # the solution's model rewrite: to be graded by hand
            assert (row["points"], row["rewrite-answer"], row["manual_grading"]) == (
                "", "", "pending")
        else:  # the rewrite left as released: nbgrader gives it 0
            assert float(row["points"]) == pytest.approx(sum(expected)), student
            assert (row["rewrite-answer"], row["manual_grading"]) == ("0", "done"), student

    url = "sqlite:///" + str(export.root / "grading" / "gradebook.db")
    with Gradebook(url) as gradebook:  # as the formgrader's API sets them
        gradebook.find_grade("rewrite-answer", NB1, A1, "submitted-perfect").manual_score = 4.0
        gradebook.find_grade("part-1-grade", NB1, A1, "submitted-partial").manual_score = 8.0
        gradebook.db.commit()
    out = readkit("grade", A1)
    assert "FLAGGED submitted-partial: part-1 overridden from 2.86 (readkit) to 8 (manual " \
           "score)\n" in out
    assert [line for line in out.splitlines() if line.startswith("FLAGGED")] == [
        "FLAGGED submitted-partial: part-1 overridden from 2.86 (readkit) to 8 (manual score)"]
    readkit("report", A1)
    lms = rows(A1, "lms.csv")
    assert lms[1] == ["Points Possible", "", "", "", "", "35"]
    points = {row[3]: row[5] for row in lms[2:]}
    assert points["submitted-perfect"] == "35"  # 30 + 1 + the rewrite graded by hand, 4
    assert points["submitted-partial"] == "12.39"  # 2.86 overridden to 8: + 2.57 + 1.82 + 0

    readkit("grade", A2)
    readkit("report", A2)
    header, *body = rows(A2)
    table = {row[0]: dict(zip(header, row, strict=True)) for row in body}
    for student, expected in EXPECTED_02.items():
        assert tuple(float(table[student][t]) for t in TASKS_02) == expected, student
        assert table[student]["max"] == "14"
    assert (table["submitted-perfect"]["points"], table["submitted-perfect"]["manual_grading"]) \
        == ("", "pending")  # the model written answer, to be graded by hand
    assert table["submitted-partial"]["points"] == "5"  # 1 + 2 + 1 + 1 + 0, the answer left: 0
    lms = rows(A2, "lms.csv")
    assert lms[1] == ["Points Possible", "", "", "", "", "14"]
    points = {row[3]: row[5] for row in lms[2:]}
    assert (points.pop("submitted-perfect"), points.pop("submitted-partial")) == ("", "5")
    assert set(points.values()) == {"0"}  # the gradebook's other students handed in no 02
