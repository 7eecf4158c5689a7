"""readkit.results.report: the instructors' HTML report and the Canvas import file, made from the
score record `readkit grade` wrote (they grade nothing), and the synthetic class of readkit.demo
(no nbgrader command runs here)."""

import argparse
import csv
import html
import json
import os
import shutil
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path

import pytest

from readkit import demo
from readkit.course.course import Course
from readkit.grading import trusted
from readkit.grading.scoring import UnitResult
from readkit.results import grade, record, report
from tests.support.grading import (
    ASSIGNMENT,
    GOLDEN,
    SECTION_POINTS,
    build_gradebook,
    hand_in,
    hand_in_notebook,
    make_course,
    open_gradebook,
    set_grade,
    submission_dir,
)

SECTION_IDS = [name for name, _ in report.SECTIONS]

pytestmark = pytest.mark.usefixtures("no_course_variable")


def grade_class(root: Path) -> grade.ClassGrades:
    return grade.grade_assignment(Course.open(root), ASSIGNMENT)


def parse_grade(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    grade.add_arguments(parser)
    return parser.parse_args(argv)


def run_report(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    report.add_arguments(parser)
    return report.run(parser.parse_args(argv))


@pytest.fixture(scope="module")
def golden(golden_course):
    """The golden submissions (tests/golden/grade/) with their gradebook, graded (the record
    written) and reported from the record once."""
    grade.write_grades(grade_class(golden_course))
    grades = record.read_record(Course.open(golden_course), ASSIGNMENT)
    page, lms = report.write_report(grades)
    return grades, page, lms


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory):
    """A seeded synthetic class of 60 (answers.json only, no gradebook)."""
    root = make_course(tmp_path_factory.mktemp("synthetic"), solutions=True)
    people = demo.make_class(Course.open(root), ASSIGNMENT, 60, seed=11)
    return root, people, grade_class(root)


class Page(HTMLParser):
    def __init__(self):
        super().__init__()
        self.images, self.ids, self.tables, self.text = [], [], 0, []
        self._in_table_row = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "img":
            self.images.append(attrs.get("src", ""))
        if "id" in attrs:
            self.ids.append(attrs["id"])
        if tag == "table":
            self.tables += 1

    def handle_data(self, data):
        self.text.append(data)


def parse_page(path: Path) -> Page:
    page = Page()
    page.feed(path.read_text(encoding="utf-8"))
    return page


def test_report_renders_self_contained(golden):
    _, page_path, _ = golden
    assert page_path == page_path.parent.parent / "report" / "index.html"
    page = parse_page(page_path)
    pngs = [src for src in page.images if src.startswith("data:image/png;base64,")]
    assert len(pngs) == len(page.images) == 4  # distribution, difficulty, discrimination, confusion
    assert all(len(src) > 2000 for src in pngs)
    assert page.ids == SECTION_IDS
    text = " ".join(page.text)
    assert "Instructors only." in text
    html_text = page_path.read_text(encoding="utf-8")
    assert "http://" not in html_text and "https://" not in html_text  # nothing fetched


def test_report_most_missed_shows_text_and_rationale(golden):
    grades, page_path, _ = golden
    analysis = report.item_analysis(grades)
    missed = report.most_missed(analysis)
    assert len(missed) == 10
    assert [u.share_right for u in missed] == sorted(u.share_right for u in missed)
    html_text = page_path.read_text(encoding="utf-8")
    section = html_text.split('id="most-missed"')[1].split('id="units"')[0]
    assert section.count("<tr>") == 1 + 10
    first = missed[0]
    text = html.unescape(section)  # Jinja2 escapes quotes its own way
    assert grades.data.unit_text[first.unit_id] in text
    assert grades.data.key[first.unit_id].rationale in text
    # the flagged students are marked in the students' table
    students = html_text.split('id="students"')[1]
    assert students.count('<tr class="flag">') == 4


def test_item_analysis_uses_readable_labelled_files_only(golden):
    grades, _, _ = golden
    analysis = report.item_analysis(grades)
    analysed = sorted(s.student for s in analysis.analysed)
    # not: missing, corrupt, foreign x2, too large, empty, not submitted
    assert analysed == ["alice-perfect", "bob-partial", "carol-accepted-alternatives",
                        "hugo-unknown-labels-and-ids", "mallory-cheat-attempt",
                        "nina-not-autograded", "pia-kernel-timeout", "rita-autograde-crashed",
                        "sam-overridden", "xena-extra-credit"]
    assert analysis.group_size == 3  # round(0.27 * 10)
    assert sum(sum(c.values()) for c in analysis.confusion.values()) == 10 * 34


def test_difficulty_and_discrimination_by_hand(tmp_path):
    """Five learners, totals 5 > 4 > 3 > 2 > 1 (one point per right unit of part-3 only); upper
    and lower groups of round(0.27 * 5) = 1 learner."""
    root = make_course(tmp_path, solutions=True)
    course = Course.open(root)
    data = trusted.SorterAssignment.from_course(course, ASSIGNMENT)
    units = [u for u in data.section_units["part-3"] if data.key[u].label == "meta"][:5]
    students = []
    for n in range(1, 6):  # learner n gets the first n units right and the rest wrong
        answers = {u: ("meta" if i < n else "claim") for i, u in enumerate(units)}
        results = [UnitResult(u, answers.get(u), answers.get(u) in data.key[u].accepted)
                   for u in data.unit_ids]
        students.append(grade.StudentGrade(f"s{n}", "ok", "", {}, {"part-3": float(n)},
                                           results))
    fake = grade.ClassGrades(ASSIGNMENT, course, [], data, students, "no-gradebook")
    analysis = report.item_analysis(fake)
    stats = {u.unit_id: u for u in analysis.units}
    assert analysis.group_size == 1
    first, third, fifth = stats[units[0]], stats[units[2]], stats[units[4]]
    assert first.share_right == 1.0 and first.discrimination == 0.0
    assert third.share_right == pytest.approx(3 / 5) and third.discrimination == 1.0
    assert fifth.share_right == pytest.approx(1 / 5) and fifth.discrimination == 1.0
    assert analysis.confusion["meta"]["claim"] == 10 and analysis.confusion["meta"]["meta"] == 15
    meta = sum(1 for u in data.unit_ids if data.key[u].label == "meta")
    assert analysis.confusion["meta"]["unlabelled"] == 5 * (meta - 5)


def read_lms(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle))


def test_lms_csv_canvas_layout(golden):
    grades, _, lms = golden
    rows = read_lms(lms)
    assert rows[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", ASSIGNMENT]
    # every point of the notebook: Sorter parts 30, the chosen sentence 1, the rewrite 4
    assert rows[1] == ["Points Possible", "", "", "", "", "35"]
    body = {row[3]: row for row in rows[2:]}
    assert len(body) == len(grades.students) == 17
    # 22.18 + 0 (his chosen sentence is not commentary in the key) + 2.5 for the rewrite
    # graded by hand
    assert body["bob-partial"] == ["Test, Bob", "", "", "bob-partial", "", "24.68"]
    assert body["alice-perfect"][-1] == "35"
    # readkit's points from the files as submitted, not the gradebook's (4.09 + 0 + 1)
    assert body["mallory-cheat-attempt"][-1] == "5.09"
    assert body["erin-corrupt"][-1] == "0" and body["quinn-absent"][-1] == "0"
    # an honest override and extra credit count (and are flagged in grades.csv)
    assert body["sam-overridden"][-1] == "28.97" and body["xena-extra-credit"][-1] == "36.5"
    # not graded by hand yet: an empty cell (no grade in the LMS), never a 0
    for pending in ("carol-accepted-alternatives", "nina-not-autograded",
                    "rita-autograde-crashed"):
        assert body[pending][-1] == "", pending


def test_lms_roster_and_canvas_id(golden, tmp_path):
    grades, _, _ = golden
    roster = tmp_path / "canvas-export.csv"
    roster.write_text(
        "Student,ID,SIS User ID,SIS Login ID,Section,Essay 1 (1234)\n"
        "    Points Possible,,,,,10\n"
        '"Perfect, Alice",5001,S-17,alice-perfect,Tuesday group,9\n', encoding="utf-8")
    out = tmp_path / "lms.csv"
    report.write_lms(grades, out, roster=report.read_roster(roster), id_column="SIS User ID",
                     canvas_id="98765")
    rows = read_lms(out)
    assert rows[0][-1] == f"{ASSIGNMENT} (98765)"
    body = {row[0]: row for row in rows[2:]}
    assert body["Perfect, Alice"] == ["Perfect, Alice", "5001", "S-17", "alice-perfect",
                                      "Tuesday group", "35"]
    assert body["Test, Bob"][1:5] == ["", "bob-partial", "", ""]


def test_cli_report(golden, capsys):
    grades, _, _ = golden
    parser = argparse.ArgumentParser()
    report.add_arguments(parser)
    code = report.run(parser.parse_args([ASSIGNMENT, "--course", str(grades.course.root)]))
    out = capsys.readouterr().out
    assert code == 0
    assert "Report: " in out and "index.html" in out and "LMS import file: " in out
    assert "FLAGGED mallory-cheat-attempt: the gradebook holds other points" in out
    assert report.run(parser.parse_args([ASSIGNMENT, "--course", str(grades.course.root),
                                         "--roster", "/no/such/file.csv"])) == 2
    assert "No such file" in capsys.readouterr().err


def test_synthetic_class_is_realistic(synthetic):
    root, people, grades = synthetic
    kinds = Counter(p.kind for p in people)
    assert kinds == {"honest": 54, "cheat": 1, "corrupt": 1, "no-file": 1, "empty": 3}
    by_status = Counter(s.status for s in grades.students)
    assert by_status == {"ok": 58, "corrupt": 1, "missing": 1}
    analysis = report.item_analysis(grades)
    confusion = analysis.confusion
    # claim and commentary are confused with each other far more than either with meta
    assert confusion["claim"]["commentary"] > 4 * confusion["claim"]["meta"]
    assert confusion["commentary"]["claim"] > 4 * confusion["commentary"]["meta"]
    share = {label: confusion[label][label] / sum(confusion[label].values())
             for label in confusion}
    assert share["meta"] > share["sourced"] > share["claim"]
    points = [s.sorter_points for s in analysis.analysed]
    assert 0.45 < (sum(points) / len(points)) / 30 < 0.9  # a plausible class average
    assert len({round(p) for p in points}) > 10  # spread out


def test_synthetic_class_is_seeded(tmp_path):
    one = make_course(tmp_path / "one")
    two = make_course(tmp_path / "two")
    demo.make_class(Course.open(one), ASSIGNMENT, 12, seed=5)
    demo.make_class(Course.open(two), ASSIGNMENT, 12, seed=5)
    files = sorted(p.relative_to(one) for p in (one / "grading").rglob("answers.json"))
    assert len(files) == 11  # one learner has no answers.json
    for name in files:
        assert (one / name).read_bytes() == (two / name).read_bytes()


def test_report_of_a_class_with_no_readable_file(tmp_path):
    root = make_course(tmp_path, solutions=True)
    hand_in(root, "erin", "erin-corrupt.json")
    page, lms = report.write_report(grade_class(root))
    assert len(parse_page(page).images) == 4
    assert read_lms(lms)[2] == ["erin", "", "", "erin", "", ""]  # the rewrite: not graded yet


HOSTILE_NAMES = {
    "<img src=x onerror=alert(1)>": "alice-perfect.json",  # HTML in a student id
    "=HYPERLINK(\"https:evil.example\",\"x\")": "bob-partial.json",  # a spreadsheet formula
    "\x1b[31mred": "erin-corrupt.json",  # a terminal escape sequence (listed: file unusable)
}


def test_report_and_lms_of_hostile_student_names(tmp_path, capsys):
    """Learner-chosen folder names are refused (not student ids), and still reach the page
    escaped and the LMS file as no formula; `readkit report` does not fail on a folder name
    that is not UTF-8."""
    root = make_course(tmp_path, solutions=True)
    for name, source in HOSTILE_NAMES.items():
        hand_in(root, name, source)
    latin1 = os.path.join(os.fsencode(root / "grading" / "submitted"), b"latin1-\xff",
                          ASSIGNMENT.encode())
    os.makedirs(latin1)
    shutil.copy(GOLDEN / "grade" / "submissions" / "bob-partial.json",
                os.path.join(latin1, b"answers.json"))
    assert grade.run(parse_grade([ASSIGNMENT, "--course", str(root)])) == 0
    parser = argparse.ArgumentParser()
    report.add_arguments(parser)
    assert report.run(parser.parse_args([ASSIGNMENT, "--course", str(root)])) == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out and "\\x1b[31mred" in out
    out_dir = root / "grading" / "reports" / ASSIGNMENT
    page = (out_dir / "report" / "index.html").read_text(encoding="utf-8")
    assert "<img src=x" not in page and "&lt;img src=x onerror=alert(1)&gt;" in page
    assert "\x1b" not in page
    rows = read_lms(out_dir / "lms.csv")[2:]
    assert len(rows) == 4
    for row in rows:
        for cell in row:
            assert not cell.startswith(("=", "+", "@")), row
            assert "\x1b" not in cell and "\udcff" not in cell, row
    # none of these names is a student id: each is listed, refused, with 0 points
    assert [row[-1] for row in rows] == ["0", "0", "0", "0"]
    refused = {s.student: (s.status, s.sorter_points)
               for s in record.read_record(Course.open(root), ASSIGNMENT).students}
    assert refused == dict.fromkeys(["<img src=x onerror=alert(1)>", "\x1b[31mred",
                                     '=HYPERLINK("https:evil.example","x")', "latin1-\udcff"],
                                    ("refused-id", 0))
    assert page.count("<td>refused-id</td>") == 4


def test_lms_file_keeps_commas_and_quotes_in_names(golden, tmp_path):
    """Display names with a comma (Canvas's "Last, First") survive the file as one cell."""
    grades, _, _ = golden
    out = report.write_lms(grades, tmp_path / "lms.csv",
                           names={"bob-partial": ('Bob "B"', "Test, Jr.")})
    rows = {row[3]: row for row in read_lms(out)[2:]}
    assert rows["bob-partial"][:2] == ['Test, Jr., Bob "B"', ""]
    assert rows["alice-perfect"][0] == "alice-perfect"  # no name given: the id


# --- one score record, written once by readkit grade, read by the report and the LMS file -----


def test_report_reads_the_record_and_grades_nothing(tmp_path, capsys):
    root = make_course(tmp_path, solutions=True)
    hand_in(root, "alice", "alice-perfect.json")
    hand_in_notebook(root, "alice", "p51s2")
    build_gradebook(root, {"alice": {**SECTION_POINTS, "rewrite-choice": 1,
                                     "rewrite-answer": {"manual": 3}}})
    course = ["--course", str(root)]
    # no record yet: the report says what to run, and writes nothing
    assert run_report([ASSIGNMENT, *course]) == 2
    assert capsys.readouterr().err == (
        f"readkit report: No scores of {ASSIGNMENT} yet ({root}/grading/reports/{ASSIGNMENT}/"
        f"scores.json is missing): run readkit grade {ASSIGNMENT} first (it grades every "
        "submission and writes them).\n")
    assert not (root / "grading" / "reports").exists()

    assert grade.run(parse_grade([ASSIGNMENT, *course])) == 0
    out_dir = root / "grading" / "reports" / ASSIGNMENT
    written = {name: (out_dir / name).read_bytes() for name in
               ("scores.json", "grades.csv", "units.csv")}
    # the learner's file changes after grading: the report shows what readkit grade wrote
    hand_in_again = submission_dir(root, "alice") / "answers.json"
    hand_in_again.write_text(json.dumps({"version": 1, "assignment": ASSIGNMENT,
                                         "answers": {}}))
    capsys.readouterr()
    assert run_report([ASSIGNMENT, *course]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"Scores of {ASSIGNMENT} as readkit grade wrote them at ")
    assert read_lms(out_dir / "lms.csv")[2][-1] == "34"  # 30 + 1 + 3, as recorded
    assert {name: (out_dir / name).read_bytes() for name in written} == written
    assert "The gradebook changed" not in out

    # a grader changes the gradebook after readkit grade ran: the report says to grade again
    later = os.stat(out_dir / "scores.json").st_mtime + 5
    with open_gradebook(root) as gb:
        set_grade(gb, "alice", "rewrite-answer", {"manual": 4})
    os.utime(root / "grading" / "gradebook.db", (later, later))
    assert run_report([ASSIGNMENT, *course]) == 0
    graded_at = json.loads(written["scores.json"])["graded_at"]
    assert (f"The gradebook changed after these scores were written ({graded_at}): run "
            f"readkit grade {ASSIGNMENT} again for the latest grades.") in capsys.readouterr().out


def test_record_round_trip(golden):
    """What report reads back is what grade wrote: every cell with its sources, the flags
    and what changed, the names, the units."""
    written, _, _ = golden
    again = record.read_record(written.course, ASSIGNMENT)
    assert again.cells == written.cells and again.max_points == 35
    assert [s.student for s in again.students] == [s.student for s in written.students]
    for one, two in zip(written.students, again.students, strict=True):
        assert (one.cells, one.section_points, one.flags, one.changes, one.name, one.status,
                one.reason, one.book_state, one.gradebook_points, one.points) == (
            two.cells, two.section_points, two.flags, two.changes, two.name, two.status,
            two.reason, two.book_state, two.gradebook_points, two.points)
        assert [r[:3] for r in one.results] == [r[:3] for r in two.results]


def test_a_record_from_other_course_data_is_refused(golden, golden_course, tmp_path):
    """A record written before the sections changed is not reported on (its units are not
    the assignment's any more): run readkit grade again. (The record is the one `golden`
    writes: asked for here, so that it exists on whichever xdist worker runs this test.)"""
    root = make_course(tmp_path, solutions=True)
    source = golden_course / "grading" / "reports" / ASSIGNMENT / "scores.json"
    target = root / "grading" / "reports" / ASSIGNMENT / "scores.json"
    target.parent.mkdir(parents=True)
    shutil.copy(source, target)
    sections = root / "data" / "articles" / "raqqa-2021" / "sections.csv"
    sections.write_text(sections.read_text().replace(",62,74,", ",62,70,"))
    with pytest.raises(grade.GradingError, match="changed since its scores were written: run "
                       f"readkit grade {ASSIGNMENT} first"):
        record.read_record(Course.open(root), ASSIGNMENT)
    target.write_text('{"readkit_scores": 99}')
    with pytest.raises(grade.GradingError, match="is not a score record of"):
        record.read_record(Course.open(root), ASSIGNMENT)


def test_02_lms_file(tmp_path, capsys):
    """An assignment without Sorter parts gets its LMS file (no item analysis page): Points
    Possible 14, the total of 02's notebook."""
    root = make_course(tmp_path, solutions=True)
    a2, nb2 = "02-trace-the-numbers", "trace-the-numbers"
    cells = {name: (f"{name}-grade", points, "code") for name, points in
             (("filter", 2.0), ("group", 2.0), ("compare", 2.0), ("add-up", 3.0),
              ("reporters", 2.0))}
    cells["written-answer"] = ("written-answer", 3.0, "markdown")
    checks = {"filter": 2, "group": 1, "compare": 2, "add-up": 3, "reporters": 0}
    for student in ("ann", "ben"):
        submission_dir(root, student, a2).mkdir(parents=True)
    build_gradebook(root, {"ann": {**checks, "written-answer": {"manual": 3}}, "ben": checks},
                    assignment=a2, notebook=nb2, cells=cells)
    assert grade.run(parse_grade([a2, "--course", str(root)])) == 0
    capsys.readouterr()
    assert run_report([a2, "--course", str(root)]) == 0
    out = capsys.readouterr().out
    assert f"{a2} has no Sorter parts: no item analysis page." in out
    rows = read_lms(root / "grading" / "reports" / a2 / "lms.csv")
    assert rows == [["Student", "ID", "SIS User ID", "SIS Login ID", "Section", a2],
                    ["Points Possible", "", "", "", "", "14"],
                    ["Test, Ann", "", "", "ann", "", "11"],
                    ["Test, Ben", "", "", "ben", "", ""]]
    assert not (root / "grading" / "reports" / a2 / "report").exists()
