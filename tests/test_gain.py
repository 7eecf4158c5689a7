"""readkit.results.gain: the learning-gain report. Its statistics on small classes worked by
hand; what it lists (learners who took only one test, the same form twice, a form off the
plan); what it writes (CSV, HTML) with hostile folder names; and `readkit gain` on a simulated
class with no change, whose interval must hold 0. (The class that improves goes through real
nbgrader in test_gain_e2e.py.)"""

from __future__ import annotations

import csv
import math
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest
from scipy import stats

from readkit import demo
from readkit.course.course import Course
from readkit.grading.scoring import UnitResult
from readkit.results import gain
from tests.support.grading import make_course
from tests.support.independent_scoring import total_points as independent_points

READKIT = str(Path(sys.executable).with_name("readkit"))
T_975_DF3 = 3.182446  # the t table: 97.5th percentile, 3 degrees of freedom

pytestmark = pytest.mark.usefixtures("no_course_variable")


def student(name, percent, form="A", status="ok", right=None, reason=""):
    """A learner's grade as readkit.results.grade gives it (the fields gain reads). `right`:
    label -> (right, of) among their units; by default one sourced unit, right."""
    results = []
    for label, (good, of) in (right or {"sourced": (1, 1)}).items():
        results += [UnitResult(f"{label}{i}", label if i < good else "meta", i < good, label,
                               (label,)) for i in range(of)]
    if status != "ok" or percent is None:
        results = [r._replace(chosen=None, correct=False) for r in results]
    return SimpleNamespace(student=name, status=status, reason=reason, form=form.lower(),
                           section_points={"part-1": percent or 0.0}, results=results)


def graded(assignment, students):
    return SimpleNamespace(assignment=assignment, students=students,
                           data=SimpleNamespace(max_points=100.0))


def test_mean_gain_effect_size_and_normalised_gain_worked_by_hand():
    """Pre 40, 50, 60, 70; post 50, 55, 75, 70: gains 10, 5, 15, 0. Mean 7.5; SD
    sqrt((2.5^2 + 2.5^2 + 7.5^2 + 7.5^2) / 3) = sqrt(125/3) = 6.455; SE 3.2275; 95% CI 7.5 +-
    3.182446 x 3.2275 = -2.771 to 17.771. d_z = 7.5 / 6.455 = 1.1619. Normalised gains 10/60,
    5/50, 15/40, 0/30; the class's (62.5 - 55) / (100 - 55) = 1/6."""
    pre = graded("pre", [student(s, p) for s, p in zip("abcd", (40, 50, 60, 70), strict=True)])
    post = graded("post", [student(s, p, "B") for s, p in zip("abcd", (50, 55, 75, 70),
                                                            strict=True)])
    result = gain.class_gain(pre, post)
    half = T_975_DF3 * math.sqrt(125 / 3) / 2
    assert (result.gain.estimate, result.gain.low, result.gain.high) == pytest.approx(
        (7.5, 7.5 - half, 7.5 + half), abs=1e-4)
    assert not result.gain.excludes_zero
    assert result.effect_size.estimate == pytest.approx(7.5 / math.sqrt(125 / 3))
    assert list(result.paired["normalised_gain"]) == pytest.approx([1 / 6, 0.1, 0.375, 0.0])
    assert result.class_normalised_gain == pytest.approx(7.5 / 45)
    assert (result.mean_pre, result.mean_post) == (55.0, 62.5)


def test_the_effect_size_interval_inverts_the_noncentral_t():
    gains = [12.0, 3.0, 8.0, -2.0, 15.0, 7.0, 9.0, 1.0, 11.0, 6.0]
    found = gain.cohens_dz(pd.Series(gains))
    n, d = len(gains), stats.tmean(gains) / stats.tstd(gains)
    assert found.estimate == pytest.approx(d)
    t = d * math.sqrt(n)
    # at each bound, the observed t cuts off 2.5% of that noncentral t distribution
    assert stats.nct.sf(t, n - 1, found.low * math.sqrt(n)) == pytest.approx(0.025, abs=1e-7)
    assert stats.nct.sf(t, n - 1, found.high * math.sqrt(n)) == pytest.approx(0.975, abs=1e-7)
    # a large class: close to the normal approximation d +- 1.96 sqrt(1/n + d^2 / 2n)
    many = pd.Series([g + 0.01 * i for i in range(40) for g in gains])
    big = gain.cohens_dz(many)
    se = math.sqrt(1 / len(many) + big.estimate ** 2 / (2 * len(many)))
    assert big.low == pytest.approx(big.estimate - 1.96 * se, abs=0.01)
    assert big.high == pytest.approx(big.estimate + 1.96 * se, abs=0.01)


def test_the_form_order_check_takes_form_difficulty_apart_from_gain():
    """A->B gains 10 and 6 (mean 8), B->A gains 2 and 4 (mean 3): form B scores (8 - 3) / 2 =
    2.5 points above form A; the gain without form difficulty is (8 + 3) / 2 = 5.5. Welch: SE
    sqrt(8/2 + 2/2) = sqrt(5), df 5^2 / (4^2 + 1^2) = 25/17; each interval is half the
    interval of the difference (or of the sum)."""
    pre = graded("pre", [student("a", 40, "A"), student("b", 40, "A"), student("c", 40, "B"),
                         student("d", 40, "B")])
    post = graded("post", [student("a", 50, "B"), student("b", 46, "B"), student("c", 42, "A"),
                           student("d", 44, "A")])
    result = gain.class_gain(pre, post)
    assert list(result.orders["order"]) == ["A->B", "B->A"]
    assert list(result.orders["gain"]) == [8.0, 3.0]
    half = stats.t.ppf(0.975, 25 / 17) * math.sqrt(5) / 2
    effect, adjusted = result.form_effect, result.adjusted_gain
    assert (effect.estimate, effect.low, effect.high) == pytest.approx((2.5, 2.5 - half,
                                                                        2.5 + half))
    assert (adjusted.estimate, adjusted.low, adjusted.high) == pytest.approx(
        (5.5, 5.5 - half, 5.5 + half))


def test_too_few_in_an_order_gives_no_form_estimate():
    pre = graded("pre", [student("a", 40, "A"), student("b", 50, "A"), student("c", 40, "B")])
    post = graded("post", [student("a", 50, "B"), student("b", 60, "B"), student("c", 45, "A")])
    result = gain.class_gain(pre, post)
    assert result.form_effect is None and result.adjusted_gain is None
    assert ("  form-order check: too few learners in one of the orders A->B, B->A (two each at "
            "least) to tell form difficulty from gain") in gain.summary_lines(result)


def test_which_distinctions_improved():
    """Two learners; claim: 1 of 4 right before, 3 of 4 after (a), 2 of 4 and 2 of 4 (b): mean
    right before 37.5%, after 62.5%, change +25 points (changes +50 and 0)."""
    pre = graded("pre", [student("a", 20, right={"claim": (1, 4), "meta": (2, 2)}),
                         student("b", 30, right={"claim": (2, 4), "meta": (2, 2)})])
    post = graded("post", [student("a", 60, "B", right={"claim": (3, 4), "meta": (2, 2)}),
                           student("b", 30, "B", right={"claim": (2, 4), "meta": (2, 2)})])
    result = gain.class_gain(pre, post)
    rows = result.distinctions.set_index("label")
    assert (rows.loc["claim", "pre_right"], rows.loc["claim", "post_right"],
            rows.loc["claim", "change"]) == (37.5, 62.5, 25.0)
    low, high = stats.ttest_1samp([50.0, 0.0], 0).confidence_interval(0.95)
    assert (rows.loc["claim", "change_low"], rows.loc["claim", "change_high"]) == (low, high)
    assert rows.loc["meta", "change"] == 0.0 and math.isnan(rows.loc["meta", "change_low"])
    assert math.isnan(rows.loc["sourced", "pre_right"])  # no sourced unit: nothing to say
    assert result.confusion["pre"]["claim"] == {"sourced": 0.0, "claim": 0.375,
                                                "commentary": 0.0, "meta": 0.625,
                                                "unlabelled": 0.0}


def test_learners_who_took_only_one_test_are_listed_not_dropped():
    pre = graded("pre", [student("a", 40), student("b", 50), student("only-pre", 60),
                         student("corrupt-post", 30), student("empty-post", 20),
                         student("neither", None, status="missing"),
                         student("same-form", 45, "A"),
                         student("off-plan", 35, "B", reason="made on form B, but the "
                                 "counterbalancing plan gives this learner form A: ...")])
    post = graded("post", [student("a", 50, "B"), student("b", 60, "B"),
                           student("corrupt-post", None, "B", status="corrupt"),
                           student("empty-post", None, "B"),  # readable, nothing labelled
                           student("neither", None, status="not-submitted"),
                           student("only-post", 70, "B"), student("same-form", 55, "A"),
                           student("off-plan", 40, "A")])
    result = gain.class_gain(pre, post)
    table = result.learners.set_index("student")
    assert list(result.paired["student"]) == ["a", "b", "off-plan", "same-form"]
    assert table.loc["only-pre", "took"] == "pre only"
    assert table.loc["only-post", "took"] == "post only"
    assert table.loc["neither", "took"] == "neither"
    assert table.loc["corrupt-post", "post_note"] == "answers file corrupt"
    assert table.loc["empty-post", "post_note"] == "no sentence labelled"
    lines = gain.summary_lines(result)
    for line in ("  took only the pre-test: corrupt-post (post-test: answers file corrupt)",
                 "  took only the pre-test: empty-post (post-test: no sentence labelled)",
                 "  took only the pre-test: only-pre (post-test: no submission)",
                 "  took only the post-test: only-post (pre-test: no submission)",
                 "  took neither: neither (pre-test: answers file missing; post-test: no "
                 "submission)",
                 "  same form twice (A): same-form; their gain mixes in practice on the same "
                 "text",
                 "  a test made on the other form than the plan gives: off-plan",
                 "  No control group: a gain is not proof that the course caused it."):
        assert line in lines
    assert lines[0] == "Learning gain pre -> post: 4 of 9 learner(s) took both."


def test_the_report_escapes_what_learners_named(tmp_path):
    hostile = '<script>alert("x")</script>'
    pre = graded("pre", [student(hostile, 40), student("=cmd|' /C calc'!A0", 50),
                         student("c", 40, "B"), student("d", 45, "B")])
    post = graded("post", [student(hostile, 50, "B"), student("=cmd|' /C calc'!A0", 55, "B"),
                           student("c", 42, "A"), student("d", 44, "A")])
    result = gain.class_gain(pre, post)
    course = SimpleNamespace(layout=SimpleNamespace(reports=tmp_path))
    page, gain_csv, labels_csv = gain.write_gain(course, result)
    html = page.read_text(encoding="utf-8")
    assert hostile not in html and "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html
    assert 'src="data:image/png;base64,' in html
    with gain_csv.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert sorted(r["student"] for r in rows)[0] == "'=cmd|' /C calc'!A0"
    assert rows[0].keys() >= {"student", "pre_form", "pre_percent", "post_form", "post_percent",
                              "gain", "normalised_gain", "order", "took"}
    assert labels_csv.read_text().startswith("label,learners,pre_right,post_right,change,")


@pytest.mark.slow  # a simulated class graded through the trusted step: seconds of CPU
def test_a_class_with_no_change_gets_an_interval_that_holds_zero(tmp_path):
    """The simulated class of the demo, abilities unchanged between the tests (gain 0), graded
    from the answers files by `readkit grade` (no autograde) and compared by `readkit gain`."""
    root = make_course(tmp_path, solutions=True)
    course = Course.open(root)
    people = demo.learners(30, seed=7, bad=False, cheat=False)
    handed = demo.make_test_class(course, people, seed=7, gain=0.0)
    for test in ("00-pre-test", "03-post-test"):
        graded = subprocess.run([READKIT, "grade", test, "--course", str(root)],
                                capture_output=True, text=True, timeout=300)
        assert graded.returncode == 0, graded.stderr
    done = subprocess.run([READKIT, "gain", "--course", str(root)], capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "Learning gain 00-pre-test -> 03-post-test: 29 of 30 learner(s) took both." in out
    report = root / "grading" / "reports" / "gain-00-pre-test-03-post-test"
    with (report / "gain.csv").open(encoding="utf-8", newline="") as handle:
        rows = {r["student"]: r for r in csv.DictReader(handle)}
    # each learner's scores, counted independently from the files handed in
    expected = []
    for person in people[:-1]:
        scores = []
        for test in ("00-pre-test", "03-post-test"):
            form = course.form_test(test).planned_form(person.student)
            points, most = independent_points(course.data, form.slug, form.parts,
                                              handed[test][person.student])
            scores.append(100 * points / most)
            assert rows[person.student][f"{test[3:-5]}_form"] == form.form.upper()
        assert float(rows[person.student]["gain"]) == pytest.approx(scores[1] - scores[0],
                                                                    abs=0.006)
        expected.append(scores[1] - scores[0])
    assert rows[people[-1].student]["took"] == "pre only"
    mean = sum(expected) / len(expected)
    line = next(line for line in out.splitlines() if "mean gain:" in line)
    low, high = (float(x) for x in line.split("95% CI ")[1].split(")")[0].split(" to "))
    assert low < 0 < high
    assert f"mean gain: {mean:+.1f} points" in line
    assert "took only the pre-test: " + people[-1].student in out


def test_the_class_report_of_a_test_points_to_the_gain_report(tmp_path):
    root = make_course(tmp_path)
    done = subprocess.run([READKIT, "report", "00-pre-test", "--course", str(root)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert done.stderr == ("readkit report: 00-pre-test is a test taken on two parallel forms; "
                           "its report is `readkit gain` (grades.csv: `readkit grade`).\n")


def test_gain_says_what_to_name(tmp_path, capsys):
    from readkit.cli import main

    root = make_course(tmp_path)
    assert main(["gain", "03-post-test", "03-post-test", "--course", str(root)]) == 2
    assert capsys.readouterr().err == ("readkit gain: The pre-test and the post-test are both "
                                       "03-post-test: name two tests.\n")
    (root / "data" / "tests.csv").unlink()
    assert main(["gain", "--course", str(root)]) == 2
    assert capsys.readouterr().err == (
        "readkit gain: Name the pre-test and the post-test (readkit gain PRE POST): this "
        "course's data/tests.csv does not name both.\n")
