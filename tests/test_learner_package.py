"""The wheel learners install carries the article and the practice key, never the assessment
key's labels or rationales, and none of the course's tests, benchmarks or browser harness.

Built offline: `pip wheel --no-deps --no-build-isolation` uses the hatchling of this venv (in the
test extra) instead of fetching one.
"""

import csv
import io
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from readkit.course.course import Course

ROOT = Path(__file__).resolve().parents[1]
COURSE = Course.open(ROOT)
SLUGS = COURSE.article_slugs
LEARNER_KEY_COLUMNS = ("unit_id", "split")  # all an assessment row keeps in the wheel
PUBLIC = ("article.txt", "units.csv", "key.csv", "sections.csv", "sources.csv", "claims.csv",
          "checksum.sha256")


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    result = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index",
         "--quiet", "--disable-pip-version-check", "-w", str(out), str(ROOT)],
        capture_output=True, text=True,
    )
    assert result.returncode == 0, result.stderr
    (found,) = out.glob("readkit-*.whl")
    return found


@pytest.fixture(scope="module")
def names(wheel) -> list[str]:
    with zipfile.ZipFile(wheel) as archive:
        return archive.namelist()


def test_wheel_has_the_package_and_the_learner_data_of_every_article(names):
    assert {"readkit/__init__.py", "readkit/course/course.py", "readkit/widgets/static/sorter.js",
            "readkit/widgets/templates/show.html.j2", "readkit/_data/articles.csv"} <= set(names)
    data = sorted(name for name in names if name.startswith("readkit/_data/articles/"))
    assert data == sorted(f"readkit/_data/articles/{slug}/{name}"
                          for slug in SLUGS for name in PUBLIC)


def test_wheel_has_no_tests_benchmarks_or_browser_harness(names):
    unwanted = [name for name in names
                if name.startswith(("benchmarks/", "tests/", "tools/"))
                or "/benchmarks/" in name or "/tests/" in name or "browser_harness" in name]
    assert unwanted == []
    version = names_version(names)
    assert {name.split("/")[0] for name in names} == {
        "readkit", f"readkit-{version}.dist-info", f"readkit-{version}.data"}
    # the one file installed outside the package: it enables readkit's formgrader extension
    assert [name for name in names if name.startswith(f"readkit-{version}.data/")] == [
        f"readkit-{version}.data/data/etc/jupyter/jupyter_server_config.d/readkit.json"]


def names_version(names: list[str]) -> str:
    (info,) = {name.split("/")[0] for name in names if ".dist-info/" in name}
    return info.removeprefix("readkit-").removesuffix(".dist-info")


@pytest.mark.parametrize("slug", SLUGS)
def test_wheel_key_has_practice_rows_whole_and_assessment_rows_bare(wheel, slug):
    with zipfile.ZipFile(wheel) as archive:
        key = archive.read(f"readkit/_data/articles/{slug}/key.csv").decode()
    rows = list(csv.DictReader(io.StringIO(key)))
    article = COURSE.article(slug)
    practice = [row for row in rows if row["split"] == "practice"]
    assessment = [row for row in rows if row["split"] == "assessment"]
    assert len(practice) + len(assessment) == len(rows) == len(article.units)
    assert [row["unit_id"] for row in practice] == list(article.key("practice"))
    assert [row["unit_id"] for row in assessment] == list(article.key("assessment"))
    assert all(row["label"] and row["rationale"] for row in practice)
    # An assessment row says which units a graded part covers, and nothing about their labels.
    assert [{k: v for k, v in row.items() if v} for row in assessment] == [
        {k: row[k] for k in LEARNER_KEY_COLUMNS} for row in assessment]


def leaked_rationales(files: dict[str, bytes]) -> list[str]:
    """The assessment rationales found in any of the files: in the raw text, and in the cells of
    every CSV file (where a rationale's quotation marks are doubled)."""
    secrets = [entry.rationale for slug in SLUGS
               for entry in COURSE.article(slug).key("assessment").values()]
    assert len(secrets) > 20
    texts = [data.decode("utf-8") for data in files.values()]
    texts += [cell for name, data in files.items() if name.endswith(".csv")
              for row in csv.reader(io.StringIO(data.decode("utf-8"))) for cell in row]
    blob = "\n".join(texts)
    return [text for text in secrets if text in blob]


def test_no_assessment_rationale_anywhere_in_wheel(wheel):
    with zipfile.ZipFile(wheel) as archive:
        files = {name: archive.read(name) for name in archive.namelist()}
    assert leaked_rationales(files) == []
    # The check can fail: it finds every rationale in the instructor's key.csv.
    instructor = {f"{slug}/key.csv": (COURSE.article(slug).folder / "key.csv").read_bytes()
                  for slug in SLUGS}
    assert len(leaked_rationales(instructor)) == sum(
        len(COURSE.article(slug).key("assessment")) for slug in SLUGS)


def test_installed_wheel_reads_practice_key_without_a_course(wheel, tmp_path):
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(tmp_path / "site")
    env = {k: v for k, v in os.environ.items() if k != "READKIT_COURSE"}
    env["PYTHONPATH"] = str(tmp_path / "site")
    code = (
        "import readkit; from readkit.course.course import Course; c = Course.default(); "
        "a = c.article(); "
        "print(readkit.__file__, c.data.name, len(a.key('practice')), "
        "sum(bool(e.label or e.rationale) for e in a.key('assessment').values()), "
        "len(a.split_unit_ids('assessment')), len(readkit.load_units()))"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env,
                         capture_output=True, text=True, check=True)
    where, data, practice, labelled, assessment, units = out.stdout.split()
    assert Path(where).is_relative_to(tmp_path / "site")  # the wheel, not the checkout
    assert (data, int(practice), int(labelled), int(assessment), int(units)) == (
        "_data", len(COURSE.article().key("practice")), 0,
        len(COURSE.article().key("assessment")), len(COURSE.article().units))


def test_learner_files_of_every_article_keep_the_practice_key_only(tmp_path):
    """What the wheel's build hook and the grading sandbox get, for a course of two articles:
    every article's public files whole, its key's assessment rows bare."""
    from readkit.course.learner_data import write_learner_files

    data = tmp_path / "data"
    shutil.copytree(ROOT / "data", data)
    shutil.copytree(data / "articles" / SLUGS[0], data / "articles" / "second")
    with (data / "articles.csv").open("a", encoding="utf-8") as handle:
        handle.write("second,A second article\n")
    out = tmp_path / "learner"
    written = write_learner_files(data, out)
    assert sorted(p.relative_to(out).as_posix() for p in written) == sorted(
        ["articles.csv", *(f"articles/{slug}/{name}" for slug in (*SLUGS, "second")
                           for name in PUBLIC)])
    learner = Course(tmp_path, out)
    for slug in (*SLUGS, "second"):
        article = learner.article(slug)
        source = COURSE.article(SLUGS[0] if slug == "second" else slug)  # "second" copies the first
        assert article.text == source.text
        assert list(article.key("practice")) == list(source.key("practice"))
        assert article.key("assessment") == {}  # no labels: left out
        assert article.split_unit_ids("assessment") == list(source.key("assessment"))
    files = {p.as_posix(): p.read_bytes() for p in written}
    assert leaked_rationales(files) == []


def test_wheel_has_no_teacher_materials(names):
    """The docs (the teacher guide, rubric anchors, primer, notes) stay with the course repo."""
    materials = ("teacher-guide.md", "rubric-anchors.md", "codebook-instructor.md",
                 "background-primer.md", "teaching-notes.md", "extension.md")
    found = [name for name in names
             if name.startswith("docs/") or "/docs/" in name or name.endswith(materials)]
    assert found == []
