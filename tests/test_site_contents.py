"""What the static site's drive holds (tools/site/contents.py), checked on the staged files
without building the site or starting a browser: every relative link in them resolves inside
the drive, and an assessed build (`make site ASSESSED=1`) leaves out the lessons to do after
assignment 01."""

import re
from pathlib import Path
from urllib.parse import unquote, urlparse

import nbformat
import pytest

from tests.support.course_copy import committed
from tools.site import contents

ROOT = Path(__file__).resolve().parents[1]
# A markdown link or image target: [text](target) or ![alt](target), an optional title aside.
LINK = re.compile(r"!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
AFTER_01 = ["06-numbers.ipynb", "07-analogy.ipynb", "08-trace-to-source.ipynb"]
LESSON_1 = "01-first-look.ipynb"
SORTER_01 = "01-sort-the-sources/sort-the-sources.ipynb"


def markdown_texts(path: Path) -> list[str]:
    if path.suffix == ".ipynb":
        notebook = nbformat.read(path, as_version=4)
        return [cell.source for cell in notebook.cells if cell.cell_type == "markdown"]
    return [path.read_text(encoding="utf-8")]


def dead_links(drive: Path) -> list[str]:
    """Relative links in the drive's notebooks and markdown files whose target is not in it."""
    dead = []
    for path in sorted(p for p in drive.rglob("*") if p.suffix in (".ipynb", ".md")):
        for text in markdown_texts(path):
            for target in LINK.findall(text):
                parsed = urlparse(target)
                if parsed.scheme or parsed.netloc or not parsed.path:
                    continue  # a web address, or an anchor in the same file
                resolved = (path.parent / unquote(parsed.path)).resolve()
                if not resolved.is_relative_to(drive.resolve()) or not resolved.exists():
                    dead.append(f"{path.relative_to(drive)} -> {target}")
    return dead


@pytest.fixture(scope="module")
def drive(tmp_path_factory) -> Path:
    target = tmp_path_factory.mktemp("site") / "files"
    contents.write_contents(target)
    return target


def test_every_link_in_the_sites_files_resolves_inside_the_site(drive):
    assert (drive / "lessons" / "01-first-look.ipynb").is_file()
    assert dead_links(drive) == []


def test_lesson_1s_links_to_the_primer_and_glossary_are_in_the_site(drive):
    lesson = "\n".join(markdown_texts(drive / "lessons" / "01-first-look.ipynb"))
    assert "](../docs/background-primer.md)" in lesson and "](../docs/glossary.md)" in lesson
    assert sorted(p.name for p in (drive / "docs").iterdir()) == sorted(contents.LEARNER_DOCS)


def test_no_instructor_doc_is_copied(drive):
    copied = {p.name for p in drive.rglob("*.md")}
    assert not copied & {"teacher-guide.md", "codebook-instructor.md", "rubric-anchors.md",
                         "teaching-notes.md", "grading.md"}


def test_the_link_check_bites(tmp_path):
    drive = tmp_path / "files"
    (drive / "lessons").mkdir(parents=True)
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(
        "See [the guide](../docs/teacher-guide.md), [the web](https://example.org) and "
        "[here](#top).")])
    nbformat.write(notebook, drive / "lessons" / "x.ipynb")
    assert dead_links(drive) == ["lessons/x.ipynb -> ../docs/teacher-guide.md"]


def test_an_assessed_build_leaves_out_the_lessons_to_do_after_assignment_01(tmp_path):
    full = contents.write_contents(tmp_path / "full")
    assessed = contents.write_contents(tmp_path / "assessed", assessed=True)
    assert sorted(set(full) - set(assessed)) == [f"lessons/{name}" for name in AFTER_01]
    assert sorted(p.name for p in (tmp_path / "assessed" / "lessons").glob("*.ipynb")) == [
        f"0{n}-{name}" for n, name in enumerate(
            ["first-look.ipynb", "anatomy.ipynb", "attribution.ipynb",
             "fact-claim-commentary.ipynb", "quote-integrity.ipynb"], start=1)]
    assert "exercises/01-sort-the-sources/sort-the-sources.ipynb" in assessed
    assert dead_links(tmp_path / "assessed") == []


def test_the_site_command_takes_the_assessed_option(capsys):
    from tools.site.__main__ import main

    with pytest.raises(SystemExit) as raised:
        main(["build", "--help"])
    assert raised.value.code == 0
    assert "--assessed" in capsys.readouterr().out
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert "$(if $(ASSESSED),--assessed)" in makefile


@pytest.mark.parametrize("name", ["00-pre-test/pre-test", "01-sort-the-sources/sort-the-sources",
                                  "03-post-test/post-test"])
def test_every_sorter_exercise_in_the_site_can_be_handed_in(drive, name):
    """In the browser the answers stay in the page's storage: each Sorter assignment's last
    cell offers the "Download answers.json" button (readkit.HandIn) for the upload."""
    notebook = nbformat.read(drive / "exercises" / f"{name}.ipynb", as_version=4)
    assignment = name.split("/")[0]
    last = notebook.cells[-1]
    assert last.cell_type == "code" and f'readkit.HandIn("{assignment}")' in last.source
    assert "**Download answers.json**" in notebook.cells[-2].source


def test_a_notebook_run_in_the_checkout_goes_to_the_site_without_its_outputs(tmp_path,
                                                                             monkeypatch):
    """A teacher who tried lesson 1 and assignment 01 with `make lab` (JupyterLab saved their
    outputs and the widgets' state) and then builds the site publishes the notebooks only."""
    for folder, source in (("lessons", LESSON_1), ("exercises", SORTER_01)):
        notebook = nbformat.reads(committed(ROOT / folder / source).decode("utf-8"), as_version=4)
        code = [cell for cell in notebook.cells if cell.cell_type == "code"]
        assert code and all(cell.outputs == [] for cell in code)
        for count, cell in enumerate(code, 1):
            cell.execution_count = count
            cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text="RAN-HERE\n")]
        notebook.metadata["widgets"] = {"state": "RAN-HERE"}
        (tmp_path / folder / source).parent.mkdir(parents=True)
        nbformat.write(notebook, tmp_path / folder / source)
    monkeypatch.setattr(contents, "LESSONS", tmp_path / "lessons")
    monkeypatch.setattr(contents, "EXERCISES", tmp_path / "exercises")
    drive = tmp_path / "drive"
    report = contents.write_contents(drive)
    assert sorted(report) == [f"exercises/{SORTER_01}", f"lessons/{LESSON_1}"]
    for path in report:
        assert "RAN-HERE" not in (drive / path).read_text(encoding="utf-8"), path
        code = [c for c in nbformat.read(drive / path, as_version=4).cells
                if c.cell_type == "code"]
        assert code and all(c.outputs == [] and c.execution_count is None for c in code), path
