"""Sentence segmenters against the hand segmentation of the Raqqa article.

    .venv/bin/python -m benchmarks.segment [--data DIR]      (or: readkit bench segment)

Each segmenter splits every paragraph of article.txt (a non-blank line) into units; its unit
boundaries are compared with those of units.csv. A boundary is the offset in article.txt where a
unit starts that is not the start of a paragraph: the paragraphs are given to every segmenter,
so counting their starts would only flatter them all. Precision is the share of a segmenter's
boundaries that the hand segmentation has, recall the share of the hand segmentation's it finds.

Rows: each base segmenter alone and with readkit's rules (readkit.authoring.segment.RULES), then
the chosen one with each rule left out in turn (what each rule is worth). The last line is one
JSON object. spaCy rows are skipped with a note when spaCy is not installed (it is not a
dependency of readkit: `pip install spacy` to run them; a blank English pipeline, no model).
"""

from __future__ import annotations

import argparse
import csv
import importlib.util
import json
import sys
import time
from pathlib import Path

from readkit.authoring.segment import (
    BASE_SEGMENTERS,
    DEFAULT_SEGMENTER,
    RULES,
    blocks_of,
    segment,
)

ROOT = Path(__file__).resolve().parents[1]
GOAL_F1 = 0.95


def default_data() -> Path:
    """The Raqqa article's folder, whose units.csv is the hand segmentation."""
    return ROOT / "data" / "articles" / "raqqa-2021"


def boundary_scores(reference: set[int], predicted: set[int]) -> dict[str, float | int]:
    """Precision, recall and F1 of predicted boundaries against the reference ones (exact
    offsets). No predicted boundary gives precision 1 (nothing wrong was said); no reference
    boundary gives recall 1."""
    hits = len(reference & predicted)
    precision = hits / len(predicted) if predicted else 1.0
    recall = hits / len(reference) if reference else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4),
            "true_positives": hits, "false_positives": len(predicted - reference),
            "false_negatives": len(reference - predicted)}


def unit_starts(text: str, units: list[tuple[int, str]]) -> set[int]:
    """Offsets in `text` where units (paragraph, text) start, paragraph starts left out. Each
    unit is looked up in its paragraph from where the previous one ended."""
    blocks = blocks_of(text)
    starts, cursor = set(), {}
    for paragraph, unit_text in units:
        block = blocks[paragraph - 1]
        at = block.text.find(unit_text, cursor.get(paragraph, 0))
        if at < 0:
            raise ValueError(f"unit {unit_text[:40]!r} is not in paragraph {paragraph}")
        cursor[paragraph] = at + len(unit_text)
        if at > 0:
            starts.add(block.start + at)
    return starts


def available(segmenter: str) -> bool:
    return segmenter != "spacy-sentencizer" or importlib.util.find_spec("spacy") is not None


def configurations() -> list[tuple[str, str, tuple[str, ...]]]:
    rows = []
    for name in BASE_SEGMENTERS:
        rows.append((name, name, ()))
        rows.append((f"{name}+rules", name, RULES))
    for rule in RULES:
        rows.append((f"{DEFAULT_SEGMENTER}+rules-{rule}", DEFAULT_SEGMENTER,
                     tuple(r for r in RULES if r != rule)))
    return rows


def run(data: Path) -> dict:
    text = (data / "article.txt").read_text(encoding="utf-8")
    with (data / "units.csv").open(encoding="utf-8", newline="") as handle:
        hand = [(int(row["paragraph"]), row["text"]) for row in csv.DictReader(handle)]
    reference = unit_starts(text, hand)
    results, skipped = {}, []
    for label, base, rules in configurations():
        if not available(base):
            skipped.append(label)
            continue
        started = time.perf_counter()
        units = segment(text, base, rules)
        seconds = time.perf_counter() - started
        predicted = unit_starts(text, [(u.paragraph, u.text) for u in units])
        results[label] = {**boundary_scores(reference, predicted), "units": len(units),
                          "seconds": round(seconds, 3)}
        missed = sorted(reference - predicted)
        extra = sorted(predicted - reference)
        results[label]["examples"] = {
            "missed": [text[max(0, at - 25):at + 15] for at in missed[:3]],
            "extra": [text[max(0, at - 25):at + 15] for at in extra[:3]],
        }
    chosen = f"{DEFAULT_SEGMENTER}+rules"
    return {"benchmark": "segment", "article": str(data.relative_to(ROOT)
                                                  if data.is_relative_to(ROOT) else data),
            "reference_units": len(hand), "reference_boundaries": len(reference),
            "chosen": chosen, "goal_f1": GOAL_F1, "met": results[chosen]["f1"] >= GOAL_F1,
            "segmenters": results, "skipped": skipped}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="readkit bench segment", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=None,
                        help="folder with article.txt and units.csv (default: the Raqqa article)")
    args = parser.parse_args(argv)
    result = run(args.data or default_data())
    print(f"{'segmenter':36} {'P':>6} {'R':>6} {'F1':>6} {'FP':>3} {'FN':>3} {'units':>5}"
          f" {'s':>6}")
    for label, row in result["segmenters"].items():
        print(f"{label:36} {row['precision']:6.3f} {row['recall']:6.3f} {row['f1']:6.3f} "
              f"{row['false_positives']:3} {row['false_negatives']:3} {row['units']:5} "
              f"{row['seconds']:6.3f}")
    for label in result["skipped"]:
        print(f"{label:36} skipped: spaCy is not installed (pip install spacy)")
    print(f"reference: {result['reference_units']} units, {result['reference_boundaries']} "
          f"boundaries inside paragraphs; chosen {result['chosen']}: goal F1 >= {GOAL_F1} "
          f"{'met' if result['met'] else 'NOT met'}")
    print(json.dumps(result, ensure_ascii=False))
    return 0 if result["met"] else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
