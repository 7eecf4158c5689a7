"""readkit.nbgrader.autograde (`readkit autograde`: nbgrader's autograde per student in worker
processes, every learner kernel sandboxed) and readkit.demo end to end.

The nbgrader-marked tests share one demo course of 4 learners (`readkit demo --students 4
--jobs 2`: release, synthetic submissions, parallel sandboxed autograde, grade, report). Its
gradebook is compared with a sequential `nbgrader autograde --force` of a copy of the same
course. The hostile submissions are in test_hostile_e2e.py.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks.grading import gradebook_scores
from readkit import demo
from readkit.course.course import Course
from readkit.course.errors import GradingError
from readkit.nbgrader import autograde
from readkit.nbgrader.release import nbgrader_command, nbgrader_environment
from tests.support.grading import REPO, make_course

ASSIGNMENT = demo.ASSIGNMENT
DB = Path("grading") / "gradebook.db"


def parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    autograde.add_arguments(parser)
    return parser.parse_args(list(argv))


def readkit_cli(root: Path, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    """`readkit ARGS` in its own process at the course root, as an instructor runs it."""
    return subprocess.run([sys.executable, "-m", "readkit.cli", *args], cwd=root, env=env,
                          capture_output=True, text=True, timeout=600)


@pytest.fixture(scope="module")
def demo_course(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo") / "course"
    lines = []
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv("READKIT_COURSE", raising=False)
        index = demo.run_demo(students=4, out=out, jobs=2, source=REPO, say=lines.append,
                               tests=False)  # 01 alone (test_gain_e2e.py runs the tests)
    return out, index, lines


def of_kind(kind: str) -> str:
    return next(p.student for p in demo.learners(4) if p.kind == kind)


@pytest.mark.nbgrader
def test_demo_end_to_end(demo_course):
    root, index, lines = demo_course
    text = "\n".join(lines)
    assert index == root / "grading" / "reports" / ASSIGNMENT / "report" / "index.html"
    assert index.is_file() and (index.parent.parent / "lms.csv").is_file()
    progress = [line for line in lines if line.startswith("[")]
    assert [line[:5] for line in progress] == ["[1/4]", "[2/4]", "[3/4]", "[4/4]"]
    assert all(" autograded " in line and line.endswith(" s)") for line in progress), progress
    assert "Autograded 4 of 4 submission(s)" in text
    assert "WITHOUT a sandbox" not in text
    assert "Gradebook check: 4 of 4 autograded hold these points." in text
    assert "FLAGGED" not in text  # one score: the cheat's notebook changed nothing
    rows = (root / "grading" / "reports" / ASSIGNMENT / "grades.csv").read_text().splitlines()
    assert any(",corrupt," in row for row in rows)
    assert f"Report: {index}" in text
    mode = json.loads((autograde.log_dir(Course.open(root), ASSIGNMENT) / "mode.json").read_text())
    assert mode == {"sandboxed": True, "unsandboxed_students": []}


@pytest.mark.nbgrader
def test_parallel_gives_the_same_gradebook_as_sequential(demo_course, tmp_path):
    root, _, _ = demo_course
    copy = tmp_path / "sequential"
    shutil.copytree(root, copy)
    demo.nbgrader(copy, "autograde", ASSIGNMENT, "--force")
    in_parallel = gradebook_scores(root / DB, ASSIGNMENT)
    in_sequence = gradebook_scores(copy / DB, ASSIGNMENT)
    assert len(in_parallel) == 4 * 5  # 4 learners x (3 sections, the rewrite choice and text)
    assert in_parallel == in_sequence
    # the cheat's extra cell gave full marks in the kernel: the gradebook holds its file's points
    from readkit.course.answers import read_answers
    from readkit.grading import trusted

    cheat = of_kind(demo.CHEAT)
    plan = trusted.SorterAssignment.from_course(Course.open(root), ASSIGNMENT)
    found = read_answers(root / "grading" / "submitted" / cheat / ASSIGNMENT / "answers.json",
                         ASSIGNMENT)
    expected = trusted.grade_answers(found, plan).section_points
    assert {s: in_parallel[(cheat, "sort-the-sources", f"{s}-grade")] for s in expected} == \
        expected
    assert expected["part-1"] < 8  # part-1's maximum: what the kernel claimed


@pytest.mark.nbgrader
def test_goes_on_past_a_failure_and_interrupts_a_loop(demo_course, tmp_path, capsys):
    """A broken notebook fails alone; a learner cell that never ends is interrupted at the
    course's SandboxedExecute.timeout and the submission is graded as nbgrader grades it."""
    root = tmp_path / "course"
    shutil.copytree(demo_course[0], root)
    with (root / "nbgrader_config.py").open("a", encoding="utf-8") as config:
        config.write("\nc.SandboxedExecute.timeout = 3  # test: interrupt the looping cell soon\n")
    submitted = root / "grading" / "submitted"
    honest = of_kind(demo.HONEST)
    broken = submitted / "zed-broken" / ASSIGNMENT
    broken.mkdir(parents=True)
    (broken / "sort-the-sources.ipynb").write_text("{ this is not a notebook", encoding="utf-8")
    loops = submitted / "zed-loops" / ASSIGNMENT
    shutil.copytree(submitted / honest / ASSIGNMENT, loops)
    notebook = json.loads((loops / "sort-the-sources.ipynb").read_text(encoding="utf-8"))
    notebook["cells"].insert(1, {"cell_type": "code", "execution_count": None, "id": "loop",
                                 "metadata": {}, "outputs": [], "source": "while True:\n    pass\n"})
    (loops / "sort-the-sources.ipynb").write_text(json.dumps(notebook), encoding="utf-8")
    # nbgrader's copy follows links: this one would put the key inside the learner's sandbox
    links = submitted / "zed-links" / ASSIGNMENT
    shutil.copytree(submitted / honest / ASSIGNMENT, links)
    (links / "notes.csv").symlink_to(root / "data" / "articles" / "raqqa-2021" / "key.csv")
    stock = tmp_path / "stock"
    shutil.copytree(root, stock, symlinks=True)

    args = parse(ASSIGNMENT, "--course", str(root), "--jobs", "2", "--force",
                 "--student", "zed-broken", "--student", "zed-loops", "--student", honest,
                 "--student", "zed-links")
    assert autograde.run(args) == 1
    out = capsys.readouterr().out
    assert f"autograded {honest} (" in out
    assert "autograded zed-loops (" in out
    assert "FAILED zed-broken (" in out
    assert ("FAILED zed-links (0.0 s): not autograded: the submission holds more than plain "
            "files (notes.csv is a link).") in out
    assert "Autograded 2 of 4 submission(s)" in out
    assert not (root / "grading" / "autograded" / "zed-links").exists()
    # plain nbgrader through the course config refuses it too, before any learner code runs
    refused = subprocess.run(nbgrader_command("autograde", ASSIGNMENT, "--student", "zed-links"),
                             cwd=stock, env=nbgrader_environment(), capture_output=True, text=True)
    assert "the submission holds more than plain files (notes.csv is a link)" in (
        refused.stdout + refused.stderr)
    # (nbgrader removes the failed assignment's folder: the copied key goes with it)
    assert not (stock / "grading" / "autograded" / "zed-links" / ASSIGNMENT).exists()
    assert (autograde.log_dir(Course.open(root), ASSIGNMENT) / "zed-broken.log").is_file()

    demo.nbgrader(stock, "autograde", ASSIGNMENT, "--student", "zed-loops", "--force")
    ours = {k: v for k, v in gradebook_scores(root / DB, ASSIGNMENT).items() if k[0] == "zed-loops"}
    theirs = {k: v for k, v in gradebook_scores(stock / DB, ASSIGNMENT).items()
              if k[0] == "zed-loops"}
    assert len(ours) == 5 and ours == theirs
    assert ours[("zed-loops", "sort-the-sources", "part-1-grade")] is not None
    graded = json.loads((root / "grading" / "autograded" / "zed-loops" / ASSIGNMENT
                         / "sort-the-sources.ipynb").read_text())
    assert "KeyboardInterrupt" in json.dumps(graded["cells"][1]["outputs"])


@pytest.mark.nbgrader
def test_refuses_without_a_sandbox_unless_learner_code_is_trusted(demo_course, tmp_path):
    """A `bwrap` that cannot make namespaces (first on PATH): `readkit autograde` refuses and
    says why and what to install; with --trust-learner-code it grades, its summary says the
    code ran unsandboxed, mode.json records it and `readkit report` warns. Autograding the
    same learner again with the sandbox clears the warning."""
    root = tmp_path / "course"
    shutil.copytree(demo_course[0], root)
    fake = tmp_path / "fake-bin"
    fake.mkdir()
    (fake / "bwrap").write_text("#!/bin/sh\necho 'bwrap: No permissions to creating new "
                                "namespace' >&2\nexit 1\n")
    (fake / "bwrap").chmod(0o755)
    env = {k: v for k, v in os.environ.items() if k != "READKIT_COURSE"}
    no_sandbox = {**env, "PATH": os.pathsep.join([str(fake), str(Path(sys.executable).parent),
                                                  env.get("PATH", "")])}
    honest = of_kind(demo.HONEST)
    mode_file = autograde.log_dir(Course.open(root), ASSIGNMENT) / "mode.json"

    refused = readkit_cli(root, "autograde", ASSIGNMENT, "--student", honest, "--force",
                          env=no_sandbox)
    assert refused.returncode == 2
    assert "readkit autograde: Learner code cannot be sandboxed on this machine" in refused.stderr
    assert "unprivileged user namespaces" in refused.stderr
    assert "apt-get install bubblewrap" in refused.stderr
    assert "--trust-learner-code" in refused.stderr
    assert refused.stdout == ""

    trusted_run = readkit_cli(root, "autograde", ASSIGNMENT, "--student", honest, "--force",
                              "--trust-learner-code", env=no_sandbox)
    assert trusted_run.returncode == 0, trusted_run.stderr
    assert "Autograded 1 of 1 submission(s)" in trusted_run.stdout
    assert "Learner code ran WITHOUT a sandbox (--trust-learner-code)" in trusted_run.stdout
    assert json.loads(mode_file.read_text()) == {"sandboxed": False,
                                                  "unsandboxed_students": [honest]}
    report = readkit_cli(root, "report", ASSIGNMENT, env=env)
    assert report.returncode == 0, report.stderr
    assert "autograded WITHOUT a sandbox" in report.stdout
    page = (root / "grading" / "reports" / ASSIGNMENT / "report" / "index.html").read_text()
    assert "Learner code ran without a sandbox" in page

    again = readkit_cli(root, "autograde", ASSIGNMENT, "--student", honest, "--force", env=env)
    assert again.returncode == 0, again.stderr
    assert "WITHOUT a sandbox" not in again.stdout
    assert json.loads(mode_file.read_text())["sandboxed"] is True
    report = readkit_cli(root, "report", ASSIGNMENT, env=env)
    assert "WITHOUT a sandbox" not in report.stdout


# --- without nbgrader -----------------------------------------------------------------------


def test_refusal_names_the_problem_and_the_way_out(tmp_path, monkeypatch):
    from readkit.sandbox import bubblewrap as sandbox

    root = make_course(tmp_path)
    (root / "solutions" / ASSIGNMENT).mkdir(parents=True)
    monkeypatch.setattr(sandbox, "sandbox_available", lambda: "bubblewrap is not installed")
    with pytest.raises(GradingError) as refused:
        autograde.autograde_all(Course.open(root), ASSIGNMENT, jobs=1)
    message = str(refused.value)
    assert message.startswith("Learner code cannot be sandboxed on this machine: bubblewrap is "
                              "not installed.")
    assert "apt-get install bubblewrap" in message and "--trust-learner-code" in message


def test_mode_file_keeps_unsandboxed_learners_until_graded_again(tmp_path):
    course = Course.open(make_course(tmp_path))
    autograde.log_dir(course, ASSIGNMENT).mkdir(parents=True)
    assert autograde.read_mode(course, ASSIGNMENT) is None
    assert autograde.unsandboxed_warning(course, ASSIGNMENT) is None
    autograde.record_mode(course, ASSIGNMENT, ["ada", "bo"], sandboxed=True)
    assert autograde.read_mode(course, ASSIGNMENT) == {"sandboxed": True,
                                                       "unsandboxed_students": []}
    autograde.record_mode(course, ASSIGNMENT, ["bo", "cy"], sandboxed=False)
    autograde.record_mode(course, ASSIGNMENT, ["cy"], sandboxed=True)
    assert autograde.read_mode(course, ASSIGNMENT) == {"sandboxed": False,
                                                       "unsandboxed_students": ["bo"]}
    warning = autograde.unsandboxed_warning(course, ASSIGNMENT)
    assert warning.startswith(f"WARNING: the code of 1 submission(s) of {ASSIGNMENT} was "
                              "autograded WITHOUT a sandbox")
    autograde.record_mode(course, ASSIGNMENT, ["bo"], sandboxed=True)
    assert autograde.unsandboxed_warning(course, ASSIGNMENT) is None
    (autograde.log_dir(course, ASSIGNMENT) / "mode.json").write_text("[1, 2")
    assert autograde.read_mode(course, ASSIGNMENT) is None


def test_database_locked_is_retried(monkeypatch):
    calls = []

    def flaky(student, force_retry=False):
        calls.append(force_retry)
        if len(calls) < 3:
            return False, "locked", "sqlite3.OperationalError: database is locked"
        return True, "", "ok"

    monkeypatch.setattr(autograde, "_autograde_one", flaky)
    monkeypatch.setattr(autograde.time, "sleep", lambda seconds: None)
    monkeypatch.setattr(autograde, "_LOGS", None)
    result = autograde._grade("ada")
    assert result.ok and result.tries == 3 and calls == [False, True, True]
    assert autograde.progress_line(3, 12, result).startswith("[ 3/12] autograded ada (")
    assert "3 tries" in autograde.progress_line(3, 12, result)


def test_other_failures_are_not_retried(monkeypatch):
    monkeypatch.setattr(autograde, "_autograde_one",
                        lambda student, force_retry=False: (False, "No notebooks found", "log"))
    monkeypatch.setattr(autograde, "_LOGS", None)
    result = autograde._grade("bo")
    assert not result.ok and result.tries == 1 and result.error == "No notebooks found"
    assert autograde.progress_line(1, 1, result).startswith("[1/1] FAILED bo (")


@pytest.mark.sandbox  # the runner asks bwrap whether the sandbox works before anything else
def test_clear_errors_before_any_work(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("READKIT_COURSE", raising=False)
    root = make_course(tmp_path)
    shutil.copytree(REPO / "solutions", root / "solutions")
    assert autograde.run(parse(ASSIGNMENT, "--course", str(root))) == 2
    assert "run `readkit release 01-sort-the-sources` first" in capsys.readouterr().err
    assert autograde.run(parse("no-such-assignment", "--course", str(root))) == 2
    assert "There is no solutions/no-such-assignment" in capsys.readouterr().err
    (root / "nbgrader_config.py").write_text(  # nbgrader's default pipeline
        'c = get_config()\nc.CourseDirectory.source_directory = "solutions"\n')
    assert autograde.run(parse(ASSIGNMENT, "--course", str(root))) == 2
    err = capsys.readouterr().err
    assert "does not put readkit.nbgrader.preprocessors.SandboxedExecute" in err
    assert "learner code would run unsandboxed" in err
    assert autograde.run(parse(ASSIGNMENT, "--course", str(tmp_path / "nowhere"))) == 2
    assert "is not a course folder" in capsys.readouterr().err


def test_submitted_students_skip_links_and_hidden_folders(tmp_path):
    root = make_course(tmp_path)
    submitted = root / "grading" / "submitted"
    for student in ("ada", ".hidden", "bo"):
        (submitted / student / ASSIGNMENT).mkdir(parents=True)
    (submitted / "cy").mkdir()
    (submitted / "cy" / ASSIGNMENT).symlink_to(submitted / "ada" / ASSIGNMENT)
    (submitted / "dee").symlink_to(submitted / "bo")
    (submitted / "eve").mkdir()  # nothing for this assignment
    assert autograde.submitted_students(Course.open(root), ASSIGNMENT) == ["ada", "bo"]


def test_default_jobs_at_least_one():
    assert 1 <= autograde.default_jobs() <= autograde.MAX_DEFAULT_JOBS


def test_summary_lines():
    summary = autograde.AutogradeSummary(ASSIGNMENT, 4, seconds=10.0, runs=[
        autograde.StudentRun("a", True, 1.2), autograde.StudentRun("b", False, 0.4, error="boom")])
    lines = autograde.summary_lines(summary)
    assert lines[0] == (f"Autograded 1 of 2 submission(s) of {ASSIGNMENT} in 10.0 s "
                        "(5.00 s per submission, 4 workers).")
    assert lines[-1] == "  b: boom"
    assert not any("WITHOUT a sandbox" in line for line in lines)
    summary.trusted = True
    assert "Learner code ran WITHOUT a sandbox" in autograde.summary_lines(summary)[1]


def test_bench_stock_nbgrader_runs_the_default_pipeline(tmp_path):
    """The benchmark's (a): its command line replaces the course's pipeline with nbgrader's
    default one (plain Execute, no TrustedScores), as nbgrader merges command line over file."""
    from traitlets.config.loader import KVArgParseConfigLoader, PyFileConfigLoader

    from benchmarks import grading as bench

    root = make_course(tmp_path)
    options = [a for a in bench.stock_nbgrader_command(ASSIGNMENT) if a.startswith("--")]
    config = PyFileConfigLoader("nbgrader_config.py", path=str(root)).load_config()
    assert "SandboxedExecute" in str(config.Autograde.autograde_preprocessors)
    config.merge(KVArgParseConfigLoader(options).load_config())
    steps = config.Autograde.autograde_preprocessors
    assert steps == bench.default_pipeline()
    assert steps[0] == "nbgrader.preprocessors.execute.Execute"
    assert not any("readkit" in step for step in steps)


def test_bench_verdict_lines():
    from benchmarks import grading as bench

    result = {"nbgrader_seq_s_per_sub": 1.2, "sandboxed_s_per_sub": 0.36,
              "unsandboxed_s_per_sub": 0.33, "speedup": 3.33, "sandbox_cost": 1.09,
              "grade_1000_s": 1.1, "cores": 2, "load_average_1min": 0.5}
    lines = bench.verdict_lines(result)
    assert [line.split()[0] for line in lines] == ["met", "met", "met"]
    result.update(speedup=2.0, sandbox_cost=1.3)
    assert [line.split()[0] for line in bench.verdict_lines(result)] == ["MISSED", "MISSED",
                                                                          "met"]


def test_instructor_modules_are_light():
    """The grading path imports neither pandas nor nbgrader nor matplotlib nor nbformat."""
    code = ("import sys, readkit.results.grade, readkit.nbgrader.autograde,"
            " readkit.demo, readkit.results.report, benchmarks.grading;"
            "print(sorted(m for m in ('pandas', 'nbgrader', 'matplotlib', 'nbformat')"
            " if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True, cwd=REPO)
    assert done.stdout.strip() == "[]"


def test_summary_and_progress_lines_are_printable():
    """A student folder named with terminal escape sequences cannot rewrite the instructor's
    terminal (it once printed a fake "all graded" line)."""
    evil = "eve\x1b[2J\x1b[1;1HAutograded 30 of 30\r\n"
    summary = autograde.AutogradeSummary(ASSIGNMENT, 2, seconds=3.0, runs=[
        autograde.StudentRun(evil, False, 0.5, error="boom\x1b]0;owned\x07"),
        autograde.StudentRun("flo\x9b31m", True, 1.0, note="cell 2: dropped\x1b[0m")])
    lines = autograde.summary_lines(summary) + [
        autograde.progress_line(done, 2, run) for done, run in enumerate(summary.runs, 1)]
    text = "".join(lines)
    assert not any(ch in text for ch in "\x1b\x07\x9b\r\n")
    assert "  eve\\x1b[2J\\x1b[1;1HAutograded 30 of 30\\r\\n: boom\\x1b]0;owned\\x07" in lines
    assert "  flo\\x9b31m: cell 2: dropped\\x1b[0m" in lines
    assert lines[-1] == ("[2/2] autograded flo\\x9b31m (1.0 s); output over readkit's limits "
                         "dropped")


def test_a_dead_worker_row_says_what_happened_and_how_to_grade_again():
    assert autograde.died(ASSIGNMENT, "ada", -9) == (
        "the worker grading it died (killed by SIGKILL, e.g. for lack of memory); the others "
        "were graded by a new worker. Autograde it again: readkit autograde "
        f"{ASSIGNMENT} --student ada --force")
    assert autograde.died(ASSIGNMENT, "bo", 1).startswith("the worker grading it died (exit "
                                                          "code 1); ")


def test_outcomes_are_kept_until_a_learner_is_graded_cleanly(tmp_path):
    course = Course.open(make_course(tmp_path))
    autograde.log_dir(course, ASSIGNMENT).mkdir(parents=True)
    assert autograde.autograde_notes(course, ASSIGNMENT) == {}
    autograde.record_outcomes(course, ASSIGNMENT, [
        autograde.StudentRun("ada", False, 1.0, error="the worker grading it died"),
        autograde.StudentRun("bo", True, 1.0, note="cell 2: a message was dropped"),
        autograde.StudentRun("cy", True, 1.0)])
    assert autograde.autograde_notes(course, ASSIGNMENT) == {
        "ada": "autograde failed: the worker grading it died",
        "bo": "autograde dropped output over readkit's limits: cell 2: a message was dropped"}
    autograde.record_outcomes(course, ASSIGNMENT, [autograde.StudentRun("ada", True, 1.0)])
    assert list(autograde.autograde_notes(course, ASSIGNMENT)) == ["bo"]
    (autograde.log_dir(course, ASSIGNMENT) / autograde.OUTCOMES_FILE).write_text("[")
    assert autograde.autograde_notes(course, ASSIGNMENT) == {}


def test_output_notes_come_from_the_log_lines_of_output_limits():
    from readkit.nbgrader.output_limits import LOG_PREFIX

    log = (f"[INFO] Autograding\n[WARNING] {LOG_PREFIX}cell 2: a message was dropped\n"
           f"[WARNING] something else\n[WARNING] {LOG_PREFIX}cell 5: output was cut\n")
    assert autograde._output_notes(log) == "cell 2: a message was dropped; cell 5: output was cut"


# --- the nbgrader speed patches (readkit.nbgrader.patches) ---------------------------------


def test_nbgrader_patches_fit_the_installed_nbgrader():
    """Fails when nbgrader changes what the patches replace: then check them again on the new
    version and move patches.CHECKED_VERSIONS."""
    import nbgrader

    from readkit.nbgrader import patches

    assert patches.checked_version(nbgrader.__version__)
    assert patches.broken_assumptions() == []


def test_nbgrader_patches_are_skipped_where_they_were_not_checked(monkeypatch, caplog):
    import jsonschema
    import nbgrader.api
    import nbgrader.nbgraderformat.common as formats
    import sqlalchemy

    from readkit.nbgrader import patches

    monkeypatch.setattr(formats, "jsonschema", jsonschema)
    monkeypatch.setattr(nbgrader.api, "create_engine", sqlalchemy.create_engine)
    monkeypatch.setattr(patches, "version", lambda name: "0.10.1")
    with caplog.at_level("WARNING"):
        assert patches.apply() is False
    assert "nbgrader 0.10.1 is outside 0.9.3 to 0.10.0 (not included)" in caplog.text
    assert formats.jsonschema is jsonschema
    assert nbgrader.api.create_engine is sqlalchemy.create_engine

    monkeypatch.setattr(patches, "version", lambda name: "0.9.6")
    monkeypatch.setattr(formats, "jsonschema", object())  # no longer the jsonschema module
    assert patches.broken_assumptions() == [
        "nbgrader.nbgraderformat.common.jsonschema is not the jsonschema module"]
    assert patches.apply() is False
    assert "is not as its speed patches assume" in caplog.text

    monkeypatch.setattr(formats, "jsonschema", jsonschema)
    assert patches.apply() is True
    assert isinstance(formats.jsonschema, patches._CheckedSchemas)
    assert nbgrader.api.create_engine("sqlite://") is nbgrader.api.create_engine("sqlite://")


def test_checked_schemas_raise_what_jsonschema_raises():
    import jsonschema

    from readkit.nbgrader import patches

    schema = {"type": "object", "properties": {"points": {"type": "number"}},
              "required": ["points"]}
    checked = patches._CheckedSchemas(jsonschema)
    assert checked.validate({"points": 2}, schema) is None
    for bad in ({"points": "two"}, {}):
        with pytest.raises(jsonschema.ValidationError) as ours:
            checked.validate(bad, schema)
        with pytest.raises(jsonschema.ValidationError) as theirs:
            jsonschema.validate(bad, schema)
        assert ours.value.message == theirs.value.message
    with pytest.raises(jsonschema.SchemaError):
        checked.validate({}, {"type": "no-such-type"})
