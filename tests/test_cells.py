"""readkit.grading.cells: what the graded notebooks' cells call inside the learner's kernel
(check_answers, check_names, score_numbers), on a small fixture course, and the number tasks
of readkit.grading.numbers.

The kernel sees only learner-side data (readkit.course.learner_data: no assessment labels),
so the Sorter checks here run on that copy, the way the sandbox runs them.
"""

import csv
import json
import sys
import warnings
from pathlib import Path

import pytest

from readkit.course.answers import write_answers
from readkit.course.course import Course
from readkit.course.learner_data import write_learner_data
from readkit.grading import cells, numbers, scoring
from tests.support.tiny_course import ASSIGNMENT, CLAIMS, SLUG, make_tiny_course


@pytest.fixture
def learner(tmp_path, monkeypatch):
    """What a learner's kernel sees: READKIT_COURSE points at the learner-side copy of the tiny
    course (no assessment labels), the learner's folder is the working directory."""
    course = make_tiny_course(tmp_path / "course")
    data = write_learner_data(Course(course), tmp_path / "learner-data")
    key = (data / "data" / "articles" / SLUG / "key.csv").read_text()
    assert "claim" not in key and "Rationale for p02s1" not in key  # nothing to leak
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.setenv("READKIT_COURSE", str(data))
    monkeypatch.chdir(work)
    return data


def answers(mapping, assignment=ASSIGNMENT):
    write_answers(Path("answers.json"), assignment, mapping)


def test_check_answers_counts_unlabelled_and_says_nothing_about_correctness(learner, capsys):
    answers({"p02s1": "claim", "p04s1": "meta"})
    cells.check_answers(ASSIGNMENT)
    cells.check_answers(ASSIGNMENT, "part-2")
    out, err = capsys.readouterr()
    assert err == ""
    assert out.splitlines() == [
        f"answers.json found and readable. {ASSIGNMENT}: 2 of 4 sentences labelled.",
        "Before you submit: 2 of 4 sentences are still unlabelled: p02s2, p03s1.",
        "answers.json found and readable. Second part (part-2): 1 of 1 sentences labelled.",
        "Every sentence has a label.",
        scoring.SCORING_NOTE,
    ]
    checks = out.replace(scoring.SCORING_NOTE, "")  # the rule, said the same to everyone
    assert "right" not in checks and "points" not in checks


def test_check_answers_takes_an_explicit_course(tmp_path, monkeypatch, capsys):
    monkeypatch.delenv("READKIT_COURSE", raising=False)
    course = Course(make_tiny_course(tmp_path / "course"))
    path = tmp_path / "answers.json"
    write_answers(path, ASSIGNMENT, {"p03s1": "claim"})
    cells.check_answers(ASSIGNMENT, "part-1", path=str(path), course=course)
    assert capsys.readouterr().out.splitlines() == [
        "answers.json found and readable. First part (part-1): 1 of 3 sentences labelled.",
        "Before you submit: 2 of 3 sentences are still unlabelled: p02s1, p02s2.",
        scoring.SCORING_NOTE]


@pytest.mark.parametrize(
    "content, message",
    [
        (None, "answers.json not found"),
        (b"{not json", "not valid JSON"),
        (b'{"version": 1, "assignment": "02-other", "answers": {}}', "belongs to assignment"),
        (b"[1, 2]", "not a readkit answers object"),
        (b"", "is empty"),
        (b"\xff\xfe\x00", "not text"),
    ],
)
def test_unusable_answers_say_what_to_do(learner, capsys, content, message):
    if content is not None:
        Path("answers.json").write_bytes(content)
    cells.check_answers(ASSIGNMENT)
    out, err = capsys.readouterr()
    assert err == ""
    assert out.startswith("Not ready: ") and message in out
    assert len(out.splitlines()) == 1


def test_answers_path_that_is_a_folder_or_a_link(learner, capsys):
    Path("answers.json").mkdir()
    cells.check_answers(ASSIGNMENT)
    Path("answers.json").rmdir()
    Path("answers.json").symlink_to("/etc/passwd")
    cells.check_answers(ASSIGNMENT)
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("Not ready: answers.json is a folder, not a file.")
    assert lines[1].startswith("Not ready: answers.json is a link, not a file")


def test_bom_and_upper_case_labels_are_read_as_meant(learner, capsys):
    payload = {"version": 1, "assignment": ASSIGNMENT,
               "answers": {"p02s1": "SOURCED", "p02s2": " Claim ", "p03s1": "claim"}}
    Path("answers.json").write_bytes(b"\xef\xbb\xbf" + json.dumps(payload).encode())
    cells.check_answers(ASSIGNMENT, "part-1")
    out, err = capsys.readouterr()
    assert err == ""
    assert out.splitlines() == [
        "answers.json found and readable. First part (part-1): 3 of 3 sentences labelled.",
        "Every sentence has a label.", scoring.SCORING_NOTE]


def test_unknown_ids_and_labels_are_named(learner, capsys):
    Path("answers.json").write_text(json.dumps({"version": 1, "assignment": ASSIGNMENT,
                                                "answers": {"p02s1": "sourced", "p99s9": "claim",
                                                            "p03s1": "opinion"}}))
    cells.check_answers(ASSIGNMENT)
    out, err = capsys.readouterr()
    assert err == ""
    assert "answers.json found and readable. 01-sort-the-sources: 1 of 4 sentences labelled." in out
    assert "1 answer(s) for unknown sentence ids are ignored: p99s9." in out
    assert "p03s1: unknown label 'opinion' ignored" in out


def test_set_aside_file_is_mentioned(learner, capsys):
    Path("answers.unreadable-20250101-120000.json").write_text("{broken")
    answers({})
    cells.check_answers(ASSIGNMENT, "part-2")
    out, _ = capsys.readouterr()
    assert "set aside as answers.unreadable-20250101-120000.json" in out


def test_course_problems_are_a_message_not_a_traceback(learner, capsys):
    answers({"p02s1": "sourced"})
    cells.check_answers(ASSIGNMENT, "part-9")
    (learner / "data" / "articles" / SLUG / "sections.csv").unlink()
    cells.check_answers(ASSIGNMENT, "part-1")
    out, err = capsys.readouterr()
    assert err == ""
    first, second = out.splitlines()
    assert first.startswith("Could not check your answers: ") and "no section 'part-9'" in first
    assert second.startswith("Could not check your answers: ")
    assert "sections.csv is missing" in second


def test_warnings_and_stderr_inside_a_check_are_contained(learner, capsys, monkeypatch):
    real = cells.read_answers

    def noisy(*args, **kwargs):
        warnings.warn("something deprecated", DeprecationWarning, stacklevel=1)
        print("to stderr", file=sys.stderr)
        return real(*args, **kwargs)

    monkeypatch.setattr(cells, "read_answers", noisy)
    answers({"p04s1": "meta"})
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a warning that escaped would raise here
        cells.check_answers(ASSIGNMENT, "part-2")
    out, err = capsys.readouterr()
    assert err == "" and "1 of 1 sentences labelled" in out


def test_grade_cells_of_the_real_notebook_call_no_scoring():
    """The key is never read in the kernel: the Sorter parts' grade cells only check."""
    notebook = json.loads((Path(__file__).resolve().parents[1] / "solutions" / ASSIGNMENT /
                           "sort-the-sources.ipynb").read_text(encoding="utf-8"))
    graded = [cell for cell in notebook["cells"]
              if cell["metadata"].get("nbgrader", {}).get("grade")
              and cell["cell_type"] == "code"]
    assert len(graded) == 4  # parts 1-3 and the rewrite's chosen sentence
    for cell in graded:
        source = "".join(cell["source"])
        assert "grading.check_answers(" in source, source
        assert "key" not in source and "score" not in source, source


# --- 02-trace-the-numbers -----------------------------------------------------------------


class FakeSeries(dict):
    """Enough of a pandas Series for duck typing (to_dict, shape)."""

    def to_dict(self):
        return dict(self)


def right_namespace(course_data: Path):
    pd = pytest.importorskip("pandas")
    claims = pd.read_csv(course_data / "data" / "articles" / SLUG / "claims.csv")
    raqqa = claims[claims["event"] == "raqqa-2017"]
    kunduz = claims[claims["event"] == "kunduz-2001"]
    men = kunduz[kunduz["unit"] == "men"]
    return {
        "raqqa": raqqa,
        "kunduz": kunduz,
        "figures_by_reporter": claims.groupby(["event", "reported_by"]).size(),
        "raqqa_fighters": raqqa[raqqa["unit"] == "fighters"]["value"].iloc[0],
        "kunduz_evacuated": men[men["counts_what"].str.contains("evacuated")]["value"].iloc[0],
        "kunduz_total": men[men["counts_what"].str.contains("trapped")]["value"].iloc[0],
        "not_surrendered": 8000 - 3300,
        "adds_up": bool(4000 <= 4700 <= 5000),
        "reporters": kunduz.groupby("event")["reported_by"].unique().to_dict()
        | raqqa.groupby("event")["reported_by"].unique().to_dict(),
    }


def test_score_numbers_full_marks_with_pandas_values(learner, capsys):
    namespace = right_namespace(learner)
    for task, spec in numbers.NUMBER_TASKS.items():
        points = cells.score_numbers(task, namespace)
        assert points == spec.points and type(points) is float, task
    out, err = capsys.readouterr()
    assert err == "" and "not right" not in out


def test_score_numbers_full_marks_with_values_typed_from_the_table(learner, capsys):
    """The no-code path: every task takes plain values read off the claims table (claim ids
    for the filter, a dict of counts, numbers, True/False, a dict of lists)."""
    namespace = {
        "raqqa": ["c01", "c02", "c03"],
        "kunduz": ["c04", "c05", "c06", "c07", "c08", "c09", "c10"],
        "figures_by_reporter": {("raqqa-2017", "bbc via cbs"): 2, ("raqqa-2017", "bbc"): 1,
                                ("kunduz-2001", "hersh"): 6, ("kunduz-2001", "author"): 1,
                                ("publication", "author"): 1},
        "raqqa_fighters": 250,
        "kunduz_evacuated": 4000,
        "kunduz_total": 8000,
        "not_surrendered": 8000 - 3300,
        "adds_up": True,
        "reporters": {"raqqa-2017": ["bbc via cbs", "bbc"], "kunduz-2001": ["hersh", "author"]},
    }
    for task, spec in numbers.NUMBER_TASKS.items():
        assert cells.score_numbers(task, namespace) == spec.points, task
    namespace["raqqa"] = ["c01", "c02"]  # a row missing
    assert cells.score_numbers("filter", namespace) == 1.0
    namespace["raqqa_fighters"] = 250 + 3500  # fighters and family members: not like with like
    assert cells.score_numbers("compare", namespace) == 1.0
    out, err = capsys.readouterr()
    assert err == ""


def test_score_numbers_partial_and_missing(learner, capsys):
    namespace = right_namespace(learner)
    namespace["kunduz"] = namespace["raqqa"]
    namespace["adds_up"] = "yes"
    del namespace["kunduz_total"]
    namespace["figures_by_reporter"] = FakeSeries(
        {k: v + 1 for k, v in namespace["figures_by_reporter"].to_dict().items()})
    assert cells.score_numbers("filter", namespace) == 1.0
    assert cells.score_numbers("add-up", namespace) == 1.0
    assert cells.score_numbers("group", namespace) == 1.0  # right pairs, wrong counts
    assert cells.score_numbers("compare", {}) == 0.0
    out, err = capsys.readouterr()
    assert err == ""
    assert "not right: kunduz_total is not defined (run the cell that sets it)" in out
    assert "4700" not in out and "8000" not in out  # expected values are never printed


def test_score_numbers_problems_give_zero_with_a_message(learner, capsys):
    assert cells.score_numbers("no-such-task", {}) == 0.0
    (learner / "data" / "articles" / SLUG / "claims.csv").unlink()
    assert cells.score_numbers("filter", right_namespace_or_empty()) == 0.0
    out, err = capsys.readouterr()
    assert err == ""
    assert out.count("This is not your mistake; tell your instructor.") == 2
    assert "claims.csv is missing" in out


def right_namespace_or_empty():
    return {"raqqa": None, "kunduz": None}


def test_check_names_describes_without_judging(learner, capsys):
    namespace = right_namespace(learner)
    cells.check_names("filter", namespace)
    cells.check_names("add-up", {"adds_up": True})
    cells.check_names("nope", {})
    out, err = capsys.readouterr()
    assert err == ""
    assert out.splitlines() == [
        "raqqa: a DataFrame with 3 rows and 7 columns",
        "kunduz: a DataFrame with 7 rows and 7 columns",
        "kunduz_total: not defined yet. Run the cell where you set it.",
        "not_surrendered: not defined yet. Run the cell where you set it.",
        "adds_up: bool True",
        f"Unknown task 'nope'; tasks are: {', '.join(numbers.NUMBER_TASKS)}.",
    ]


def test_expected_numbers_flags_data_that_does_not_fit():
    rows = list(csv.DictReader(CLAIMS.splitlines()))
    expected = numbers.expected_numbers(rows)
    assert expected.problems == ()
    assert (expected.kunduz_total, expected.not_surrendered, expected.adds_up) == (
        8000, 4700, True)
    broken = [r for r in rows if "surrendered" not in r["counts_what"]]
    assert "men who surrendered" in " ".join(numbers.expected_numbers(broken).problems)


def test_real_claims_give_the_expected_numbers(no_course_variable):
    course = Course.open(Path(__file__).resolve().parents[1])
    expected = numbers.expected_numbers(course.article("raqqa-2021").claims())
    assert expected.problems == ()
    assert (expected.kunduz_total, expected.not_surrendered, expected.adds_up) == (
        8000, 4700, True)
