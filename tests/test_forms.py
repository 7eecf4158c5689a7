"""The pre-test and post-test on two parallel forms (course/forms.py): which form each learner
takes, what the notebook shows them, and how the trusted grade step grades a test (on the form
the answers file was made on, flagging a file on the other form than the plan gives), on the
tiny course of tests/support/tiny_course.py with its two forms."""

import json
import sys

import pytest

from readkit.course.answers import read_answers, write_answers
from readkit.course.course import Course, CourseError
from readkit.course.forms import (
    Form,
    counterbalance_group,
    learner_id,
    learners_form,
    parse_forms,
    parse_tests,
)
from readkit.grading import trusted
from tests.support.tiny_course import (
    FORM_SLUGS,
    FORM_UNITS,
    POST,
    PRE,
    add_forms,
    make_tiny_course,
)
from tests.test_trusted import learner_notebook, run_trusted_scores

pytestmark = pytest.mark.usefixtures("no_course_variable")

# Pinned: a change of the counterbalancing function would move learners to the other form
# between their pre-test and post-test.
GROUP_0, GROUP_1 = ("ann", "bob", "eli"), ("cara", "dev", "fay")
A, B = (Form("a", FORM_SLUGS["a"], "form-a"), Form("b", FORM_SLUGS["b"], "form-b"))


@pytest.fixture
def course(tmp_path) -> Course:
    return Course.open(add_forms(make_tiny_course(tmp_path / "course")))


def test_the_course_says_which_assignments_are_tests_and_on_which_forms(course):
    assert course.forms == (A, B)
    assert list(course.form_tests) == [PRE, POST]
    assert course.form_test(PRE).occasion == "pre" and course.form_test(POST).position == 1
    assert course.form_test("01-sort-the-sources") is None
    # a test's parts: the first form's, named for the test (the notebook's grade cells)
    assert [(s.assignment, s.section, s.points) for s in course.sections(PRE)] == [
        (PRE, "part-1", 4.0), (PRE, "part-2", 4.0)]
    with pytest.raises(CourseError, match=f"{PRE} is taken on the parallel forms \\(form A: "
                                          "tiny-form-a, form B: tiny-form-b\\)"):
        course.article_for(PRE)


def test_a_course_without_forms_has_no_tests(tmp_path):
    course = Course.open(make_tiny_course(tmp_path / "plain"))
    assert course.forms == () and course.form_tests == {} and course.form_test(PRE) is None


def test_counterbalancing_is_a_stable_hash_of_the_student_id(course):
    assert [counterbalance_group(s) for s in GROUP_0 + GROUP_1] == [0, 0, 0, 1, 1, 1]
    assert counterbalance_group(None) == counterbalance_group("") == 0
    pre, post = course.form_test(PRE), course.form_test(POST)
    for student in GROUP_0:
        assert (pre.planned_form(student), post.planned_form(student)) == (A, B)
    for student in GROUP_1:
        assert (pre.planned_form(student), post.planned_form(student)) == (B, A)
    # about half a class in each order
    assert 450 < sum(counterbalance_group(f"learner-{n}") for n in range(1000)) < 550


def test_the_learner_id_is_the_hub_user_or_the_system_user():
    assert learner_id({"JUPYTERHUB_USER": "cara"}) == "cara"
    import os
    import pwd

    assert learner_id({}) == pwd.getpwuid(os.getuid()).pw_name


def test_in_the_browser_no_user_name_is_known(monkeypatch):
    """Pyodide (the static site) has no pwd module and sets USER to Emscripten's "web_user" for
    everyone: that is no learner's name, so it must not pick a counterbalancing group."""
    monkeypatch.setattr(sys, "platform", "emscripten")
    assert learner_id({"USER": "web_user", "LOGNAME": "web_user"}) is None
    assert learner_id({"JUPYTERHUB_USER": "cara", "USER": "web_user"}) == "cara"


def test_without_a_user_name_every_learner_takes_form_a_then_b(course, tmp_path, monkeypatch):
    monkeypatch.setattr(sys, "platform", "emscripten")
    site = {"USER": "web_user"}
    why = ("no user name is known here, so everyone takes form A on the pre-test and form B on "
           "the post-test")
    assert learners_form(course.form_test(PRE), tmp_path / "answers.json", site) == (A, why)
    assert learners_form(course.form_test(POST), tmp_path / "answers.json", site) == (B, why)


def test_the_learners_form_is_the_one_their_answers_file_was_made_on(course, tmp_path):
    test = course.form_test(PRE)
    path = tmp_path / "answers.json"
    assert learners_form(test, path, {"JUPYTERHUB_USER": "cara"}) == (
        B, "chosen for the user name 'cara'")
    write_answers(path, PRE, {"p01s1": "meta"}, FORM_SLUGS["a"])  # made on A, under another id
    assert learners_form(test, path, {"JUPYTERHUB_USER": "cara"}) == (
        A, "your answers so far are on form A")


@pytest.mark.parametrize(("forms", "tests", "message"), [
    ([{"form": "a", "slug": "x", "parts": "p"}], [], "names 1 forms"),
    ([{"form": "a", "slug": "x", "parts": "p"}, {"form": "a", "slug": "y", "parts": "q"}], [],
     "each form needs its own form"),
    ([{"form": "a", "slug": "x", "parts": ""}], [], "line 2: empty or missing parts"),
    ([], [{"assignment": "t", "occasion": "pre"}], "names tests but forms.csv names no forms"),
    (None, [{"assignment": "t", "occasion": "middle"}], "occasion 'middle' is not pre or post"),
    (None, [{"assignment": "t", "occasion": "pre"}, {"assignment": "u", "occasion": "pre"}],
     "repeats an assignment or an occasion"),
])
def test_bad_forms_and_tests_files_say_what_is_wrong(forms, tests, message):
    with pytest.raises(ValueError, match=message):
        parsed = parse_forms(forms) if forms is not None else (A, B)
        parse_tests(tests, parsed)


def test_a_broken_forms_file_is_a_course_error(course):
    (course.data / "forms.csv").write_text("form,slug,parts\na,x,y\n")
    with pytest.raises(CourseError, match="names 1 forms; a pre-test and a post-test need "
                                          "exactly two"):
        Course.open(course.root).form_test(PRE)


# -- grading a test -----------------------------------------------------------------------------

def key_answers(form: str, wrong: tuple[str, ...] = ()) -> dict[str, str]:
    """The key's labels on a form; the units of `wrong` labelled meta (or sourced for meta)."""
    return {u: ("sourced" if label == "meta" else "meta") if u in wrong else label
            for u, _, label, _ in FORM_UNITS}


@pytest.fixture
def plan(course) -> trusted.SorterAssignment:
    return trusted.SorterAssignment.from_course(course, PRE)


def test_a_tests_plan_has_one_plan_per_form(plan):
    assert plan.article is None and plan.test.assignment == PRE
    assert [(s.section, s.points) for s in plan.sections] == [("part-1", 4.0), ("part-2", 4.0)]
    assert plan.max_points == 8.0 and plan.unit_ids == [] and plan.key == {}
    assert {form: p.article for form, p in plan.forms.items()} == FORM_SLUGS
    assert plan.forms["b"].sections[0].title == "Form b first half"
    assert plan.forms["b"].assignment == PRE
    assert plan.section_of() == {"p01s1": "part-1", "p02s1": "part-1", "p02s2": "part-1",
                                 "p03s1": "part-1", "p03s2": "part-1", "p04s1": "part-2",
                                 "p04s2": "part-2", "p05s1": "part-2"}


def grade_file(tmp_path, plan, answers, article, student):
    path = tmp_path / "answers.json"
    write_answers(path, PRE, answers, article)
    return trusted.grade_answers(read_answers(path, PRE, plan.article), plan, student)


def test_a_file_is_graded_on_the_form_it_was_made_on(plan, tmp_path):
    # cara's plan: form B first. Her file on B: graded on B, no note.
    grade = grade_file(tmp_path, plan, key_answers("b", ("p02s1",)), FORM_SLUGS["b"], "cara")
    assert (grade.status, grade.form, grade.reason) == ("ok", "b", "")
    assert grade.plan is plan.forms["b"]
    # part-1, p02s1 alone wrong (meta): observed 4/5; learner's labels meta 2, claim 1,
    # commentary 1, sourced 1 against units accepting them: meta 1, claim 2, commentary 1,
    # sourced 2: chance (2 + 2 + 1 + 2) / 25 = 7/25; kappa (20/25 - 7/25) / (18/25) = 13/18:
    # 4 x 13/18 = 2.89
    assert grade.section_points == {"part-1": 2.89, "part-2": 4.0}


def test_a_file_on_the_other_form_than_the_plan_is_graded_as_made_and_flagged(plan, tmp_path):
    grade = grade_file(tmp_path, plan, key_answers("a"), FORM_SLUGS["a"], "cara")
    assert (grade.status, grade.form, grade.points) == ("ok", "a", 8.0)
    assert grade.reason == ("made on form A, but the counterbalancing plan gives this learner "
                            "form B: graded on form A, as made (check that the learner worked "
                            "under their own user name)")
    # without a student id there is no plan to compare with
    assert grade_file(tmp_path, plan, key_answers("a"), FORM_SLUGS["a"], None).reason == ""


def test_a_file_for_no_form_of_the_test_is_foreign(plan, tmp_path):
    grade = grade_file(tmp_path, plan, {"p02s1": "sourced"}, "raqqa-2021", "ann")
    assert (grade.status, grade.points, grade.form) == ("foreign", 0.0, "a")
    assert grade.reason == ("answers.json holds answers for the article 'raqqa-2021', which is "
                            "no form of 00-pre (form A: tiny-form-a, form B: tiny-form-b). Use "
                            "the answers file from this assignment's folder.")


def test_files_without_a_form_are_graded_on_the_planned_form(plan, tmp_path):
    # a file that names no article (written before files named it): the learner's planned form
    grade = grade_file(tmp_path, plan, key_answers("b"), None, "dev")
    assert (grade.form, grade.points, grade.reason) == ("b", 8.0, "")
    assert trusted.grade_answers(None, plan, "ann").form == "a"
    missing = trusted.grade_answers(read_answers(tmp_path / "none.json", PRE), plan, "dev")
    assert (missing.status, missing.form, missing.points) == ("missing", "b", 0.0)
    assert [r.unit_id for r in missing.results] == [u for u, *_ in FORM_UNITS]


def test_trusted_scores_grade_a_test_on_the_learners_form(course):
    folder = course.root / "submitted" / "cara" / PRE
    folder.mkdir(parents=True)
    write_answers(folder / "answers.json", PRE, key_answers("b", ("p04s1",)), FORM_SLUGS["b"])
    scores, nb = run_trusted_scores(course.root, learner_notebook("", forged=True),
                                    student="cara", assignment=PRE)
    # part-2 (p04s1 claim, p04s2 commentary, p05s1 meta), p04s1 wrong (meta): observed 2/3;
    # chance (meta 2 x 1 + commentary 1 x 1) / 9 = 1/3; kappa 1/2: 4 x 1/2 = 2
    assert scores["part-1-grade"] == 4.0 and scores["part-2-grade"] == 2.0
    assert nb.cells[1].outputs[0].text.startswith(
        "Form b second half (paragraphs 4-5): 2 of 4 points.")


def test_the_sorter_and_the_checks_show_the_learners_form(course, tmp_path, monkeypatch,
                                                          capsys):
    from readkit.grading.cells import check_answers
    from readkit.widgets.form import show_form
    from readkit.widgets.sorter import Sorter

    monkeypatch.setenv("JUPYTERHUB_USER", "cara")  # group 1: form B first
    monkeypatch.chdir(tmp_path)
    sorter = Sorter.section(PRE, "part-2", course=course)
    assert sorter.article == FORM_SLUGS["b"] and sorter.unit_ids == ["p04s1", "p04s2", "p05s1"]
    assert [u["text"] for u in sorter.widget._units][0] == "Form b text of p04s1."
    sorter.choose("p04s1", "claim")
    saved = json.loads((tmp_path / "answers.json").read_text())
    assert (saved["assignment"], saved["article"]) == (PRE, FORM_SLUGS["b"])
    assert Sorter.section(POST, "part-1", course=course, answers_path="post.json").article == \
        FORM_SLUGS["a"]
    show_form(PRE, course=course)
    check_answers(PRE, course=course)
    out = capsys.readouterr().out
    assert out.startswith('Your form: B, "Form B headline" (your answers so far are on form B).')
    assert "Your form B: Form B headline." in out and "1 of 8 sentences labelled" in out
    # another user name later: the file keeps the learner on the form they started
    monkeypatch.setenv("JUPYTERHUB_USER", "ann")
    assert Sorter.section(PRE, "part-1", course=course).article == FORM_SLUGS["b"]
    with pytest.raises(CourseError, match="not a test on the parallel forms"):
        show_form("01-sort-the-sources", course=course)
