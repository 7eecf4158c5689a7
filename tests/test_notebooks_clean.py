"""Notebooks are committed without outputs (nbstripout): a notebook with outputs fails CI."""

import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted(
    path for folder in ("lessons", "solutions", "exercises") for path in (ROOT / folder).rglob("*.ipynb")
    if ".ipynb_checkpoints" not in path.parts
)


def test_there_are_notebooks():
    assert NOTEBOOKS, "no notebooks found in lessons/, solutions/ or exercises/"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[str(p.relative_to(ROOT)) for p in NOTEBOOKS])
def test_notebook_has_no_outputs(path):
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    dirty = [
        index for index, cell in enumerate(cells)
        if cell.get("outputs") or cell.get("execution_count") is not None
    ]
    assert dirty == [], f"{path.name}: cells {dirty} have outputs; run nbstripout on it"
