"""The answer store: every status read_answers can give, atomic writes, move_aside naming."""

import json
import os

import pytest

from readkit.course import answers as store


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


@pytest.mark.parametrize(("content", "what"), [
    (b"{not json", "is not valid JSON (line 1, column 2)"),
    (b"", "is empty"),
    (b"  \n", "is empty"),
    (b'{"version": 1, "answers": {', "is not valid JSON"),
    (b"\xff\xfe", "is not text (it holds binary data)"),
    (b'{"version": 1, "assignment": "01-sort", "answers": {}} {}', "has extra text after the answers"),
    (b"[" * (store.MAX_DEPTH + 1) + b"]" * (store.MAX_DEPTH + 1), f"nests brackets more than {store.MAX_DEPTH} levels deep"),
    (b"[" * 100_000, f"nests brackets more than {store.MAX_DEPTH} levels deep"),
    (b'{"version": 1, "assignment": "01-sort", "answers": {}, "n": ' + b"9" * 5000 + b"}",
     "holds a number too long to be read"),
])
def test_corrupt(tmp_path, content, what):
    path = tmp_path / "answers.json"
    path.write_bytes(content)
    found = store.read_answers(path, "01-sort")
    assert (found.status, found.usable, found.answers) == (store.CORRUPT, False, {})
    assert found.problems[0].startswith(f"answers.json {what}")
    assert "Run the Sorter cell again" in found.reason


def test_brackets_inside_strings_do_not_count_as_nesting(tmp_path):
    path = tmp_path / "answers.json"
    write_json(path, {"version": 1, "assignment": "01-sort",
                      "answers": {"p01s1": "meta"}, "note": "[" * (store.MAX_DEPTH + 5)})
    found = store.read_answers(path, "01-sort")
    assert (found.status, found.answers) == (store.OK, {"p01s1": "meta"})


@pytest.mark.parametrize(("payload", "what"), [
    ({"version": 2, "assignment": "01-sort", "answers": {}},
     "answers.json was written by a newer readkit (format version 2; this one reads version 1)"),
    ({"assignment": "01-sort", "answers": {}}, "answers.json is not a readkit answers file"),
    ({"version": "1", "assignment": "01-sort", "answers": {}},
     "answers.json is not a readkit answers file"),
    ({"version": True, "assignment": "01-sort", "answers": {}},
     "answers.json is not a readkit answers file"),
    ({"version": 1.0, "assignment": "01-sort", "answers": {}},
     "answers.json is not a readkit answers file"),
    ({"version": 1, "assignment": "01-sort", "answers": ["p01s1", "meta"]},
     "answers.json is not a readkit answers file"),
    (["version", 1], "answers.json holds a list, not a readkit answers object"),
    ("answers", "answers.json holds a string, not a readkit answers object"),
    (None, "answers.json holds null, not a readkit answers object"),
    (True, "answers.json holds true or false, not a readkit answers object"),
    (3.5, "answers.json holds a number, not a readkit answers object"),
])
def test_foreign_format(tmp_path, payload, what):
    path = tmp_path / "answers.json"
    write_json(path, payload)
    found = store.read_answers(path, "01-sort")
    assert (found.status, found.usable, found.answers) == (store.FOREIGN, False, {})
    assert found.problems[0].startswith(what)


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
    assert (found.status, found.usable, found.answers) == (store.TOO_LARGE, False, {})
    assert "limit 1,000,000" in found.problems[0]


def test_largest_allowed_file_is_read(tmp_path):
    path = tmp_path / "answers.json"
    text = json.dumps({"version": 1, "assignment": "01-sort", "answers": {"p01s1": "meta"}})
    path.write_bytes(text.encode() + b" " * (store.MAX_BYTES - len(text)))
    assert path.stat().st_size == store.MAX_BYTES
    assert store.read_answers(path, "01-sort").answers == {"p01s1": "meta"}


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
    assert found.reason == "; ".join(found.problems)


def test_byte_order_mark_and_upper_case_labels_read_as_meant(tmp_path):
    path = tmp_path / "answers.json"
    text = json.dumps({"version": 1, "assignment": "01-sort",
                       "answers": {"p01s1": "META", "p02s1": " Sourced ", "p03s1": "Claim"}})
    path.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    found = store.read_answers(path, "01-sort")
    assert (found.status, found.problems) == (store.OK, [])
    assert found.answers == {"p01s1": "meta", "p02s1": "sourced", "p03s1": "claim"}


def test_assignment_that_is_not_a_string_is_foreign(tmp_path):
    path = tmp_path / "answers.json"
    write_json(path, {"version": 1, "assignment": 7, "answers": {"p01s1": "meta"}})
    found = store.read_answers(path, "01-sort")
    assert (found.status, found.assignment, found.answers) == (store.FOREIGN, None, {})
    assert store.read_answers(path).answers == {"p01s1": "meta"}


def test_symlink_is_not_followed(tmp_path):
    secret = tmp_path / "secret.json"
    store.write_answers(secret, "01-sort", {"p01s1": "meta"})
    link = tmp_path / "answers.json"
    link.symlink_to(secret)
    found = store.read_answers(link, "01-sort")
    assert (found.status, found.usable, found.answers) == (store.NOT_A_FILE, False, {})
    assert found.problems[0].startswith("answers.json is a link, not a file, and was not followed")


def test_dangling_symlink_is_not_a_file(tmp_path):
    link = tmp_path / "answers.json"
    link.symlink_to(tmp_path / "nowhere.json")
    assert store.read_answers(link, "01-sort").status == store.NOT_A_FILE


def test_folder_is_not_a_file(tmp_path):
    (tmp_path / "answers.json").mkdir()
    found = store.read_answers(tmp_path / "answers.json", "01-sort")
    assert found.status == store.NOT_A_FILE
    assert found.problems[0].startswith("answers.json is a folder, not a file")


def test_fifo_is_refused_without_blocking(tmp_path):
    path = tmp_path / "answers.json"
    os.mkfifo(path)
    found = store.read_answers(path, "01-sort")  # would hang forever if it waited for a writer
    assert found.status == store.NOT_A_FILE
    assert found.problems[0].startswith("answers.json is a named pipe (FIFO), not a file")


def test_device_is_refused(tmp_path):
    found = store.read_answers("/dev/zero", "01-sort")
    assert found.status == store.NOT_A_FILE
    assert found.problems[0].startswith("zero is a device, not a file")


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


def _add_under_lock(path: str, prefix: str, count: int) -> None:
    for n in range(count):
        with store.locked(path):
            found = store.read_answers(path, "race")
            answers = dict(found.answers) if found.usable else {}
            answers[f"{prefix}{n}"] = "meta"
            store.write_answers(path, "race", answers)


def test_locked_read_merge_writes_from_several_processes_lose_nothing(tmp_path):
    """Two kernels (two views of one notebook, two Sorters on one file) merging into the same
    answers.json at the same time: with the lock every answer of both survives."""
    import multiprocessing

    path = tmp_path / "answers.json"
    context = multiprocessing.get_context("spawn")
    workers = [context.Process(target=_add_under_lock, args=(str(path), f"w{w}u", 40))
               for w in range(3)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
    assert [worker.exitcode for worker in workers] == [0, 0, 0]
    found = store.read_answers(path, "race")
    assert sorted(found.answers) == sorted(f"w{w}u{n}" for w in range(3) for n in range(40))


def test_locked_leaves_no_file_beside_the_answers(tmp_path):
    with store.locked(tmp_path / "answers.json"):
        pass
    assert list(tmp_path.iterdir()) == []
