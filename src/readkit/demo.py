"""A simulated class, end to end through the real instructor tools (`readkit demo`).

The class takes the pre-test (before lesson 1), assignment 01 and the post-test (after 01);
every learner's ability improves by a known amount (GAIN, on the simulated learners' logit
scale) between the two tests, and the gain report measures it. The synthetic submissions are
also what the benchmark (`readkit bench grading`) and the tests use:

- each learner has an ability, each unit a difficulty (readkit.grading.simulated: by its key
  label, meta easy, claim and commentary hard, plus the unit's own offset), and P(right) =
  logistic(ability - difficulty); wrong answers follow a confusion pattern;
- on 01 a few learners hand in no answers.json or an empty one, one a corrupt file, and one
  tries to cheat: an extra cell replaces the scoring function and rewrites its own answers.json
  with the key's labels. It runs in the sandbox, which has no key, and the points come from the
  files as submitted: the cheat changes nothing;
- on the tests each learner works on the form the counterbalancing plan gives them, and one
  learner misses the post-test (the gain report lists them).

Everything is seeded: the same seed gives the same class.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from readkit.course.answers import ANSWERS_FILE, write_answers
from readkit.course.course import DATA, Course
from readkit.course.errors import CourseError, GradingError
from readkit.course.forms import TESTS_FILE
from readkit.grading import simulated
from readkit.grading.trusted import SorterAssignment

ASSIGNMENT = "01-sort-the-sources"
# The class's abilities before the unit (mean, SD on the logit scale) and what the unit adds to
# every learner's ability: the known improvement the gain report must find.
PRE_ABILITY = (-0.3, 0.8)
GAIN = 1.0

FIRST_NAMES = (
    "Ada", "Bruno", "Chiara", "Dmitri", "Esi", "Farid", "Greta", "Hiro", "Ines", "Jonas",
    "Kemi", "Luca", "Mira", "Nikhil", "Olga", "Pablo", "Qiu", "Rosa", "Samir", "Tove",
    "Umar", "Vera", "Wen", "Ximena", "Yusuf", "Zoe", "Amara", "Bela", "Cyril", "Dalia",
    "Emeka", "Freya", "Goran", "Hana", "Ivo", "Jana", "Kofi", "Lena", "Mateo", "Nadia",
)
LAST_NAMES = (
    "Abara", "Berg", "Costa", "Dubois", "Eze", "Fischer", "Garcia", "Horvat", "Ito", "Jensen",
    "Kowalski", "Lindqvist", "Moreau", "Nakamura", "Okafor", "Petrov", "Quinn", "Rossi",
    "Schmidt", "Tanaka", "Ulloa", "Varga", "Weber", "Xu", "Yilmaz", "Zeller", "Alves", "Brandt",
    "Chen", "Dahl", "Engel", "Ferrari", "Gruber", "Haddad", "Ivanova", "Jovic", "Kim", "Lopez",
    "Mensah", "Novak",
)

# Kinds of synthetic submission.
HONEST, EMPTY, NO_FILE, CORRUPT_FILE, CHEAT = "honest", "empty", "no-file", "corrupt", "cheat"

CHEAT_CELL = (
    "# (a learner's extra cell) make every grading cell give full marks, and try to read the key\n"
    "import readkit.grading.scoring\n"
    "readkit.grading.scoring.section_points = lambda results, max_points: float(max_points)\n"
    "try:\n"
    "    print(open('../../../../data/articles/raqqa-2021/key.csv').read())\n"
    "except OSError as error:\n"
    "    print('no key:', error)\n"
)


@dataclass(frozen=True)
class Learner:
    student: str
    first_name: str
    last_name: str
    kind: str = HONEST


def learners(count: int, seed: int = 2021, bad: bool = True, cheat: bool = True) -> list[Learner]:
    """`count` learners with distinct ids (first-last). From 3 learners: one cheat attempt
    (`cheat`) and one corrupt answers.json (`bad`); from 10, also one with no answers.json and
    one or more (1 + count // 30) with an empty one. The kinds go to seeded random learners."""
    limit = len(FIRST_NAMES) * len(LAST_NAMES)
    if not 1 <= count <= limit:
        raise ValueError(f"the number of students must be between 1 and {limit}, not {count}")
    people = []
    for index in range(count):
        first = FIRST_NAMES[index % len(FIRST_NAMES)]
        last = LAST_NAMES[(index // len(FIRST_NAMES) + index) % len(LAST_NAMES)]
        people.append((f"{first}-{last}".lower(), first, last))
    kinds = []
    if cheat and count >= 3:
        kinds.append(CHEAT)
    if bad and count >= 3:
        kinds.append(CORRUPT_FILE)
    if bad and count >= 10:
        kinds += [NO_FILE] + [EMPTY] * (1 + count // 30)
    picked = random.Random(seed).sample(range(count), len(kinds))
    kind_of = dict(zip(picked, kinds, strict=True))
    return [Learner(s, f, la, kind_of.get(i, HONEST)) for i, (s, f, la) in enumerate(people)]


def class_answers(data: SorterAssignment, people: list[Learner], seed: int) -> dict[str, dict]:
    """student -> answers (for honest and cheating learners)."""
    rng = random.Random(seed)
    offsets = simulated.unit_offsets(data, rng)
    result = {}
    for person in people:
        ability = rng.gauss(1.1, 0.9)
        answers = simulated.simulate_answers(data, ability, rng, offsets)
        if person.kind == CHEAT:  # a weak learner who hopes the notebook will cover for them
            answers = simulated.simulate_answers(data, -0.8, rng, offsets)
        result[person.student] = answers
    return result


def abilities(people: list[Learner], seed: int) -> dict[str, float]:
    """Each learner's ability before the unit (logit scale): most cannot yet tell the labels
    apart well."""
    rng = random.Random(seed * 7 + 1)
    return {person.student: rng.gauss(*PRE_ABILITY) for person in people}


def test_answers(plan: SorterAssignment, people: list[Learner], ability: dict[str, float],
                 seed: int) -> tuple[dict[str, dict], dict[str, str]]:
    """A test's answers for every learner, each on the form the plan gives them: (student ->
    answers, student -> the article of their form). Each form's sentences have their own
    difficulty offsets (the forms are parallel, not identical)."""
    offsets = {form: simulated.unit_offsets(form_plan, random.Random(f"{seed}-{form}"))
               for form, form_plan in plan.forms.items()}
    rng = random.Random(f"{seed}-{plan.assignment}")
    answers, articles = {}, {}
    for person in people:
        form = plan.test.planned_form(person.student).form
        answers[person.student] = simulated.simulate_answers(
            plan.forms[form], ability[person.student], rng, offsets[form])
        articles[person.student] = plan.forms[form].article
    return answers, articles


# --- files ----------------------------------------------------------------------------------


def _notebook_for(path: Path, person: Learner, answers: dict[str, str]) -> str:
    """The released notebook as this learner hands it in (JSON text)."""
    notebook = json.loads(path.read_text(encoding="utf-8"))
    cells = notebook.get("cells", [])
    commentary = sorted(u for u, label in answers.items() if label == "commentary")
    for cell in cells:
        grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        if grade_id == "rewrite-choice" and commentary:
            cell["source"] = f'chosen_unit = "{commentary[0]}"\n'
    if person.kind == CHEAT:
        cells.insert(1, {"cell_type": "code", "execution_count": None, "id": "cheat-attempt",
                         "metadata": {}, "outputs": [], "source": CHEAT_CELL})
    return json.dumps(notebook, indent=1) + "\n"


def write_submissions(
    course: Course, assignment: str, people: list[Learner], answers: dict[str, dict],
    release: Path | None = None, articles: dict[str, str] | None = None,
) -> None:
    """<submitted>/<student>/<assignment>/: the released files (from `release`, e.g.
    exercises/<assignment>; None: answers.json only) and the learner's answers.json, written
    for the assignment's article (a test: each learner's `articles`, their form's)."""
    base = course.layout.submitted
    article = None if articles else course.article_for(assignment).slug
    released = sorted(p for p in release.iterdir() if p.is_file()) if release else []
    for person in people:
        folder = base / person.student / assignment
        folder.mkdir(parents=True, exist_ok=True)
        for source in released:
            if source.name == ANSWERS_FILE:
                continue
            if source.suffix == ".ipynb":
                text = _notebook_for(source, person, answers.get(person.student, {}))
                (folder / source.name).write_text(text, encoding="utf-8")
            else:
                shutil.copyfile(source, folder / source.name)
        target = folder / ANSWERS_FILE
        target.unlink(missing_ok=True)
        if person.kind == NO_FILE:
            continue
        if person.kind == CORRUPT_FILE:
            target.write_text('{"version": 1, "assignment": "' + assignment + '", "answers": {"p4',
                              encoding="utf-8")
        elif person.kind == EMPTY:
            write_answers(target, assignment, {},
                          articles[person.student] if articles else article)
        else:
            write_answers(target, assignment, answers[person.student],
                          articles[person.student] if articles else article)


def make_class(course: Course, assignment: str, count: int, seed: int = 2021,
               release: Path | None = None, bad: bool = True, cheat: bool = True,
               start: int = 0) -> list[Learner]:
    """Write `count` synthetic submissions into `course` (only learners from index `start` on:
    a class can be grown without touching who is there); returns those written."""
    data = SorterAssignment.from_course(course, assignment)
    people = learners(count, seed, bad=bad, cheat=cheat)[start:]
    write_submissions(course, assignment, people, class_answers(data, people, seed), release)
    return people


def copy_course(source: Path, dest: Path) -> Path:
    """The course files a demo needs (config, settings, data, solutions), not grading/ or git."""
    dest.mkdir(parents=True, exist_ok=True)
    for name in ("nbgrader_config.py", "readkit.toml"):
        if (source / name).is_file():
            shutil.copy2(source / name, dest / name)
    for name in ("data", "solutions"):
        if (source / name).is_dir():
            shutil.copytree(source / name, dest / name, dirs_exist_ok=True,
                            ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__",
                                                          ANSWERS_FILE))
    return dest


def nbgrader(root: Path, *args: str) -> subprocess.CompletedProcess:
    """Run `nbgrader ARGS` at the course root with this environment's tools."""
    from readkit.nbgrader.release import nbgrader_command, nbgrader_environment

    done = subprocess.run(nbgrader_command(*args), cwd=root, env=nbgrader_environment(),
                          capture_output=True, text=True)
    if done.returncode != 0:
        raise GradingError(f"`nbgrader {' '.join(args)}` failed (exit {done.returncode}):\n"
                           + (done.stderr or done.stdout)[-3000:])
    return done


def generate_assignment(course: Course, assignment: str) -> Path:
    """`make release` for one assignment (checks the course, then nbgrader generate_assignment):
    the release in exercises/ and the grade cells in the gradebook."""
    from readkit.nbgrader.release import release

    result = release(course, [assignment])
    if not result.ok:
        raise GradingError(result.error)
    return course.layout.release / assignment


def add_names(course: Course, people: list[Learner]) -> None:
    """Record the learners' names in the gradebook (for the LMS export)."""
    from readkit.nbgrader.autograde import quiet_nbgrader_imports

    quiet_nbgrader_imports()
    from nbgrader.api import Gradebook

    layout = course.layout
    with Gradebook(layout.db_url, layout.course_id or "default_course") as gb:
        for person in people:
            gb.update_or_create_student(person.student, first_name=person.first_name,
                                        last_name=person.last_name)


# --- the demo -------------------------------------------------------------------------------


def make_test_class(course: Course, people: list[Learner], seed: int = 2021,
                    gain: float = GAIN, releases: dict[str, Path] | None = None,
                    missing_post: int = 1) -> dict[str, dict[str, dict]]:
    """Hand in the pre-test and the post-test (data/tests.csv) for `people`: each learner's
    ability (`abilities`) on the pre-test, the same plus `gain` on the post-test, each test on
    the learner's planned form. The last `missing_post` learners hand in no post-test. Returns
    test -> student -> answers."""
    by_occasion = {test.occasion: name for name, test in course.form_tests.items()}
    before = abilities(people, seed)
    handed: dict[str, dict[str, dict]] = {}
    for occasion, shift in (("pre", 0.0), ("post", gain)):
        name = by_occasion[occasion]
        plan = SorterAssignment.from_course(course, name)
        takers = people if occasion == "pre" else people[:len(people) - missing_post]
        ability = {student: value + shift for student, value in before.items()}
        answers, articles = test_answers(plan, takers, ability, seed)
        honest = [Learner(p.student, p.first_name, p.last_name) for p in takers]
        write_submissions(course, name, honest, answers, (releases or {}).get(name), articles)
        handed[name] = answers
    return handed


def run_demo(
    students: int = 30, out: Path | None = None, jobs: int | None = None, seed: int = 2021,
    source: Path | None = None, say: Callable[[str], None] = print, unit: bool = True,
    tests: bool = True,
) -> Path:
    """Copy the course, generate the assignments, hand in a synthetic class, autograde it in
    parallel, grade it out of the kernel and build the reports: the pre-test and the post-test
    (`tests`, when the course has them) around assignment 01 (`unit`). Returns the path of 01's
    report (the gain report's without `unit`)."""
    from readkit.nbgrader import autograde
    from readkit.results import gain as gain_report
    from readkit.results import grade, report

    source = Course.open(source or Path("."))
    root = Path(out) if out else Path(tempfile.mkdtemp(prefix="readkit-demo-"))
    root = root.expanduser().resolve()
    if (root / "grading").exists():
        raise GradingError(f"{root} already holds a graded course (grading/); give an empty "
                           "or new folder with --out.")
    started = time.perf_counter()
    say(f"1/6 copying the course to {root}")
    course = Course.open(copy_course(source.root, root))
    by_occasion = {test.occasion: name for name, test in course.form_tests.items()}
    tested = [by_occasion[o] for o in ("pre", "post") if o in by_occasion] if tests else []
    if tests and len(tested) != 2:
        raise GradingError(f"This course names no pre-test and post-test ({DATA}/{TESTS_FILE}); "
                           "run the demo with --no-tests.")
    names = [*tested[:1], *([ASSIGNMENT] if unit else []), *tested[1:]]
    say(f"2/6 nbgrader generate_assignment {' '.join(names)}")
    releases = {name: generate_assignment(course, name) for name in names}
    say(f"3/6 handing in {students} synthetic submissions of each (seed {seed})")
    people = learners(students, seed)
    if unit:
        people = make_class(course, ASSIGNMENT, students, seed, releases[ASSIGNMENT])
        kinds = {p.kind for p in people} - {HONEST}
        for kind in sorted(kinds):
            who = ", ".join(p.student for p in people if p.kind == kind)
            say(f"    {ASSIGNMENT} {kind}: {who}")
    if tested:
        make_test_class(course, people, seed, GAIN, releases)
        say(f"    {tested[1]}: not handed in by {people[-1].student}; every learner's ability "
            f"rises by {GAIN:g} (logit scale) between the tests")
    add_names(course, people)
    say(f"4/6 autograding, sandboxed, in parallel ({jobs or autograde.default_jobs()} jobs)")
    done = 0
    for name in names:
        summary = autograde.autograde_all(course, name, jobs=jobs, say=say)
        done += len(summary.done)
        for line in autograde.summary_lines(summary):
            say(f"    {name}: {line}")
    say(f"5/6 grading from answers.json as submitted ({done} autograded)")
    graded = {}
    for name in names:
        graded[name] = grade.grade_assignment(course, name)
        grade.write_grades(graded[name])
        for line in grade.summary_lines(graded[name]):
            say("    " + line)
    say("6/6 building the reports")
    index = None
    if unit:
        index, lms = report.write_report(graded[ASSIGNMENT])
        say(f"Report: {index}")
        say(f"LMS import file: {lms}")
    if tested:
        result = gain_report.class_gain(graded[tested[0]], graded[tested[1]])
        page, _, _ = gain_report.write_gain(course, result)
        for line in gain_report.summary_lines(result):
            say("    " + line)
        say(f"Learning-gain report: {page}")
        index = index or page
    say(f"Done in {time.perf_counter() - started:.0f} s.")
    say(f"The demo course is {root} (delete it when done).")
    return index


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.description = (
        "Simulate a class end to end with the real tools: copy the course to DIR, generate "
        f"the pre-test, {ASSIGNMENT} and the post-test with nbgrader, hand in seeded synthetic "
        "submissions (realistic mistakes; on 01 a few blank, one corrupt, one cheat attempt; "
        "abilities that rise by a known amount between the tests, one learner without a "
        "post-test), autograde them sandboxed and in parallel, grade them from answers.json and "
        "build the class report and the learning-gain report."
    )
    parser.add_argument("--students", type=int, default=30, metavar="N",
                        help="class size (default 30)")
    parser.add_argument("--out", type=Path, metavar="DIR",
                        help="where to build the demo course (default: a new temporary folder)")
    parser.add_argument("--jobs", "-j", type=int, metavar="N",
                        help="parallel autograde workers (default: 2 per CPU core, at most 8)")
    parser.add_argument("--seed", type=int, default=2021, help="random seed (default 2021)")
    parser.add_argument("--course", type=Path, metavar="DIR",
                        help="course to copy (default: the working directory)")
    parser.add_argument("--no-tests", action="store_true",
                        help=f"only {ASSIGNMENT}: no pre-test, post-test or gain report")


def run(args: argparse.Namespace) -> int:
    if args.students < 1:
        print("readkit demo: --students must be at least 1.", file=sys.stderr)
        return 2
    try:
        run_demo(args.students, args.out, args.jobs, args.seed, args.course,
                 tests=not args.no_tests)
    except (CourseError, ValueError) as error:
        print(f"readkit demo: {error}", file=sys.stderr)
        return 2
    return 0

