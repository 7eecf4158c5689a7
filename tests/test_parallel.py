"""readkit.parallel (parallel autograde) and readkit.demo end to end.

The nbgrader-marked tests share one demo course of 4 learners (`readkit demo --students 4
--jobs 2`: release, synthetic submissions, parallel autograde, grade, report). Its gradebook is
compared with a sequential `nbgrader autograde --force` of a copy of the same course.
"""

import argparse
import json
import shutil
from pathlib import Path

import pytest
from test_gradebook import make_course

from readkit import demo, gradebook, parallel
from readkit.bench_grading import gradebook_scores

ASSIGNMENT = demo.ASSIGNMENT


@pytest.fixture(scope="module")
def demo_course(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo") / "course"
    lines = []
    index = demo.run_demo(students=4, out=out, jobs=2, say=lines.append)
    return out, index, lines


def cheat_of(root: Path) -> str:
    return next(p.student for p in demo.learners(4) if p.kind == demo.CHEAT)


@pytest.mark.nbgrader
def test_demo_end_to_end(demo_course):
    root, index, lines = demo_course
    text = "\n".join(lines)
    assert index == root / "grading" / "reports" / ASSIGNMENT / "report" / "index.html"
    assert index.is_file() and (index.parent.parent / "lms.csv").is_file()
    progress = [line for line in lines if line.startswith("[")]
    assert [line[:5] for line in progress] == ["[1/4]", "[2/4]", "[3/4]", "[4/4]"]
    assert all(" autograded " in line and line.endswith(" s)") for line in progress)
    assert "Autograded" not in text or "FAILED" not in text
    cheat = cheat_of(root)
    assert f"FLAGGED {cheat}: nbgrader differs" in text
    rows = (root / "grading" / "reports" / ASSIGNMENT / "grades.csv").read_text().splitlines()
    flagged = [row.split(",")[0] for row in rows[1:] if row.endswith(",MISMATCH")]
    assert flagged == [cheat]
    assert any(",corrupt," in row for row in rows)
    assert f"Report: {index}" in text


@pytest.mark.nbgrader
def test_parallel_gives_the_same_gradebook_as_sequential(demo_course, tmp_path):
    root, _, _ = demo_course
    copy = tmp_path / "sequential"
    shutil.copytree(root, copy)
    demo.nbgrader(copy, "autograde", ASSIGNMENT, "--force")
    db = Path("grading") / "gradebook.db"
    in_parallel = gradebook_scores(root / db, ASSIGNMENT)
    in_sequence = gradebook_scores(copy / db, ASSIGNMENT)
    assert len(in_parallel) == 4 * 6  # 4 learners x (4 sections, the rewrite choice and text)
    assert in_parallel == in_sequence
    cheat = cheat_of(root)
    assert in_parallel[(cheat, "sort-the-sources", "part-1-grade")] == 7.5  # fooled, as expected


@pytest.mark.nbgrader
def test_parallel_goes_on_past_a_failure_and_interrupts_a_loop(demo_course, tmp_path, capsys):
    """A broken notebook fails alone; a learner cell that never ends is interrupted at the
    course's Execute.timeout (through the forked kernel's signals) and the submission is graded
    as stock nbgrader grades it."""
    root = tmp_path / "course"
    shutil.copytree(demo_course[0], root)
    with (root / "nbgrader_config.py").open("a", encoding="utf-8") as config:
        config.write("\nc.Execute.timeout = 3  # test: interrupt the looping cell soon\n")
    submitted = root / "grading" / "submitted"
    honest = next(p.student for p in demo.learners(4) if p.kind == demo.HONEST)
    broken = submitted / "zed-broken" / ASSIGNMENT
    broken.mkdir(parents=True)
    (broken / "sort-the-sources.ipynb").write_text("{ this is not a notebook", encoding="utf-8")
    loops = submitted / "zed-loops" / ASSIGNMENT
    shutil.copytree(submitted / honest / ASSIGNMENT, loops)
    notebook = json.loads((loops / "sort-the-sources.ipynb").read_text(encoding="utf-8"))
    notebook["cells"].insert(1, {"cell_type": "code", "execution_count": None, "id": "loop",
                                 "metadata": {}, "outputs": [], "source": "while True:\n    pass\n"})
    (loops / "sort-the-sources.ipynb").write_text(json.dumps(notebook), encoding="utf-8")
    stock = tmp_path / "stock"
    shutil.copytree(root, stock)

    parser = argparse.ArgumentParser()
    parallel.add_arguments(parser)
    args = parser.parse_args([ASSIGNMENT, "--course", str(root), "--jobs", "2", "--force",
                              "--student", "zed-broken", "--student", "zed-loops",
                              "--student", honest])
    assert parallel.run(args) == 1
    out = capsys.readouterr().out
    assert f"autograded {honest} (" in out
    assert "autograded zed-loops (" in out
    assert "FAILED zed-broken (" in out
    assert "Autograded 2 of 3 submission(s)" in out
    assert (root / "grading" / "logs" / "autograde" / ASSIGNMENT / "zed-broken.log").is_file()

    demo.nbgrader(stock, "autograde", ASSIGNMENT, "--student", "zed-loops", "--force")
    db = Path("grading") / "gradebook.db"
    ours = {k: v for k, v in gradebook_scores(root / db, ASSIGNMENT).items() if k[0] == "zed-loops"}
    theirs = {k: v for k, v in gradebook_scores(stock / db, ASSIGNMENT).items()
              if k[0] == "zed-loops"}
    assert len(ours) == 6 and ours == theirs
    assert ours[("zed-loops", "sort-the-sources", "part-1-grade")] is not None


# --- without nbgrader -----------------------------------------------------------------------


def test_database_locked_is_retried(monkeypatch):
    calls = []

    def flaky(student, force_retry=False):
        calls.append(force_retry)
        if len(calls) < 3:
            return False, "locked", "sqlite3.OperationalError: database is locked"
        return True, "", "ok"

    monkeypatch.setattr(parallel, "_autograde_one", flaky)
    monkeypatch.setattr(parallel.time, "sleep", lambda seconds: None)
    monkeypatch.setattr(parallel, "_LOGS", None)
    result = parallel._grade("ada")
    assert result.ok and result.tries == 3 and calls == [False, True, True]
    assert parallel.progress_line(3, 12, result).startswith("[ 3/12] autograded ada (")
    assert "3 tries" in parallel.progress_line(3, 12, result)


def test_other_failures_are_not_retried(monkeypatch):
    monkeypatch.setattr(parallel, "_autograde_one",
                        lambda student, force_retry=False: (False, "No notebooks found", "log"))
    monkeypatch.setattr(parallel, "_LOGS", None)
    result = parallel._grade("bo")
    assert not result.ok and result.tries == 1 and result.error == "No notebooks found"
    assert parallel.progress_line(1, 1, result).startswith("[1/1] FAILED bo (")


def test_clear_errors_before_any_work(tmp_path, capsys):
    root = make_course(tmp_path)
    shutil.copytree(Path(__file__).resolve().parents[1] / "solutions", root / "solutions")
    parser = argparse.ArgumentParser()
    parallel.add_arguments(parser)
    assert parallel.run(parser.parse_args([ASSIGNMENT, "--course", str(root)])) == 2
    assert "run `nbgrader generate_assignment 01-sort-the-sources` first" in \
        capsys.readouterr().err
    assert parallel.run(parser.parse_args(["no-such-assignment", "--course", str(root)])) == 2
    assert "There is no solutions/no-such-assignment" in capsys.readouterr().err


def test_default_jobs_at_least_cores():
    assert parallel.default_jobs() >= 1
    assert parallel.default_jobs() <= parallel.MAX_DEFAULT_JOBS


def test_summary_lines():
    summary = parallel.AutogradeSummary(ASSIGNMENT, 4, seconds=10.0, runs=[
        parallel.StudentRun("a", True, 1.2), parallel.StudentRun("b", False, 0.4, error="boom")])
    lines = parallel.summary_lines(summary)
    assert lines[0] == (f"Autograded 1 of 2 submission(s) of {ASSIGNMENT} in 10.0 s "
                        "(5.00 s per submission, 4 workers).")
    assert lines[-1] == "  b: boom"


def test_bench_json_keys():
    from readkit import bench_grading

    result = {"nbgrader_seq_s_per_sub": 1.2, "parallel_s_per_sub": 0.4, "speedup": 3.0,
              "grade_1000_s": 1.1, "cores": 2, "load_average_1min": 0.5}
    lines = bench_grading.verdict_lines(result)
    assert all(line.startswith("met ") for line in lines)
    assert list(json.loads(json.dumps(result)))[:4] == [
        "nbgrader_seq_s_per_sub", "parallel_s_per_sub", "speedup", "grade_1000_s"]


def test_gradebook_module_is_light():
    """The grading path imports neither pandas nor nbgrader nor matplotlib."""
    import subprocess
    import sys

    code = ("import sys, readkit.gradebook, readkit.parallel, readkit.demo, readkit.report,"
            " readkit.bench_grading;"
            "print(sorted(m for m in ('pandas', 'nbgrader', 'matplotlib', 'nbformat')"
            " if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    assert done.stdout.strip() == "[]"
    assert gradebook  # imported here too


def test_grading_kernelspecs_skip_only_the_debugger(tmp_path):
    """The kernelspecs put first on JUPYTER_PATH for the workers: same name, same Python and
    arguments as the installed ones, forked by the fork server (this Python), and started
    without importing debugpy when not forked."""
    import subprocess
    import sys

    from jupyter_client.kernelspec import KernelSpecManager

    names = parallel.write_grading_kernelspecs(tmp_path)
    assert "python3" in names
    original = KernelSpecManager().get_kernel_spec("python3")
    spec = json.loads((tmp_path / "kernels" / "python3" / "kernel.json").read_text())
    assert spec["argv"][0] == original.argv[0]
    assert spec["argv"][1] == "-c" and spec["argv"][3:] == original.argv[3:]
    assert spec["language"] == original.language
    assert spec["metadata"]["kernel_provisioner"] == {"provisioner_name": parallel.PROVISIONER}
    assert "kernel_provisioner" not in json.loads(
        (parallel.write_grading_kernelspecs(tmp_path / "plain", fork=False) and
         (tmp_path / "plain" / "kernels" / "python3" / "kernel.json")).read_text())["metadata"]
    # the start-up code runs ipykernel's launcher with debugpy unavailable
    code = spec["argv"][2].replace("kernelapp.launch_new_instance()",
                                   "import ipykernel.debugger as d; print(d._is_debugpy_available)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    assert done.stdout.strip() == "False"


def test_forked_kernel_is_a_fresh_kernel(tmp_path, monkeypatch):
    """A kernel forked by the fork server: its own process and namespace, the working folder
    and environment jupyter_client asked for, interruptible, and gone after shutdown."""
    import os
    import time

    from jupyter_client.manager import start_new_kernel

    parallel.write_grading_kernelspecs(tmp_path / "specs")
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "specs"))
    monkeypatch.setenv("READKIT_TEST_MARK", "forked")
    parallel.register_provisioner()
    outputs = []
    kernels = []
    for _ in range(2):
        km, kc = start_new_kernel(kernel_name="python3", cwd=str(tmp_path))
        kernels.append(km)
        assert type(km.provisioner).__name__ == "ForkingProvisioner"
        reply = kc.execute_interactive(
            "import os; print(os.getpid(), os.getcwd(), os.environ['READKIT_TEST_MARK'],"
            " 'x' in globals()); x = 1", timeout=30,
            output_hook=lambda m: outputs.append(m["content"].get("text", "")))
        assert reply["content"]["status"] == "ok"
        msg_id = kc.execute("while True: pass")
        while True:  # interrupt once the loop runs (an idle ipykernel ignores SIGINT)
            message = kc.get_iopub_msg(timeout=30)
            if (message["msg_type"] == "execute_input"
                    and message["parent_header"].get("msg_id") == msg_id):
                break
        time.sleep(0.2)
        km.interrupt_kernel()
        reply = kc.get_shell_msg(timeout=30)
        assert reply["content"]["ename"] == "KeyboardInterrupt"
        kc.stop_channels()
        km.shutdown_kernel()
        assert not km.is_alive()
    first, second = (line.split() for line in "".join(outputs).strip().splitlines())
    assert first[0] != second[0]  # two processes
    assert first[1:] == second[1:] == [str(tmp_path), "forked", "False"]  # fresh namespace
    for pid in (int(first[0]), int(second[0])):
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)
