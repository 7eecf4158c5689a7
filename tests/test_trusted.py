"""readkit.grading.trusted (the one scoring loop for the Sorter parts, outside every kernel) and
readkit.nbgrader.preprocessors.TrustedScores (which puts those points into the graded
notebook for nbgrader's SaveAutoGrades), on the small fixture course of test_cells.py."""

import json
import shutil
from pathlib import Path

import pytest

from readkit.course.answers import MISSING, AnswersFile, read_answers, write_answers
from readkit.course.course import Course, CourseError
from readkit.grading import scoring, trusted
from tests.support.tiny_course import ASSIGNMENT, RATIONALE, make_tiny_course

pytestmark = pytest.mark.usefixtures("no_course_variable")


@pytest.fixture
def course(tmp_path) -> Course:
    return Course.open(make_tiny_course(tmp_path / "course"))


@pytest.fixture
def plan(course) -> trusted.SorterAssignment:
    return trusted.SorterAssignment.from_course(course, ASSIGNMENT)


def answers_file(tmp_path: Path, mapping: dict, assignment: str = ASSIGNMENT) -> AnswersFile:
    path = tmp_path / "answers.json"
    write_answers(path, assignment, mapping)
    return read_answers(path, ASSIGNMENT)


def test_from_course_reads_the_assignment(plan):
    assert [s.section for s in plan.sections] == ["part-1", "part-2"]
    assert plan.section_units == {"part-1": ("p02s1", "p02s2", "p03s1"), "part-2": ("p04s1",)}
    assert plan.max_points == 8.0
    assert plan.unit_ids == ["p02s1", "p02s2", "p03s1", "p04s1"]
    assert set(plan.key) == {"p02s1", "p02s2", "p03s1", "p04s1"}  # assessment only
    assert plan.show_key is False
    assert plan.cell_sections() == {"part-1-grade": plan.sections[0],
                                    "part-2-grade": plan.sections[1]}


def test_from_course_errors_say_what_to_fix(course):
    with pytest.raises(trusted.NotASorterAssignment, match="has sections for '02-trace"):
        trusted.SorterAssignment.from_course(course, "02-trace-the-numbers")
    sections = course.article().folder / "sections.csv"
    sections.write_text(sections.read_text().replace(",2,3,6", ",1,1,6"))  # practice only
    with pytest.raises(CourseError, match="part-1' of 01-sort-the-sources .* no assessment"):
        trusted.SorterAssignment.from_course(Course.open(course.root), ASSIGNMENT)
    (course.article().folder / "key.csv").unlink()
    with pytest.raises(CourseError, match="key.csv is missing") as raised:
        trusted.SorterAssignment.from_course(Course.open(course.root), ASSIGNMENT)
    assert not isinstance(raised.value, trusted.NotASorterAssignment)


def test_a_bad_settings_file_gives_the_safe_feedback(course):
    (course.root / "readkit.toml").write_text("[feedback\nshow_key = true\n")
    plan = trusted.SorterAssignment.from_course(Course.open(course.root), ASSIGNMENT)
    assert plan.show_key is False
    (course.root / "readkit.toml").write_text("[feedback]\nshow_key = true\n")
    assert trusted.SorterAssignment.from_course(Course.open(course.root), ASSIGNMENT).show_key


def test_grade_answers_partial_credit(plan, tmp_path):
    found = answers_file(tmp_path, {"p02s1": "sourced", "p02s2": "claim", "p03s1": "meta",
                                    "p01s1": "meta"})
    grade = trusted.grade_answers(found, plan)
    # part-1: 2 of 3 right (claim is accepted for p02s2): observed 2/3; chance, the learner's
    # labels shuffled among the units: sourced 1 x 1 unit accepting it + claim 1 x 2 + meta
    # 1 x 0, over 9: 1/3; kappa (2/3 - 1/3) / (2/3) = 1/2: 6 x 1/2 = 3. part-2: not labelled, 0.
    assert grade.section_points == {"part-1": 3.0, "part-2": 0.0}
    assert all(type(p) is float for p in grade.section_points.values())
    assert grade.points == 3.0 and grade.status == "ok" and grade.reason == ""
    assert [(r.unit_id, r.chosen, r.correct) for r in grade.results] == [
        ("p02s1", "sourced", True), ("p02s2", "claim", True), ("p03s1", "meta", False),
        ("p04s1", None, False)]


def test_grade_answers_notes_what_was_ignored(plan, tmp_path):
    path = tmp_path / "answers.json"
    path.write_text(json.dumps({"version": 1, "assignment": ASSIGNMENT, "answers": {
        "p02s1": "SOURCED", "p02s2": "commentary", "p99s9": "claim", "p03s1": "opinion",
        "p04s1": 4}}))
    grade = trusted.grade_answers(read_answers(path, ASSIGNMENT), plan)
    # 'SOURCED' read as meant, 'opinion' dropped (unlabelled): 2 of 3 right in part-1;
    # chance (sourced 1 x 1 + commentary 1 x 1) / 9 = 2/9; kappa (2/3 - 2/9) / (7/9) = 4/7:
    # 6 x 4/7 = 3.43
    assert grade.section_points == {"part-1": 3.43, "part-2": 0.0}
    assert grade.reason == ("2 answer(s) with an unknown label ignored (p03s1, p04s1); "
                            "1 answer(s) for unknown unit ids ignored (p99s9)")
    nothing = trusted.grade_answers(answers_file(tmp_path, {"p01s1": "meta"}), plan)
    assert (nothing.points, nothing.reason) == (0.0, "no unit of this assignment labelled")


@pytest.mark.parametrize("content, status", [
    (None, "missing"), ("{not json", "corrupt"), ("[1]", "foreign"),
    ('{"version": 1, "assignment": "02-other", "answers": {"p02s1": "sourced"}}', "foreign"),
])
def test_unusable_files_give_zero_and_the_reason(plan, tmp_path, content, status):
    path = tmp_path / "answers.json"
    if content is not None:
        path.write_text(content)
    found = read_answers(path, ASSIGNMENT)
    grade = trusted.grade_answers(found, plan)
    assert (grade.status, grade.points, grade.reason) == (status, 0.0, found.reason)
    assert grade.reason
    assert grade.section_points == {"part-1": 0.0, "part-2": 0.0}
    assert [r.chosen for r in grade.results] == [None] * 4


def test_no_submission(plan):
    grade = trusted.grade_answers(None, plan)
    assert (grade.status, grade.points) == (trusted.NOT_SUBMITTED, 0.0)


def test_part_feedback_without_the_key(plan, tmp_path):
    found = answers_file(tmp_path, {"p02s1": "sourced", "p02s2": "claim", "p03s1": "meta"})
    grade = trusted.grade_answers(found, plan)
    lines = trusted.part_feedback(plan, grade, plan.sections[0], found)
    assert lines == ["First part (paragraphs 2-3): 3 of 6 points.", "2 of 3 units right.",
                     "Look again at: p03s1.", scoring.SCORING_NOTE]
    assert "Rationale" not in "\n".join(lines)


def test_part_feedback_with_the_key(course, tmp_path):
    (course.root / "readkit.toml").write_text("[feedback]\nshow_key = true\n")
    plan = trusted.SorterAssignment.from_course(Course.open(course.root), ASSIGNMENT)
    found = answers_file(tmp_path, {"p02s1": "sourced", "p03s1": "sourced"})
    lines = trusted.part_feedback(plan, trusted.grade_answers(found, plan), plan.sections[0],
                                  found)
    # 1 of 3 right: observed 1/3, chance (sourced 2 x 1) / 9 = 2/9: kappa 1/7, 6/7 = 0.86
    assert lines[:2] == ["First part (paragraphs 2-3): 0.86 of 6 points.", "1 of 3 units right."]
    assert "p02s2: not labelled; the key says commentary (also accepted: claim). " \
           + RATIONALE.format("p02s2") in lines
    assert "p03s1: you chose sourced; the key says claim. " + RATIONALE.format("p03s1") in lines


def test_part_feedback_for_unusable_files(plan, tmp_path):
    missing = read_answers(tmp_path / "answers.json", ASSIGNMENT)
    assert missing.status == MISSING
    [line] = trusted.part_feedback(plan, trusted.grade_answers(missing, plan), plan.sections[1],
                                   missing)
    assert line.startswith("Second part (paragraphs 4-4): 0 of 2 points. No answers.json was "
                           "handed in with this notebook")
    (tmp_path / "answers.json").write_text("{broken")
    corrupt = read_answers(tmp_path / "answers.json", ASSIGNMENT)
    [line] = trusted.part_feedback(plan, trusted.grade_answers(corrupt, plan), plan.sections[1],
                                   corrupt)
    assert line == "Second part (paragraphs 4-4): 0 of 2 points. " + corrupt.reason


@pytest.mark.parametrize("source, expected", [
    ('chosen_unit = "p02s2"', "p02s2"),
    ('chosen_unit = "p02s1"\nchosen_unit = "p02s2"', "p02s2"),  # the last assignment counts
    ('# chosen_unit = "p02s1"\nchosen_unit = None', None),
    ('chosen_unit = "p0" + "2s2"', None),  # never evaluated
    ('chosen_unit = __import__("os").getcwd()', None),
    ('chosen_unit = f"{1}"', None),
    ('chosen_unit = "p02s2"\nchosen_unit += "x"', "p02s2"),  # only plain assignments
    ("def f(:\n", None),
    ('x = chosen_unit = "p02s2"', "p02s2"),  # not a plain assignment: the one id written
    # a learner who does not code: the id typed outside the quotes, on the stub line
    ('chosen_unit = ""\np02s2', "p02s2"),
    ('chosen_unit = p02s2', "p02s2"),
    ('chosen_unit = ""\n"p02s2"', "p02s2"),
    ('chosen_unit = ""\n# for example "p13s2"', ""),  # comments are not answers
    ('chosen_unit = ""\np02s1 p02s2', None),  # two ids: no guess
    ('chosen_unit = "" p02s2', "p02s2"),  # does not parse: the one id written
    ("chosen_unit = " + "[" * 10_000 + "]" * 10_000, None),
    ('chosen_unit = ["p02s2"]', ["p02s2"]),
])
def test_chosen_unit_is_read_never_run(source, expected):
    assert trusted.chosen_unit(source) == expected


def test_choice_points(plan, tmp_path):
    found = answers_file(tmp_path, {"p02s2": "commentary", "p03s1": "claim",
                                    "p01s1": "commentary"})
    assert trusted.choice_points(plan, found, "p02s2") == (1.0, ["chosen_unit p02s2: OK."])
    points, [line] = trusted.choice_points(plan, found, "p03s1")
    assert points == 0.0 and "does not give p03s1 the label that the rewrite asks for" in line
    assert "claim" not in line  # no label next to a unit id
    # the learner's own commentary label is not enough: the key must read it as commentary too
    # (p02s1 is sourced and accepts nothing else; p03s1 is claim)
    for unit in ("p02s1", "p03s1"):
        own = answers_file(tmp_path, {unit: "commentary"})
        points, [line] = trusted.choice_points(plan, own, unit)
        assert (points, line) == (0.0, f"No points: {unit} is not one of the sentences that "
                                  "the rewrite accepts. Pick one whose wording gives the "
                                  "author's own view or judgement.")
    for other in ("p01s1", None, ["p02s2"], "x" * 1000):  # practice unit, nothing, a list, junk
        points, [line] = trusted.choice_points(plan, found, other)
        assert points == 0.0 and "is not the id of a sentence in this assignment" in line
        assert len(line) < 200
    missing = read_answers(tmp_path / "nothing.json", ASSIGNMENT)
    assert trusted.choice_points(plan, missing, "p02s2") == (0.0, [f"No points. {missing.reason}"])


# --- TrustedScores: what nbgrader's autograde records ------------------------------------

NB_CONFIG = """c = get_config()  # noqa: F821
c.CourseDirectory.root = {root!r}
c.CourseDirectory.submitted_directory = "submitted"
"""


def grade_cell(grade_id: str, points: float, source: str, outputs=()):
    from nbformat.v4 import new_code_cell

    cell = new_code_cell(source, outputs=list(outputs))
    cell.metadata["nbgrader"] = {"grade": True, "solution": False, "locked": True,
                                 "grade_id": grade_id, "points": points}
    return cell


def learner_notebook(choice_source: str, forged: bool = True):
    """The Sorter parts' grade cells as autograde leaves them after the kernel ran: the
    learner's code made them print (and return) full marks."""
    from nbformat.v4 import new_code_cell, new_notebook, new_output

    def forged_outputs(points):
        if not forged:
            return []
        return [new_output("stream", name="stdout", text="All right!\n"),
                new_output("execute_result", data={"text/plain": repr(points)},
                           execution_count=1)]

    choice = new_code_cell(choice_source)
    choice.metadata["nbgrader"] = {"grade": False, "solution": True, "locked": False,
                                   "grade_id": trusted.CHOICE_CELL}
    return new_notebook(cells=[
        grade_cell("part-1-grade", 6, 'grading.check_answers("x", "part-1")', forged_outputs(6.0)),
        grade_cell("part-2-grade", 2, 'grading.check_answers("x", "part-2")', forged_outputs(2.0)),
        choice,
        grade_cell(trusted.CHOICE_GRADE_CELL, 1, "grading.check_answers('x')", forged_outputs(1.0)),
        grade_cell("other-grade", 3, "assert True", forged_outputs(3.0)),
    ])


def run_trusted_scores(root: Path, nb, student="ann", assignment=ASSIGNMENT):
    from nbgrader.utils import determine_grade
    from traitlets.config.loader import PyFileConfigLoader

    from readkit.nbgrader.preprocessors import TrustedScores

    (root / "nbgrader_config.py").write_text(NB_CONFIG.format(root=str(root)))
    config = PyFileConfigLoader("nbgrader_config.py", path=str(root)).load_config()
    resources = {"nbgrader": {"student": student, "assignment": assignment}}
    nb, _ = TrustedScores(config=config).preprocess(nb, resources)
    return {cell.metadata["nbgrader"]["grade_id"]: determine_grade(cell)[0]
            for cell in nb.cells if cell.metadata["nbgrader"].get("grade")}, nb


def test_trusted_scores_replace_what_the_kernel_printed(course):
    folder = course.root / "submitted" / "ann" / ASSIGNMENT
    folder.mkdir(parents=True)
    write_answers(folder / "answers.json", ASSIGNMENT,
                  {"p02s1": "sourced", "p02s2": "commentary", "p03s1": "sourced",
                   "p04s1": "claim"})
    scores, nb = run_trusted_scores(course.root, learner_notebook('chosen_unit = "p02s2"'))
    # nbgrader's own reading of the cells (determine_grade): the trusted points, not the forged
    # (part-1: 2 of 3 right, observed 2/3, chance (sourced 2 x 1 + commentary 1 x 1) / 9 =
    # 1/3: kappa 1/2, 6 x 1/2 = 3)
    assert scores == {"part-1-grade": 3.0, "part-2-grade": 0.0,
                      trusted.CHOICE_GRADE_CELL: 1.0, "other-grade": 3.0}
    part_1 = nb.cells[0]
    assert [o.output_type for o in part_1.outputs] == ["stream", "execute_result"]
    assert part_1.outputs[0].text.startswith("First part (paragraphs 2-3): 3 of 6 points.")
    assert "All right!" not in json.dumps([c.outputs for c in nb.cells[:4]])


def test_what_a_submission_brings_changes_nothing(course, tmp_path):
    """A submission with its own nbgrader_config.py, data/ (a key that says its answers are
    right) and readkit/ package: the points come from the instructor's course."""
    folder = course.root / "submitted" / "ann" / ASSIGNMENT
    shutil.copytree(course.data, folder / "data")
    (folder / "nbgrader_config.py").write_text("c = get_config()\nc.CourseDirectory.root = '.'\n")
    (folder / "readkit").mkdir()
    (folder / "readkit" / "__init__.py").write_text("raise SystemExit('hijacked')\n")
    wrong = {"p02s1": "meta", "p02s2": "meta", "p03s1": "meta", "p04s1": "claim"}
    key = folder / "data" / "articles" / course.article().slug / "key.csv"
    key.write_text(key.read_text().replace("sourced,", "meta,").replace("claim,", "meta,")
                   .replace("commentary,", "meta,").replace("p04s1,meta", "p04s1,claim"))
    write_answers(folder / "answers.json", ASSIGNMENT, wrong)
    scores, _ = run_trusted_scores(course.root, learner_notebook('chosen_unit = "p02s2"'))
    assert scores == {"part-1-grade": 0.0, "part-2-grade": 0.0,
                      trusted.CHOICE_GRADE_CELL: 0.0, "other-grade": 3.0}


def test_trusted_scores_for_a_missing_answers_file(course):
    (course.root / "submitted" / "ann" / ASSIGNMENT).mkdir(parents=True)
    scores, nb = run_trusted_scores(course.root, learner_notebook("chosen_unit = 'p02s2'",
                                                                  forged=False))
    assert scores["part-1-grade"] == scores["part-2-grade"] == 0.0
    assert scores[trusted.CHOICE_GRADE_CELL] == 0.0
    assert "No answers.json was handed in" in nb.cells[0].outputs[0].text


def test_trusted_scores_leave_other_assignments_alone(course):
    nb = learner_notebook("chosen_unit = 'p02s2'")
    scores, _ = run_trusted_scores(course.root, nb, assignment="02-trace-the-numbers")
    assert scores == {"part-1-grade": 6.0, "part-2-grade": 2.0,
                      trusted.CHOICE_GRADE_CELL: 1.0, "other-grade": 3.0}  # the kernel's own


def test_broken_course_data_never_gives_full_marks(course):
    folder = course.root / "submitted" / "ann" / ASSIGNMENT
    folder.mkdir(parents=True)
    write_answers(folder / "answers.json", ASSIGNMENT, {"p02s1": "meta"})
    (course.article().folder / "key.csv").unlink()
    try:
        scores, _ = run_trusted_scores(course.root, learner_notebook("chosen_unit = 'p02s2'",
                                                                     forged=False))
    except CourseError:
        return  # refusing is right: the instructor fixes the course and autogrades again
    assert scores["part-1-grade"] == scores["part-2-grade"] == 0.0


@pytest.mark.parametrize(("article", "status", "points"), [
    (None, "ok", 3.0),  # a file from before articles had names: read as the assignment's
    ("raqqa-2021", "ok", 3.0),
    ("another-article", "foreign", 0.0),
])
def test_the_answers_file_names_its_article(plan, tmp_path, article, status, points):
    path = tmp_path / "answers.json"
    payload = {"version": 1, "assignment": ASSIGNMENT,
               "answers": {"p02s1": "sourced", "p02s2": "claim", "p03s1": "meta"}}
    if article:
        payload["article"] = article
    path.write_text(json.dumps(payload))
    assert plan.article == "raqqa-2021"
    grade = trusted.grade_answers(read_answers(path, ASSIGNMENT, plan.article), plan)
    assert (grade.status, grade.points) == (status, points)
    if status == "foreign":
        assert grade.reason == ("answers.json holds answers for the article 'another-article', "
                                "not 'raqqa-2021' (this assignment's). Use the answers file "
                                "from this assignment's folder.")
