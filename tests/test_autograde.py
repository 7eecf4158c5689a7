"""readkit.autograde: the calls in the graded notebooks, on a small fixture course (and a few
checks of the real course data)."""

import csv
import json
import os
import shutil
import subprocess
import sys
import warnings
from pathlib import Path

import pytest

from readkit import autograde, scoring
from readkit import release as release_module
from readkit.answers import write_answers

ASSIGNMENT = "01-sort-the-sources"
UNITS = [  # unit_id, paragraph, label, accept, split
    ("p01s1", 1, "meta", "", "practice"),
    ("p02s1", 2, "sourced", "", "assessment"),
    ("p02s2", 2, "commentary", "claim", "assessment"),
    ("p03s1", 3, "claim", "", "assessment"),
    ("p04s1", 4, "meta", "", "assessment"),
]
RATIONALE = "Rationale for {} that only graders see."
SECTIONS = f"""assignment,section,title,first_paragraph,last_paragraph,points
{ASSIGNMENT},part-1,First part,2,3,6
{ASSIGNMENT},part-2,Second part,4,4,2
"""
CLAIMS = """claim_id,unit_id,value,unit,counts_what,event,reported_by
c01,p02s1,250,fighters,fighters permitted to leave,raqqa-2017,bbc via cbs
c02,p02s1,3500,family members,family members,raqqa-2017,bbc via cbs
c03,p02s2,4,months,months of fighting,raqqa-2017,bbc
c04,p03s1,8000,men,men trapped in Kunduz,kunduz-2001,hersh
c05,p03s1,8000,men,"men in Kunduz (""some 8000"")",kunduz-2001,hersh
c06,p03s1,3300,men,men who surrendered,kunduz-2001,hersh
c07,p03s1,4000,men,men unaccounted for (low end),kunduz-2001,hersh
c08,p03s1,5000,men,men unaccounted for (high end),kunduz-2001,hersh
c09,p03s1,4000,men,men evacuated,kunduz-2001,hersh
c10,p03s1,2,groups,groups,kunduz-2001,author
c11,p04s1,13,books,books,publication,author
"""


def write_csv(path: Path, header, rows):
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)


@pytest.fixture
def course(tmp_path, monkeypatch):
    """A tiny course: READKIT_COURSE points at it, the learner's folder is the cwd."""
    root = tmp_path / "course"
    data = root / "data"
    data.mkdir(parents=True)
    (root / "nbgrader_config.py").write_text("")
    write_csv(data / "units.csv", ["unit_id", "paragraph", "text"],
              [(u, p, f"Text of {u}.") for u, p, *_ in UNITS])
    write_csv(data / "key.csv", ["unit_id", "label", "accept", "source", "split", "rationale"],
              [(u, label, accept, "", split, RATIONALE.format(u))
               for u, _, label, accept, split in UNITS])
    (data / "sections.csv").write_text(SECTIONS)
    (data / "claims.csv").write_text(CLAIMS)
    learner = tmp_path / "learner"
    learner.mkdir()
    monkeypatch.setenv("READKIT_COURSE", str(root))
    monkeypatch.chdir(learner)
    return root


def answers(mapping, assignment=ASSIGNMENT):
    write_answers(Path("answers.json"), assignment, mapping)


def test_score_section_partial_credit_and_feedback(course, capsys):
    answers({"p02s1": "sourced", "p02s2": "claim", "p03s1": "meta", "p01s1": "meta"})
    points = autograde.score_section(ASSIGNMENT, "part-1")
    # Three classes, one unit each, 2 right (claim accepted): recall 2/3; chance
    # (1/4 + 2/4 + 1/4) / 3 = 1/3; 6 x (2/3 - 1/3) / (1 - 1/3) = 3.
    assert points == 3.0 and type(points) is float
    out, err = capsys.readouterr()
    assert err == ""
    assert out.splitlines() == [
        "First part (paragraphs 2-3): 3 of 6 points.",
        "2 of 3 units right.",
        "Look again at: p03s1.",
    ]
    assert "Rationale" not in out


def test_score_section_show_key(course, capsys):
    (course / "readkit.toml").write_text("[feedback]\nshow_key = true\n")
    answers({"p02s1": "sourced", "p03s1": "sourced"})
    # 1 of 3 right: recall 1/3 is what chance gets, so 0 points.
    assert autograde.score_section(ASSIGNMENT, "part-1") == 0.0
    out, err = capsys.readouterr()
    assert err == ""
    assert "p03s1: you chose sourced; the key says claim." in out
    assert "p02s2: not labelled; the key says commentary (also accepted: claim)." in out
    assert RATIONALE.format("p03s1") in out


@pytest.mark.parametrize(
    "content, message",
    [
        (None, "No answers.json was handed in"),
        ("{not json", "not valid JSON"),
        ('{"version": 1, "assignment": "02-other", "answers": {}}', "belongs to assignment"),
        ("[1, 2]", "not a readkit answers file"),
    ],
)
def test_unusable_answers_give_zero_and_say_what_to_do(course, capsys, content, message):
    if content is not None:
        Path("answers.json").write_text(content)
    assert autograde.score_section(ASSIGNMENT, "part-1") == 0.0
    out, err = capsys.readouterr()
    assert err == "" and message in out and "0 of 6 points" in out
    autograde.check_answers(ASSIGNMENT)
    out, err = capsys.readouterr()
    assert err == "" and out.startswith("Not ready:")
    assert ("answers.json not found" if content is None else message) in out


def test_unknown_ids_and_labels_are_ignored(course, capsys):
    Path("answers.json").write_text(json.dumps({"version": 1, "assignment": ASSIGNMENT, "answers": {
        "p02s1": "sourced", "p02s2": "commentary", "p99s9": "claim", "p03s1": "opinion"}}))
    assert autograde.score_section(ASSIGNMENT, "part-1") == 3.0  # 2 of 3 right, as above
    autograde.check_answers(ASSIGNMENT)
    out, err = capsys.readouterr()
    assert err == ""
    assert "1 answer(s) for unknown sentence ids are ignored: p99s9." in out
    assert "p03s1: unknown label 'opinion' ignored" in out


def test_check_answers_counts_unlabelled_without_the_key(course, capsys):
    (course / "data" / "key.csv").unlink()  # a learner's installation has no assessment key
    answers({"p02s1": "claim", "p04s1": "meta"})
    autograde.check_answers(ASSIGNMENT)
    autograde.check_answers(ASSIGNMENT, "part-2")
    out, err = capsys.readouterr()
    assert err == ""
    assert out.splitlines() == [
        f"answers.json found and readable. {ASSIGNMENT}: 2 of 4 sentences labelled.",
        "Still unlabelled (2): p02s2, p03s1.",
        "answers.json found and readable. Second part (part-2): 1 of 1 sentences labelled.",
        "Every sentence has a label.",
    ]
    assert "right" not in out


def test_set_aside_file_is_mentioned(course, capsys):
    Path("answers.unreadable-20250101-120000.json").write_text("{broken")
    answers({})
    assert autograde.score_section(ASSIGNMENT, "part-2") == 0.0
    out, _ = capsys.readouterr()
    assert "set aside as answers.unreadable-20250101-120000.json" in out


def test_course_problems_give_zero_with_a_message_not_a_traceback(course, capsys):
    answers({"p02s1": "sourced"})
    assert autograde.score_section(ASSIGNMENT, "part-9") == 0.0
    (course / "data" / "key.csv").unlink()
    assert autograde.score_section(ASSIGNMENT, "part-1") == 0.0
    out, err = capsys.readouterr()
    assert err == ""
    assert "no section 'part-9'" in out and "key.csv is missing" in out
    assert out.count("tell your instructor") == 2


def test_warnings_and_stderr_inside_scoring_are_contained(course, capsys, monkeypatch):
    import sys

    real = scoring.unit_results

    def noisy(*args, **kwargs):
        warnings.warn("something deprecated", DeprecationWarning, stacklevel=1)
        print("to stderr", file=sys.stderr)
        return real(*args, **kwargs)

    monkeypatch.setattr(scoring, "unit_results", noisy)
    answers({"p04s1": "meta"})
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a warning that escaped would raise here
        assert autograde.score_section(ASSIGNMENT, "part-2") == 2.0
    assert capsys.readouterr().err == ""


@pytest.mark.parametrize("text, message", [
    ("[feedback]\nshow_key = 'yes'\n", "true or false"),
    ("[feedback\n", "not valid TOML"),
    ("feedback = 3\n", "must be a table"),
])
def test_read_settings_rejects_bad_files(course, text, message):
    (course / "readkit.toml").write_text(text)
    with pytest.raises(autograde.GradingSetupError, match=message):
        autograde.read_settings()
    assert any(message in p for p in autograde.validate_course())


def test_read_settings_defaults(course, tmp_path):
    assert autograde.read_settings() == autograde.Settings(show_key=False)
    (course / "readkit.toml").write_text("[feedback]\n")
    assert autograde.read_settings().show_key is False
    (course / "readkit.toml").write_text("[feedback]\nshow_key = true\n")
    assert autograde.read_settings().show_key is True


def test_bad_settings_while_grading_still_grade_without_key(course, capsys):
    (course / "readkit.toml").write_text("[feedback\nshow_key = true\n")
    answers({"p04s1": "claim"})
    # the learner is graded; the feedback falls back to the safe setting (no key details)
    assert autograde.score_section(ASSIGNMENT, "part-2") == 0.0
    answers({"p04s1": "meta"})
    assert autograde.score_section(ASSIGNMENT, "part-2") == 2.0
    out, err = capsys.readouterr()
    assert err == "" and "Note for the instructor" in out and "not valid TOML" in out
    assert "Look again at: p04s1." in out and "the key says" not in out


def test_score_rewrite_choice(course, capsys):
    answers({"p02s2": "commentary", "p03s1": "claim", "p01s1": "commentary"})
    assert autograde.score_rewrite_choice(ASSIGNMENT, "p02s2") == 1.0
    assert autograde.score_rewrite_choice(ASSIGNMENT, "p03s1") == 0.0  # not labelled commentary
    assert autograde.score_rewrite_choice(ASSIGNMENT, "p01s1") == 0.0  # not in this assignment
    assert autograde.score_rewrite_choice(ASSIGNMENT, None) == 0.0
    out, err = capsys.readouterr()
    assert err == ""
    assert "answers.json does not give p03s1 the label that Part 5 asks for" in out
    assert "chosen_unit p02s2: OK." in out
    assert "'p01s1' is not the id of a sentence in this assignment" in out


def test_validate_course_flags_sections_outside_the_assessment_split(course):
    assert autograde.validate_course() == []
    (course / "data" / "sections.csv").write_text(SECTIONS.replace(",2,3,6", ",1,3,6"))
    [problem] = autograde.validate_course()
    assert "not in the assessment split: p01s1" in problem


# --- 02-trace-the-numbers ---------------------------------------------------------------


class FakeSeries(dict):
    """Enough of a pandas Series for duck typing (to_dict, shape)."""

    def to_dict(self):
        return dict(self)


def right_namespace():
    pd = pytest.importorskip("pandas")
    claims = pd.read_csv(autograde.data_file("claims.csv"))
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


def test_score_numbers_full_marks_with_pandas_values(course, capsys):
    namespace = right_namespace()
    for task, spec in scoring.NUMBER_TASKS.items():
        assert autograde.score_numbers(task, namespace) == spec.points, task
    out, err = capsys.readouterr()
    assert err == "" and "not right" not in out


def test_score_numbers_full_marks_with_values_typed_from_the_table(course, capsys):
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
    for task, spec in scoring.NUMBER_TASKS.items():
        assert autograde.score_numbers(task, namespace) == spec.points, task
    namespace["raqqa"] = ["c01", "c02"]  # a row missing
    assert autograde.score_numbers("filter", namespace) == 1.0
    out, err = capsys.readouterr()
    assert err == ""


def test_score_numbers_partial_and_missing(course, capsys):
    namespace = right_namespace()
    namespace["kunduz"] = namespace["raqqa"]
    namespace["adds_up"] = "yes"
    del namespace["kunduz_total"]
    namespace["figures_by_reporter"] = FakeSeries(
        {k: v + 1 for k, v in namespace["figures_by_reporter"].to_dict().items()})
    assert autograde.score_numbers("filter", namespace) == 1.0
    assert autograde.score_numbers("add-up", namespace) == 1.0
    assert autograde.score_numbers("group", namespace) == 1.0  # right pairs, wrong counts
    assert autograde.score_numbers("compare", {}) == 0.0
    out, err = capsys.readouterr()
    assert err == ""
    assert "not right: kunduz_total is not defined (run the cell that sets it)" in out
    assert "4700" not in out and "8000" not in out  # expected values are never printed


def test_check_names_describes_without_judging(course, capsys):
    namespace = right_namespace()
    autograde.check_names("filter", namespace)
    autograde.check_names("add-up", {"adds_up": True})
    out, err = capsys.readouterr()
    assert err == ""
    assert out.splitlines() == [
        "raqqa: a DataFrame with 3 rows and 7 columns",
        "kunduz: a DataFrame with 7 rows and 7 columns",
        "kunduz_total: not defined yet. Run the cell where you set it.",
        "not_surrendered: not defined yet. Run the cell where you set it.",
        "adds_up: bool True",
    ]


def test_expected_numbers_flags_data_that_does_not_fit(course):
    rows = list(csv.DictReader(CLAIMS.splitlines()))
    assert scoring.expected_numbers(rows).problems == ()
    broken = [r for r in rows if "surrendered" not in r["counts_what"]]
    assert "men who surrendered" in " ".join(scoring.expected_numbers(broken).problems)


# --- the real course data ---------------------------------------------------------------


def test_real_course_is_consistent(monkeypatch):
    monkeypatch.delenv("READKIT_COURSE", raising=False)
    monkeypatch.chdir(Path(__file__).resolve().parents[1])
    assert autograde.validate_course() == []
    sections = autograde.read_sections(ASSIGNMENT)
    assert 3 <= len(sections) <= 4
    assert autograde.read_settings().show_key is False  # the committed default
    expected = scoring.expected_numbers(autograde.read_claims())
    assert (expected.kunduz_total, expected.not_surrendered, expected.adds_up) == (
        8000, 4700, True)


# --- release (no nbgrader run here: tests/test_nbgrader_e2e.py runs the real thing) -------

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def course_copy(tmp_path, monkeypatch):
    root = tmp_path / "course"
    root.mkdir()
    for name in ("nbgrader_config.py", "readkit.toml"):
        (root / name).write_bytes((REPO / name).read_bytes())
    for name in ("data", "solutions"):
        shutil.copytree(REPO / name, root / name)
    monkeypatch.delenv("READKIT_COURSE", raising=False)
    return root


def fake_nbgrader(monkeypatch, returncode=0, stderr=""):
    calls = []

    def run(command, **kwargs):
        calls.append((command, kwargs))
        return subprocess.CompletedProcess(command, returncode, "", stderr)

    monkeypatch.setattr(release_module.subprocess, "run", run)
    return calls


def test_release_runs_generate_assignment_per_assignment(course_copy, monkeypatch):
    calls = fake_nbgrader(monkeypatch)
    result = release_module.release(course_copy)
    assert result.ok and result.released == ["01-sort-the-sources", "02-trace-the-numbers"]
    assert [c[0][-3:] for c in calls] == [
        ["generate_assignment", "01-sort-the-sources", "--force"],
        ["generate_assignment", "02-trace-the-numbers", "--force"],
    ]
    command, options = calls[0]
    assert options["cwd"] == course_copy.resolve()
    assert options["env"]["PATH"].split(os.pathsep)[0] == str(Path(sys.executable).parent)
    assert (course_copy / "grading").is_dir()  # SQLite needs the gradebook's folder


def test_release_reports_nbgrader_failure(course_copy, monkeypatch):
    fake_nbgrader(monkeypatch, returncode=1, stderr="line\n" * 20 + "ValueError: boom\n")
    result = release_module.release(course_copy, ["02-trace-the-numbers"])
    assert not result.ok and result.released == []
    assert "nbgrader generate_assignment 02-trace-the-numbers failed (exit 1)" in result.error
    assert result.error.rstrip().endswith("ValueError: boom")


def test_release_refuses_an_answers_file_in_the_source(course_copy, monkeypatch):
    calls = fake_nbgrader(monkeypatch)
    (course_copy / "solutions" / "01-sort-the-sources" / "answers.json").write_text("{}")
    result = release_module.release(course_copy)
    assert not result.ok and calls == []
    assert "solutions/01-sort-the-sources/answers.json would be released to every learner" in (
        result.error)


def test_release_refuses_points_that_do_not_match(course_copy, monkeypatch):
    calls = fake_nbgrader(monkeypatch)
    path = course_copy / "solutions" / "01-sort-the-sources" / "sort-the-sources.ipynb"
    nb = json.loads(path.read_text())
    for cell in nb["cells"]:
        if cell["metadata"].get("nbgrader", {}).get("grade_id") == "part-3-grade":
            cell["metadata"]["nbgrader"]["points"] = 4.0
    path.write_text(json.dumps(nb))
    result = release_module.release(course_copy)
    assert not result.ok and calls == []
    assert "cell part-3-grade is worth 4 points but its score call returns up to 5" in result.error


def test_release_bad_course_and_unknown_assignment(tmp_path, course_copy, monkeypatch):
    fake_nbgrader(monkeypatch)
    assert "not a course folder" in release_module.release(tmp_path).error
    assert "solutions/99-nothing does not exist" in release_module.release(
        course_copy, ["99-nothing"]).error


def test_committed_notebooks_points_match_their_score_calls(monkeypatch):
    monkeypatch.delenv("READKIT_COURSE", raising=False)
    monkeypatch.chdir(REPO)
    notebooks = sorted((REPO / "solutions").glob("*/*.ipynb"))
    assert len(notebooks) == 2
    for notebook in notebooks:
        assert release_module.check_grade_cells(notebook) == []
    assert not list((REPO / "solutions").rglob("answers.json"))
