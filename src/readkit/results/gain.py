"""`readkit gain [PRE POST]`: the learning-gain report of a class that took the pre-test and the
post-test (by default the course's, data/tests.csv).

It reads the score records that `readkit grade PRE` and `readkit grade POST` wrote
(readkit.results.record: every learner's points from answers.json as submitted, each test on the
form it was made on), and, for the learners who took both (a readable answers file with at
least one sentence labelled), gives:

- each learner's pre and post score (% of the test's points), gain and normalised gain
  (Hake: (post - pre) / (100 - pre));
- the mean gain with its 95% confidence interval (paired t: scipy.stats.ttest_rel) and the
  paired effect size Cohen's d_z (mean gain / SD of the gains) with its 95% interval (from the
  noncentral t distribution, scipy.stats.nct);
- which distinctions improved: per key label, the share of its sentences right before and
  after (mean change with its paired interval), and the label confusion before and after;
- the form-order check: the gain of the learners who took A then B and of those who took B
  then A. Half their difference is how much harder one form is than the other; half their sum
  is the gain with form difficulty taken out (each with a Welch interval, scipy.stats.ttest_ind);
- the learners who took only one of the two (or neither), listed, never dropped silently.

Writes grading/reports/gain-PRE-POST/: gain.csv (one row per learner), distinctions.csv (one row
per label) and index.html (a slope plot of each learner's pre and post score; Jinja2 with
autoescaping, matplotlib's Agg backend). There is no control group: a gain is not proof that
the course caused it (docs/teacher-guide.md says how to read it).
"""

from __future__ import annotations

import argparse
import base64
import io
import math
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from readkit.course.answers import OK
from readkit.course.course import DATA, Course
from readkit.course.errors import CourseError, GradingError
from readkit.course.forms import TESTS_FILE
from readkit.course.labels import LABELS
from readkit.course.safe_text import csv_cell, printable
from readkit.grading.scoring import UnitResult

CONFIDENCE = 0.95
UNLABELLED = "unlabelled"
CHOICES = (*LABELS, UNLABELLED)
# Why a learner is not among those who took both tests.
NOT_TAKEN = {"not-submitted": "no submission", "ok": "no sentence labelled"}


@dataclass
class Interval:
    estimate: float
    low: float
    high: float

    def text(self, unit: str = "", digits: int = 1) -> str:
        if math.isnan(self.estimate):
            return "not computable"
        if math.isnan(self.low):
            return f"{self.estimate:+.{digits}f}{unit} (no interval)"
        return (f"{self.estimate:+.{digits}f}{unit} (95% CI {self.low:+.{digits}f} to "
                f"{self.high:+.{digits}f})")

    @property
    def excludes_zero(self) -> bool:
        return not math.isnan(self.low) and (self.low > 0 or self.high < 0)


@dataclass
class ClassGain:
    pre: str
    post: str
    learners: object  # pandas DataFrame, one row per learner (gain.csv)
    paired: object  # the rows of learners who took both
    mean_pre: float
    mean_post: float
    gain: Interval
    effect_size: Interval  # Cohen's d_z
    class_normalised_gain: float
    p_value: float
    distinctions: object  # DataFrame, one row per key label (distinctions.csv)
    confusion: dict  # "pre"/"post" -> key label -> chosen -> share of the key label's units
    orders: object  # DataFrame, one row per form order
    form_effect: Interval | None  # how much higher form B scores than form A (points)
    adjusted_gain: Interval | None  # the gain with form difficulty taken out

    @property
    def only_one(self):
        return self.learners[self.learners["took"].isin(["pre only", "post only"])]

    @property
    def neither(self):
        return self.learners[self.learners["took"] == "neither"]


# --- the table of learners ------------------------------------------------------------------


def _took(grade) -> bool:
    return grade.status == OK and any(r.labelled for r in grade.results)


def _why_not(grade) -> str:
    if grade is None:
        return "no submission"
    if grade.status == OK:
        return NOT_TAKEN["ok"]
    return NOT_TAKEN.get(grade.status, f"answers file {grade.status}")


def learner_rows(pre_grades, post_grades):
    """One row per learner of either test (pandas DataFrame): scores, forms, order, gain."""
    import pandas as pd

    tests = {"pre": pre_grades, "post": post_grades}
    by_student = {name: {s.student: s for s in grades.students} for name, grades in tests.items()}
    rows = []
    for student in sorted(set(by_student["pre"]) | set(by_student["post"])):
        row = {"student": student}
        for name, grades in tests.items():
            grade = by_student[name].get(student)
            taken = grade is not None and _took(grade)
            points = sum(grade.section_points.values()) if taken else math.nan
            row[f"{name}_form"] = (getattr(grade, "form", "") or "").upper() if taken else ""
            row[f"{name}_percent"] = 100 * points / grades.data.max_points if taken else math.nan
            row[f"{name}_note"] = "" if taken else _why_not(grade)
            # a file made on the other form than the counterbalancing plan gives (the grader
            # graded it as made and said so in its reason)
            row[f"{name}_off_plan"] = bool(taken and "counterbalancing plan" in grade.reason)
        took = [name for name in tests if not row[f"{name}_note"]]
        row["took"] = "both" if len(took) == 2 else f"{took[0]} only" if took else "neither"
        row["order"] = (f"{row['pre_form']}->{row['post_form']}"
                        if row["took"] == "both" else "")
        row["gain"] = row["post_percent"] - row["pre_percent"]
        room = 100 - row["pre_percent"]
        row["normalised_gain"] = row["gain"] / room if room > 0 else math.nan
        rows.append(row)
    columns = ["student", "took", "pre_form", "pre_percent", "post_form", "post_percent",
               "gain", "normalised_gain", "order", "pre_off_plan", "post_off_plan", "pre_note",
               "post_note"]
    return pd.DataFrame(rows, columns=columns)


# --- statistics -------------------------------------------------------------------------------


def mean_gain(paired) -> tuple[Interval, float]:
    """The mean of post - pre with its paired-t interval, and the test's p value."""
    from scipy import stats

    if len(paired) < 2:
        estimate = float(paired["gain"].mean()) if len(paired) else math.nan
        return Interval(estimate, math.nan, math.nan), math.nan
    result = stats.ttest_rel(paired["post_percent"], paired["pre_percent"])
    low, high = result.confidence_interval(CONFIDENCE)
    estimate = float(paired["gain"].mean())
    if not math.isfinite(low):  # every gain the same: no spread, the interval is the value
        low = high = estimate
    return Interval(estimate, float(low), float(high)), float(result.pvalue)


def cohens_dz(gains) -> Interval:
    """Cohen's d_z = mean gain / SD of the gains, with the interval that inverts the
    noncentral t distribution of t = d_z * sqrt(n) (n - 1 degrees of freedom)."""
    from scipy import optimize, stats

    n = len(gains)
    if n < 2:
        return Interval(math.nan, math.nan, math.nan)
    sd = float(gains.std(ddof=1))
    if sd == 0:
        return Interval(math.nan, math.nan, math.nan)
    d = float(gains.mean()) / sd
    t, df, root = d * math.sqrt(n), n - 1, math.sqrt(n)

    def bound(tail: float) -> float:
        # the d whose noncentral t puts `tail` of its distribution above the observed t (the
        # share above rises with the noncentrality: widen the bracket until it holds the root)
        def gap(delta: float) -> float:
            return float(stats.nct.sf(t, df, delta * root)) - tail
        width = 1.0
        while gap(d - width) > 0 or gap(d + width) < 0:
            width *= 2
        return optimize.brentq(gap, d - width, d + width, xtol=1e-10)

    alpha = 1 - CONFIDENCE
    return Interval(d, bound(alpha / 2), bound(1 - alpha / 2))


def key_labels(grades, grade) -> list[tuple[str, UnitResult]]:
    """(the key's label, the unit result) for each unit of a learner's test: a score record
    keeps only the unit, the choice and whether it was right, so the label comes from the key
    of the form the learner was graded on."""
    plan = grades.data
    forms = getattr(plan, "forms", None) or {}
    key = forms[grade.form].key if grade.form in forms else getattr(plan, "key", {})
    return [(r.label or key[r.unit_id].label, r) for r in grade.results]


def _label_recall(grades, grade, label: str) -> float:
    units = [r for key, r in key_labels(grades, grade) if key == label]
    return sum(r.correct for r in units) / len(units) if units else math.nan


def distinctions(pre_grades, post_grades, students: list[str]):
    """Per key label: the mean share of its sentences right on the pre-test and the post-test,
    over the learners who took both, and the mean change with its paired interval."""
    import pandas as pd
    from scipy import stats

    pre = {s.student: s for s in pre_grades.students}
    post = {s.student: s for s in post_grades.students}
    rows = []
    for label in LABELS:
        before = [_label_recall(pre_grades, pre[s], label) for s in students]
        after = [_label_recall(post_grades, post[s], label) for s in students]
        pairs = [(b, a) for b, a in zip(before, after, strict=True)
                 if not (math.isnan(b) or math.isnan(a))]
        change = [100 * (a - b) for b, a in pairs]
        row = {"label": label, "learners": len(pairs),
               "pre_right": 100 * sum(b for b, _ in pairs) / len(pairs) if pairs else math.nan,
               "post_right": 100 * sum(a for _, a in pairs) / len(pairs) if pairs else math.nan,
               "change": sum(change) / len(change) if change else math.nan,
               "change_low": math.nan, "change_high": math.nan}
        if len(pairs) >= 2 and len(set(change)) > 1:
            low, high = stats.ttest_1samp(change, 0).confidence_interval(CONFIDENCE)
            row["change_low"], row["change_high"] = float(low), float(high)
        rows.append(row)
    return pd.DataFrame(rows)


def confusion(grades, students: list[str]) -> dict[str, dict[str, float]]:
    """key label -> chosen label (or unlabelled) -> share of that key label's sentences."""
    by_student = {s.student: s for s in grades.students}
    counts = {label: dict.fromkeys(CHOICES, 0) for label in LABELS}
    for student in students:
        for label, r in key_labels(grades, by_student[student]):
            counts[label][r.chosen or UNLABELLED] += 1
    return {label: {c: n / max(1, sum(row.values())) for c, n in row.items()}
            for label, row in counts.items()}


def order_check(paired) -> tuple[object, Interval | None, Interval | None]:
    """The gain by form order, and, when both counterbalanced orders have two learners or
    more: how much higher form B scores than form A (half the difference of the two orders'
    mean gains) and the gain with form difficulty taken out (half their sum), each with a
    Welch interval."""
    from scipy import stats

    orders = (paired.groupby("order")
              .agg(learners=("student", "size"), pre=("pre_percent", "mean"),
                   post=("post_percent", "mean"), gain=("gain", "mean"))
              .reset_index())
    a_b = paired.loc[paired["order"] == "A->B", "gain"]
    b_a = paired.loc[paired["order"] == "B->A", "gain"]
    if len(a_b) < 2 or len(b_a) < 2:
        return orders, None, None

    def halved(first, second) -> Interval:
        result = stats.ttest_ind(first, second, equal_var=False)
        low, high = result.confidence_interval(CONFIDENCE)
        estimate = (float(first.mean()) - float(second.mean())) / 2
        if not math.isfinite(low):
            low = high = 2 * estimate
        return Interval(estimate, float(low) / 2, float(high) / 2)

    return orders, halved(a_b, b_a), halved(a_b, -b_a)


def class_gain(pre_grades, post_grades) -> ClassGain:
    learners = learner_rows(pre_grades, post_grades)
    paired = learners[learners["took"] == "both"].reset_index(drop=True)
    gain, p_value = mean_gain(paired)
    students = list(paired["student"])
    mean_pre = float(paired["pre_percent"].mean()) if len(paired) else math.nan
    mean_post = float(paired["post_percent"].mean()) if len(paired) else math.nan
    room = 100 - mean_pre
    orders, form_effect, adjusted = order_check(paired)
    return ClassGain(
        pre_grades.assignment, post_grades.assignment, learners, paired, mean_pre, mean_post,
        gain, cohens_dz(paired["gain"]),
        (mean_post - mean_pre) / room if room > 0 else math.nan, p_value,
        distinctions(pre_grades, post_grades, students),
        {"pre": confusion(pre_grades, students), "post": confusion(post_grades, students)},
        orders, form_effect, adjusted)


# --- what is written ----------------------------------------------------------------------------


def _number(value: float, digits: int = 2) -> str:
    return "" if value is None or (isinstance(value, float) and math.isnan(value)) \
        else f"{value:.{digits}f}"


def summary_lines(result: ClassGain) -> list[str]:
    paired, learners = result.paired, result.learners
    lines = [f"Learning gain {result.pre} -> {result.post}: {len(paired)} of {len(learners)} "
             "learner(s) took both."]
    if len(paired):
        lines += [
            f"  mean score: pre {result.mean_pre:.1f}%, post {result.mean_post:.1f}%",
            f"  mean gain: {result.gain.text(' points')}"
            + (f", p = {result.p_value:.3g}" if not math.isnan(result.p_value) else ""),
            f"  effect size (Cohen's d_z): {result.effect_size.text(digits=2)}",
            f"  class normalised gain (Hake's <g>): {_number(result.class_normalised_gain)}",
        ]
        improved = [f"{row.label} {round(row.change, 1) + 0.0:+.1f}"  # never "-0.0"
                    for row in result.distinctions.itertuples() if not math.isnan(row.change)]
        lines.append("  share right by key label, change in points: " + ", ".join(improved))
        for row in result.orders.itertuples():
            lines.append(f"  order {row.order}: {row.learners} learner(s), mean gain "
                         f"{row.gain:+.1f} points")
        if result.form_effect is not None:
            lines.append(f"  form B against form A: {result.form_effect.text(' points')}; gain "
                         f"with form difficulty taken out: {result.adjusted_gain.text(' points')}")
        else:
            lines.append("  form-order check: too few learners in one of the orders A->B, B->A "
                         "(two each at least) to tell form difficulty from gain")
    for row in result.only_one.itertuples():
        missing = "post" if row.took == "pre only" else "pre"
        lines.append(f"  took only the {row.took.split()[0]}-test: {printable(row.student)} "
                     f"({missing}-test: {getattr(row, f'{missing}_note')})")
    for row in result.neither.itertuples():
        lines.append(f"  took neither: {printable(row.student)} (pre-test: {row.pre_note}; "
                     f"post-test: {row.post_note})")
    same = paired[paired["pre_form"] == paired["post_form"]]
    for row in same.itertuples():
        lines.append(f"  same form twice ({row.pre_form}): {printable(row.student)}; their gain "
                     "mixes in practice on the same text")
    off = learners[learners["pre_off_plan"] | learners["post_off_plan"]]
    if len(off):
        lines.append("  a test made on the other form than the plan gives: "
                     + ", ".join(printable(s) for s in off["student"]))
    lines.append("  No control group: a gain is not proof that the course caused it.")
    return lines


def write_csvs(result: ClassGain, out_dir: Path) -> tuple[Path, Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    learners = result.learners.copy()
    learners["student"] = [csv_cell(s) for s in learners["student"]]
    gain_csv, labels_csv = out_dir / "gain.csv", out_dir / "distinctions.csv"
    learners.to_csv(gain_csv, index=False, float_format="%.2f", lineterminator="\n")
    result.distinctions.to_csv(labels_csv, index=False, float_format="%.2f",
                               lineterminator="\n")
    return gain_csv, labels_csv


def figure_slopes(result: ClassGain) -> str:
    """Each learner's pre and post score joined by a line (a paired slope plot), coloured by
    form order, with the mean of each order and of the class."""
    from matplotlib.figure import Figure

    figure = Figure(figsize=(6.5, 4.6), dpi=100)
    figure.subplots_adjust(left=0.12, right=0.72, bottom=0.1, top=0.9)
    axes = figure.add_subplot()
    colours = {"A->B": "#1b9e77", "B->A": "#7570b3"}
    for row in result.paired.itertuples():
        axes.plot([0, 1], [row.pre_percent, row.post_percent], marker="o", markersize=3,
                  linewidth=0.8, alpha=0.45, color=colours.get(row.order, "#999999"))
    for order, group in result.paired.groupby("order"):
        axes.plot([0, 1], [group["pre_percent"].mean(), group["post_percent"].mean()],
                  linewidth=2.2, color=colours.get(order, "#999999"),
                  label=f"{order} mean ({len(group)})")
    if len(result.paired):
        axes.plot([0, 1], [result.mean_pre, result.mean_post], linewidth=3, color="black",
                  label="class mean")
    axes.set_xticks([0, 1], [f"pre-test\n{result.pre}", f"post-test\n{result.post}"])
    axes.set_xlim(-0.15, 1.15)
    axes.set_ylim(0, 100)
    axes.set_ylabel("score (% of the test's points)")
    axes.legend(fontsize=8, frameon=False, loc="upper left", bbox_to_anchor=(1.02, 1.0))
    axes.set_title("Each learner's pre and post score")
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def render_html(result: ClassGain) -> str:
    import jinja2

    learners = [[printable(r.student), r.took, r.pre_form, _number(r.pre_percent, 1),
                 r.post_form, _number(r.post_percent, 1), _number(r.gain, 1),
                 _number(r.normalised_gain), r.order,
                 "; ".join(note for note in (r.pre_note and f"pre-test: {r.pre_note}",
                                             r.post_note and f"post-test: {r.post_note}",
                                             "off plan" if r.pre_off_plan or r.post_off_plan
                                             else "") if note)]
                for r in result.learners.itertuples()]
    labels = [[r.label, str(r.learners), _number(r.pre_right, 0), _number(r.post_right, 0),
               Interval(r.change, r.change_low, r.change_high).text(digits=0)]
              for r in result.distinctions.itertuples()]
    orders = [[r.order, str(r.learners), _number(r.pre, 1), _number(r.post, 1),
               _number(r.gain, 1)] for r in result.orders.itertuples()]
    matrices = {name: [[label, *(f"{table[label][c]:.0%}" for c in CHOICES)]
                       for label in LABELS] for name, table in result.confusion.items()}
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(Path(__file__).with_name("templates")),
        autoescape=True, undefined=jinja2.StrictUndefined, keep_trailing_newline=True)
    return environment.get_template("gain.html.j2").render(
        result=result, summary=summary_lines(result), figure=figure_slopes(result),
        generated=time.strftime("%Y-%m-%d %H:%M"), learners=learners, labels=labels,
        orders=orders, matrices=matrices, choices=CHOICES)


def report_dir(course: Course, pre: str, post: str) -> Path:
    return course.layout.reports / f"gain-{pre}-{post}"


def write_gain(course: Course, result: ClassGain, out_dir: Path | None = None
               ) -> tuple[Path, Path, Path]:
    """index.html, gain.csv and distinctions.csv in grading/reports/gain-PRE-POST/."""
    out_dir = out_dir or report_dir(course, result.pre, result.post)
    gain_csv, labels_csv = write_csvs(result, out_dir)
    page = out_dir / "index.html"
    page.write_text(render_html(result), encoding="utf-8")
    return page, gain_csv, labels_csv


def gain_report(course: Course, pre: str | None = None, post: str | None = None) -> ClassGain:
    """Compare the score records of both tests (written by `readkit grade`; GradingError says to
    run it when one is missing). PRE and POST default to the course's pre-test and post-test
    (data/tests.csv)."""
    from readkit.results.record import read_record

    by_occasion = {test.occasion: name for name, test in course.form_tests.items()}
    pre, post = pre or by_occasion.get("pre"), post or by_occasion.get("post")
    if not pre or not post:
        raise GradingError("Name the pre-test and the post-test (readkit gain PRE POST): this "
                           f"course's {DATA}/{TESTS_FILE} does not name both.")
    if pre == post:
        raise GradingError(f"The pre-test and the post-test are both {pre}: name two tests.")
    return class_gain(read_record(course, pre), read_record(course, post))


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.description = (
        f"Compare a class's pre-test and post-test (default: the course's, {DATA}/{TESTS_FILE}) "
        "from the scores `readkit grade` wrote for each: each learner's scores, the mean gain "
        "with its 95% interval, Cohen's d_z, normalised gain, which label distinctions "
        "improved, the form-order check, and who took only one. Writes "
        "grading/reports/gain-PRE-POST/index.html, gain.csv and distinctions.csv.")
    parser.add_argument("pre", nargs="?", metavar="PRE", help="the pre-test assignment")
    parser.add_argument("post", nargs="?", metavar="POST", help="the post-test assignment")
    parser.add_argument("--course", type=Path, default=Path("."), metavar="DIR",
                        help="course folder (default: the working directory)")


def run(args: argparse.Namespace) -> int:
    try:
        course = Course.open(args.course)
        result = gain_report(course, args.pre, args.post)
        page, gain_csv, labels_csv = write_gain(course, result)
    except (CourseError, OSError) as error:
        print(f"readkit gain: {error}", file=sys.stderr)
        return 2
    for line in summary_lines(result):
        print(line)
    print(f"Report: {page}")
    print(f"Tables: {gain_csv} and {labels_csv.name}")
    return 0
