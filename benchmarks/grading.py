"""`readkit bench grading`: how fast a class is graded, in one run, on a temporary course.

(a) stock `nbgrader autograde ASSIGNMENT` (one process, all students in turn) on N synthetic
    submissions; (b) `readkit autograde ASSIGNMENT --jobs J` on the same submissions, from the
    same clean gradebook, then a check that both gradebooks hold the same scores; (c) `readkit
    grade` + `readkit report` of 1,000 submissions (the N autograded ones and synthetic
    answers.json files for the rest). Every command runs in its own process, as an instructor
    would run it, so start-up and imports are counted.

The last line printed is one JSON object:
{"nbgrader_seq_s_per_sub": ..., "parallel_s_per_sub": ..., "speedup": ..., "grade_1000_s": ...,
 ...details}. Goals on a 2-core machine: speedup >= 2.4, <= 0.5 s per submission in parallel,
grade + report of 1,000 < 2 s.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from readkit.course.course import Course
from readkit.instructor.grade import GradingError

ASSIGNMENT = "01-sort-the-sources"
GOALS = {"speedup": 2.4, "parallel_s_per_sub": 0.5, "grade_1000_s": 2.0}

# How a readkit subcommand runs in its own process (what the CLI wiring does: import the
# module, build its parser, call run).
_RUNNER = (
    "import argparse, importlib, sys\n"
    "module = importlib.import_module(sys.argv[1])\n"
    "parser = argparse.ArgumentParser(prog='readkit')\n"
    "module.add_arguments(parser)\n"
    "sys.exit(module.run(parser.parse_args(sys.argv[2:])))\n"
)


def readkit_command(module: str, *args: str) -> list[str]:
    return [sys.executable, "-c", _RUNNER, f"readkit.{module}", *args]


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _timed(command: list[str], root: Path, env: dict[str, str]) -> tuple[float, float, str]:
    """Run a command: (wall seconds, CPU seconds of it and all its children, stdout)."""
    cpu = _children_cpu()
    start = time.perf_counter()
    done = subprocess.run(command, cwd=root, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    cpu = _children_cpu() - cpu
    if done.returncode not in (0, 1):  # readkit autograde exits 1 when a submission failed
        raise GradingError(f"{' '.join(command[:1] + command[3:])} failed "
                           f"(exit {done.returncode}):\n{(done.stderr or done.stdout)[-3000:]}")
    return seconds, cpu, done.stdout


def gradebook_scores(db: Path, assignment: str) -> dict[tuple[str, str, str], float | None]:
    """(student, notebook, cell) -> autograde score, for every grade cell of `assignment`."""
    connection = sqlite3.connect(f"{db.resolve().as_uri()}?mode=ro", uri=True)
    try:
        rows = connection.execute(
            """SELECT sa.student_id, n.name, bc.name, g.auto_score FROM grade g
               JOIN submitted_notebook sn ON g.notebook_id = sn.id
               JOIN submitted_assignment sa ON sn.assignment_id = sa.id
               JOIN assignment a ON sa.assignment_id = a.id
               JOIN base_cell bc ON g.cell_id = bc.id
               JOIN notebook n ON bc.notebook_id = n.id
               WHERE a.name = ?""", (assignment,)).fetchall()
    finally:
        connection.close()
    return {(s, n, c): score for s, n, c, score in rows}


def reference_cpu_s() -> float:
    """CPU seconds of a fixed pure-Python loop (about 0.45 s on an idle 2020s laptop core):
    how fast this machine's CPU was during the run, for comparing runs on busy machines."""
    start = time.process_time()
    total = 0
    for number in range(10_000_000):
        total += number
    return round(time.process_time() - start, 3)


def load_average() -> float | None:
    try:
        return round(os.getloadavg()[0], 2)
    except OSError:
        return None


def run_bench(
    submissions: int = 20, jobs: int | None = None, big: int = 1000,
    source: Path | None = None, keep: Path | None = None, say=print, repeat: int = 1,
) -> dict:
    from readkit.instructor import autograde as parallel
    from readkit.instructor import demo

    source = Course.open(source or Path(".")).root
    jobs = jobs or parallel.default_jobs()
    workdir = Path(keep) if keep else Path(tempfile.mkdtemp(prefix="readkit-bench-"))
    root = (workdir / "course").resolve()
    if root.exists():
        raise GradingError(f"{root} exists already; give an empty folder with --keep.")
    reference = reference_cpu_s()
    try:
        say(f"setting up a course in {root} (nbgrader generate_assignment, "
            f"{submissions} submissions)")
        demo.copy_course(source, root)
        env = demo.tool_env(root)
        release = demo.generate_assignment(root, ASSIGNMENT)
        demo.make_class(root, ASSIGNMENT, submissions, release=release)
        db = root / "grading" / "gradebook.db"
        clean = workdir / "gradebook.clean.db"
        shutil.copy(db, clean)

        from readkit.instructor.release import nbgrader_command

        seq, par, same, failed = [], [], True, []
        for attempt in range(1, repeat + 1):
            shutil.rmtree(root / "grading" / "autograded", ignore_errors=True)
            shutil.copy(clean, db)
            say(f"(a) nbgrader autograde {ASSIGNMENT}: {submissions} submissions, one process"
                + (f" (run {attempt} of {repeat})" if repeat > 1 else ""))
            wall, cpu, _ = _timed(nbgrader_command("autograde", ASSIGNMENT), root, env)
            seq.append((wall, cpu))
            sequential_scores = gradebook_scores(db, ASSIGNMENT)
            say(f"    {wall:.1f} s, {wall / submissions:.2f} s per submission "
                f"(CPU {cpu / submissions:.2f} s per submission)")

            shutil.rmtree(root / "grading" / "autograded")
            shutil.copy(clean, db)
            say(f"(b) readkit autograde {ASSIGNMENT} --jobs {jobs}")
            wall, cpu, out = _timed(
                readkit_command("parallel", ASSIGNMENT, "--jobs", str(jobs)), root, env)
            par.append((wall, cpu))
            failed = [line for line in out.splitlines() if " FAILED " in line]
            same = same and gradebook_scores(db, ASSIGNMENT) == sequential_scores
            say(f"    {wall:.1f} s, {wall / submissions:.2f} s per submission "
                f"(CPU {cpu / submissions:.2f} s per submission); gradebook "
                f"{'identical to' if same else 'DIFFERENT from'} sequential"
                + (f"; {len(failed)} failed" if failed else ""))

        say(f"(c) readkit grade + report, {big} submissions")
        demo.make_class(root, ASSIGNMENT, big, seed=7, start=submissions, cheat=False)
        grade_s, _, _ = _timed(readkit_command("gradebook", ASSIGNMENT), root, env)
        # `readkit report` grades the class itself (grades.csv, units.csv) and then writes the
        # report and lms.csv: it is the one command an instructor runs for grades + report.
        report_s, _, _ = _timed(readkit_command("report", ASSIGNMENT), root, env)
        say(f"    readkit grade alone {grade_s:.2f} s; readkit report (grade + report) "
            f"{report_s:.2f} s")
    finally:
        if keep is None:
            shutil.rmtree(workdir, ignore_errors=True)
    # The fastest of the repeats: other work on the machine only ever slows a run down.
    seq_s, seq_cpu = min(seq)
    par_s, par_cpu = min(par)
    per_seq, per_par = seq_s / submissions, par_s / submissions
    return {
        "nbgrader_seq_s_per_sub": round(per_seq, 3),
        "parallel_s_per_sub": round(per_par, 3),
        "speedup": round(per_seq / per_par, 2),
        "grade_1000_s": round(report_s, 3),
        "grade_s": round(grade_s, 3),
        "report_s": round(report_s, 3),
        "nbgrader_seq_cpu_s_per_sub": round(seq_cpu / submissions, 3),
        "parallel_cpu_s_per_sub": round(par_cpu / submissions, 3),
        "submissions": submissions,
        "repeats": repeat,
        "graded_submissions": big,
        "jobs": jobs,
        "cores": os.cpu_count(),
        "gradebooks_identical": same,
        "failed": len(failed),
        "load_average_1min": load_average(),
        "reference_cpu_s": round((reference + reference_cpu_s()) / 2, 3),
    }


def verdict_lines(result: dict) -> list[str]:
    lines = []
    checks = [
        ("speedup", result["speedup"] >= GOALS["speedup"], f">= {GOALS['speedup']}"),
        ("parallel_s_per_sub", result["parallel_s_per_sub"] <= GOALS["parallel_s_per_sub"],
         f"<= {GOALS['parallel_s_per_sub']} s"),
        ("grade_1000_s", result["grade_1000_s"] < GOALS["grade_1000_s"],
         f"< {GOALS['grade_1000_s']} s"),
    ]
    for name, ok, goal in checks:
        lines.append(f"{'met ' if ok else 'MISSED'} {name} = {result[name]} (goal {goal})")
    if result.get("load_average_1min") and result["load_average_1min"] > (result["cores"] or 1):
        lines.append(f"note: the machine was busy (load {result['load_average_1min']} on "
                     f"{result['cores']} cores); timings are pessimistic.")
    return lines


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.description = (
        "Time (a) sequential nbgrader autograde of N synthetic submissions, (b) readkit "
        "autograde --jobs on the same, (c) readkit grade + report of 1,000 submissions, in a "
        "temporary course. The last line is one JSON object with the figures."
    )
    parser.add_argument("--submissions", type=int, default=20, metavar="N",
                        help="submissions to autograde in (a) and (b) (default 20)")
    parser.add_argument("--jobs", "-j", type=int, metavar="N",
                        help="workers for (b) (default: 2 per CPU core, at most 8)")
    parser.add_argument("--graded", type=int, default=1000, metavar="N",
                        help="submissions graded and reported in (c) (default 1000)")
    parser.add_argument("--repeat", type=int, default=1, metavar="N",
                        help="run (a) and (b) N times, alternating, and keep the fastest of each "
                             "(for busy machines; default 1)")
    parser.add_argument("--keep", type=Path, metavar="DIR",
                        help="build the course in DIR and keep it (default: a temporary folder, "
                             "deleted afterwards)")
    parser.add_argument("--course", type=Path, metavar="DIR",
                        help="course to copy (default: this course)")


def run(args: argparse.Namespace) -> int:
    if args.submissions < 1 or args.graded < args.submissions or args.repeat < 1:
        print("readkit bench grading: need 1 <= --submissions <= --graded and --repeat >= 1.",
              file=sys.stderr)
        return 2
    try:
        result = run_bench(args.submissions, args.jobs, args.graded, args.course, args.keep,
                           say=lambda line: print(line, flush=True), repeat=args.repeat)
    except GradingError as error:
        print(f"readkit bench grading: {error}", file=sys.stderr)
        return 2
    for line in verdict_lines(result):
        print(line)
    print(json.dumps(result))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="readkit bench grading")
    add_arguments(parser)
    return run(parser.parse_args(argv))


if __name__ == "__main__":  # python -m benchmarks.grading (make bench)
    sys.exit(main())
