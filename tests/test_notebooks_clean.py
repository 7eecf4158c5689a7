"""Notebooks are committed without outputs (nbstripout): a notebook with outputs fails CI. The
check reads each notebook as git holds it: one a learner ran in this checkout (`make lab`) is
not a commit (tests/support/course_copy.py)."""

from pathlib import Path

import pytest

from tests.support.course_copy import cells_with_outputs, committed

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted(
    path for folder in ("lessons", "solutions", "exercises") for path in (ROOT / folder).rglob("*.ipynb")
    if ".ipynb_checkpoints" not in path.parts
)


def test_there_are_notebooks():
    assert NOTEBOOKS, "no notebooks found in lessons/, solutions/ or exercises/"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[str(p.relative_to(ROOT)) for p in NOTEBOOKS])
def test_notebook_has_no_outputs(path):
    dirty = cells_with_outputs(committed(path))
    assert dirty == [], f"{path.name}: cells {dirty} have outputs; run nbstripout on it"
