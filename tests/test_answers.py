"""The answer store: every status read_answers can give, atomic writes, move_aside naming."""

import json
import os

import pytest

from readkit import answers as store


def write_json(path, payload) -> None:
    path.write_text(json.dumps(payload), encoding="utf-8")


def test_ok_round_trip(tmp_path):
    path = tmp_path / "answers.json"
    store.write_answers(path, "01-sort", {"p01s1": "meta", "p07s2": "commentary"})
    found = store.read_answers(path, "01-sort")
    assert (found.status, found.usable, found.assignment) == (store.OK, True, "01-sort")
    assert found.answers == {"p01s1": "meta", "p07s2": "commentary"}
    assert found.problems == []
    assert json.loads(path.read_text(encoding="utf-8")) == {
        "version": 1, "assignment": "01-sort",
        "answers": {"p01s1": "meta", "p07s2": "commentary"},
    }


def test_any_assignment_accepted_when_none_asked(tmp_path):
    path = tmp_path / "answers.json"
    store.write_answers(path, "lesson-01", {"p01s1": "meta"})
    assert store.read_answers(path).status == store.OK


def test_missing(tmp_path):
    found = store.read_answers(tmp_path / "answers.json", "01-sort")
    assert (found.status, found.usable, found.answers) == (store.MISSING, False, {})
    assert "answers.json not found" in found.problems[0]


@pytest.mark.parametrize("content", [b"{not json", b"", b'{"version": 1, "answers": {', b"\xff\xfe"])
def test_corrupt(tmp_path, content):
    path = tmp_path / "answers.json"
    path.write_bytes(content)
    found = store.read_answers(path, "01-sort")
    assert (found.status, found.answers) == (store.CORRUPT, {})
    assert "not valid JSON" in found.problems[0]


@pytest.mark.parametrize("payload", [
    {"version": 2, "assignment": "01-sort", "answers": {}},
    {"assignment": "01-sort", "answers": {}},
    {"version": 1, "assignment": "01-sort", "answers": ["p01s1", "meta"]},
    ["version", 1],
    "answers",
])
def test_foreign_format(tmp_path, payload):
    path = tmp_path / "answers.json"
    write_json(path, payload)
    found = store.read_answers(path, "01-sort")
    assert (found.status, found.answers) == (store.FOREIGN, {})
    assert "not a readkit answers file" in found.problems[0]


def test_foreign_assignment(tmp_path):
    path = tmp_path / "answers.json"
    store.write_answers(path, "02-trace", {"p01s1": "meta"})
    found = store.read_answers(path, "01-sort")
    assert (found.status, found.assignment, found.answers) == (store.FOREIGN, "02-trace", {})
    assert "belongs to assignment '02-trace', not '01-sort'" in found.problems[0]


def test_too_large_is_not_parsed(tmp_path):
    path = tmp_path / "answers.json"
    path.write_bytes(b"{" + b" " * store.MAX_BYTES + b"}")
    found = store.read_answers(path, "01-sort")
    assert (found.status, found.answers) == (store.TOO_LARGE, {})
    assert "limit 1,000,000" in found.problems[0]


def test_unknown_labels_dropped_with_problem(tmp_path):
    path = tmp_path / "answers.json"
    write_json(path, {"version": 1, "assignment": "01-sort",
                      "answers": {"p01s1": "meta", "p02s1": "opinion", "p03s1": None}})
    found = store.read_answers(path, "01-sort")
    assert found.status == store.OK
    assert found.answers == {"p01s1": "meta"}
    assert len(found.problems) == 2
    assert "p02s1: unknown label 'opinion' ignored" in found.problems[0]
    assert "p03s1: unknown label None ignored" in found.problems[1]


def test_write_leaves_no_temp_files(tmp_path):
    path = tmp_path / "answers.json"
    for n in range(20):
        store.write_answers(path, "01-sort", {"p01s1": store_label(n)})
    assert os.listdir(tmp_path) == ["answers.json"]
    assert store.read_answers(path, "01-sort").answers == {"p01s1": store_label(19)}


def store_label(n: int) -> str:
    return ("sourced", "claim", "commentary", "meta")[n % 4]


def test_failed_write_keeps_old_file_and_no_temp(tmp_path):
    path = tmp_path / "answers.json"
    store.write_answers(path, "01-sort", {"p01s1": "meta"})
    before = path.read_bytes()
    with pytest.raises(TypeError):
        store.write_answers(path, "01-sort", {"p01s1": object()})  # not JSON-serialisable
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["answers.json"]


def test_move_aside_keeps_bytes_and_never_overwrites(tmp_path, monkeypatch):
    monkeypatch.setattr(store.time, "strftime", lambda _format: "20260101-120000")
    path = tmp_path / "answers.json"
    targets = []
    for n in range(3):
        path.write_bytes(f"broken {n}".encode())
        targets.append(store.move_aside(path))
    assert [t.name for t in targets] == [
        "answers.unreadable-20260101-120000.json",
        "answers.unreadable-20260101-120000-2.json",
        "answers.unreadable-20260101-120000-3.json",
    ]
    assert [t.read_bytes() for t in targets] == [b"broken 0", b"broken 1", b"broken 2"]
    assert not path.exists()
