"""The teacher's key of a test article (tests/fixtures/articles/NAME-key.csv and
NAME-sources.csv) made through the author mode's Python API, as a teacher would make it: the
Sorter's author mode (harbour-bridge) or its KeyEditor (any fixture article). Imports nothing
of the test extra: the lab environment's test runs it too."""

import csv
from pathlib import Path

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "articles"


def fixture_rows(name: str) -> list[dict[str, str]]:
    with (FIXTURES / name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def label_the_test_article(sorter) -> None:
    """Every source, label, accepted alternative, source, rationale and the split of the
    fixture key, through an author-mode Sorter on the harbour-bridge article."""
    for source in fixture_rows("harbour-bridge-sources.csv"):
        sorter.add_source(source["source_id"], source["name"], source["kind"], source["date"],
                          source["citation"])
    key = fixture_rows("harbour-bridge-key.csv")
    for entry in key:
        sorter.choose(entry["unit_id"], entry["label"])
        for label in filter(None, entry["accept"].split("|")):
            sorter.accept(entry["unit_id"], label)
        sorter.set_source(entry["unit_id"], entry["source"] or None)
        sorter.set_rationale(entry["unit_id"], entry["rationale"])
    sorter.start_assessment_at(next(e["unit_id"] for e in key if e["split"] == "assessment"))
    # `readkit new-article` drafted the key: every row is checked now, so confirm them all
    sorter.editor.confirm_all()


def label_with_key_editor(editor, name: str) -> None:
    """Every source, label, accepted alternative, source, rationale and the split of the
    fixture key NAME-key.csv, through the author mode's KeyEditor (readkit.authoring.key_editor),
    then every draft confirmed."""
    for source in fixture_rows(f"{name}-sources.csv"):
        editor.add_source(source["source_id"], source["name"], source["kind"], source["date"],
                          source["citation"])
    key = fixture_rows(f"{name}-key.csv")
    for entry in key:
        editor.set_label(entry["unit_id"], entry["label"])
        editor.set_accept(entry["unit_id"], [label for label in entry["accept"].split("|")
                                             if label])
        editor.set_source(entry["unit_id"], entry["source"] or None)
        editor.set_rationale(entry["unit_id"], entry["rationale"])
    editor.start_assessment_at(next(e["unit_id"] for e in key if e["split"] == "assessment"))
    editor.confirm_all()
