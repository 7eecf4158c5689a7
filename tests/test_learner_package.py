"""The wheel learners install carries the article and the practice key, never the assessment key."""

import csv
import io
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from readkit.course.key import read_key

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(out), str(ROOT)],
        check=True, capture_output=True,
    )
    return next(out.glob("readkit-*.whl"))


def test_wheel_has_learner_data_and_practice_key_only(wheel):
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        assert {"readkit/_data/article.txt", "readkit/_data/units.csv",
                "readkit/_data/key.csv"} <= names
        rows = list(csv.DictReader(io.StringIO(archive.read("readkit/_data/key.csv").decode())))
    assert rows, "the practice key is missing"
    assert {row["split"] for row in rows} == {"practice"}
    assert [row["unit_id"] for row in rows] == list(read_key("practice"))


def test_no_assessment_rationale_anywhere_in_wheel(wheel):
    secrets = [entry.rationale for entry in read_key("assessment").values()]
    assert secrets
    with zipfile.ZipFile(wheel) as archive:
        blob = b"\n".join(archive.read(name) for name in archive.namelist()).decode("utf-8")
    leaked = [text for text in secrets if text in blob]
    assert leaked == []


def test_installed_wheel_reads_practice_key_without_a_course(wheel, tmp_path):
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(tmp_path / "site")
    env = {k: v for k, v in os.environ.items() if k != "READKIT_COURSE"}
    env["PYTHONPATH"] = str(tmp_path / "site")
    code = ("import readkit.course.key as k, readkit.course.article as a; "
            "print(a.data_dir().name, len(k.read_key('practice')), len(k.read_key('assessment')))")
    out = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env,
                         capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["_data", str(len(read_key("practice"))), "0"]
