"""readkit.results.report: the instructors' HTML report and the Canvas import file, and the synthetic
class of readkit.demo (no nbgrader command runs here)."""

import argparse
import csv
import html
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
from readkit.nbgrader import gradebook
from readkit.results import grade, report
from tests.support.grading import ASSIGNMENT, GOLDEN, hand_in, make_course

SECTION_IDS = [name for name, _ in report.SECTIONS]

pytestmark = pytest.mark.usefixtures("no_course_variable")


def grade_class(root: Path) -> grade.ClassGrades:
    return grade.grade_assignment(Course.open(root), ASSIGNMENT)


@pytest.fixture(scope="module")
def golden(golden_course):
    """The golden submissions (tests/golden/grade/) with their gradebook, graded and reported
    once."""
    grades = grade_class(golden_course)
    page, lms = report.write_report(grades)
    return grades, page, lms


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory):
    """A seeded synthetic class of 60 (answers.json only, no gradebook)."""
    root = make_course(tmp_path_factory.mktemp("synthetic"))
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
    assert students.count('<tr class="flag">') == 2


def test_item_analysis_uses_readable_labelled_files_only(golden):
    grades, _, _ = golden
    analysis = report.item_analysis(grades)
    analysed = sorted(s.student for s in analysis.analysed)
    # not: missing, corrupt, foreign x2, too large, empty, not submitted
    assert analysed == ["alice-perfect", "bob-partial", "carol-accepted-alternatives",
                        "hugo-unknown-labels-and-ids", "mallory-cheat-attempt",
                        "nina-not-autograded", "pia-kernel-timeout", "rita-autograde-crashed"]
    assert analysis.group_size == 2  # round(0.27 * 8)
    assert sum(sum(c.values()) for c in analysis.confusion.values()) == 8 * 34


def test_difficulty_and_discrimination_by_hand(tmp_path):
    """Five learners, totals 5 > 4 > 3 > 2 > 1 (one point per right unit of part-3 only); upper
    and lower groups of round(0.27 * 5) = 1 learner."""
    root = make_course(tmp_path)
    course = Course.open(root)
    data = trusted.SorterAssignment.from_course(course, ASSIGNMENT)
    units = [u for u in data.section_units["part-3"] if data.key[u].label == "meta"][:5]
    students = []
    for n in range(1, 6):  # learner n gets the first n units right and the rest wrong
        answers = {u: ("meta" if i < n else "claim") for i, u in enumerate(units)}
        results = [UnitResult(u, answers.get(u), answers.get(u) in data.key[u].accepted)
                   for u in data.unit_ids]
        students.append(grade.StudentGrade(f"s{n}", "ok", "", {"part-3": float(n)}, results,
                                           data.max_points))
    fake = grade.ClassGrades(ASSIGNMENT, course, data, students,
                             gradebook.GradebookScores("no-gradebook"))
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
    assert rows[1] == ["Points Possible", "", "", "", "", "30"]
    body = {row[3]: row for row in rows[2:]}
    assert len(body) == len(grades.students) == 15
    assert body["bob-partial"] == ["Test, Bob", "", "", "bob-partial", "", "22.18"]
    # the grade of answers.json as submitted, not the gradebook's; 0 for unreadable files
    assert body["mallory-cheat-attempt"][-1] == "4.09"
    assert body["erin-corrupt"][-1] == "0" and body["quinn-absent"][-1] == "0"


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
                                      "Tuesday group", "30"]
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
    points = [s.points for s in analysis.analysed]
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
    root = make_course(tmp_path)
    hand_in(root, "erin", "erin-corrupt.json")
    page, lms = report.write_report(grade_class(root))
    assert len(parse_page(page).images) == 4
    assert read_lms(lms)[2] == ["erin", "", "", "erin", "", "0"]


HOSTILE_NAMES = {
    "<img src=x onerror=alert(1)>": "alice-perfect.json",  # HTML in a student id
    "=HYPERLINK(\"https:evil.example\",\"x\")": "bob-partial.json",  # a spreadsheet formula
    "\x1b[31mred": "erin-corrupt.json",  # a terminal escape sequence (listed: file unusable)
}


def test_report_and_lms_of_hostile_student_names(tmp_path, capsys):
    """Learner-chosen folder names reach the page escaped and the LMS file as no formula, and
    `readkit report` does not fail on a folder name that is not UTF-8."""
    root = make_course(tmp_path)
    for name, source in HOSTILE_NAMES.items():
        hand_in(root, name, source)
    latin1 = os.path.join(os.fsencode(root / "grading" / "submitted"), b"latin1-\xff",
                          ASSIGNMENT.encode())
    os.makedirs(latin1)
    shutil.copy(GOLDEN / "grade" / "submissions" / "bob-partial.json",
                os.path.join(latin1, b"answers.json"))
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
    points = {row[3]: row[-1] for row in rows}
    # bob-partial.json: 22.18 (tests/test_grade.py works it out)
    assert points == {"<img src=x onerror=alert(1)>": "30",
                      "'=HYPERLINK(\"https:evil.example\",\"x\")": "22.18",
                      "\\x1b[31mred": "0", "latin1-\\udcff": "22.18"}


def test_lms_file_keeps_commas_and_quotes_in_names(golden, tmp_path):
    """Display names with a comma (Canvas's "Last, First") survive the file as one cell."""
    grades, _, _ = golden
    out = report.write_lms(grades, tmp_path / "lms.csv",
                           names={"bob-partial": ('Bob "B"', "Test, Jr.")})
    rows = {row[3]: row for row in read_lms(out)[2:]}
    assert rows["bob-partial"][:2] == ['Test, Jr., Bob "B"', ""]
    assert rows["alice-perfect"][0] == "alice-perfect"  # no name given: the id
