"""`readkit draft-key ARTICLE`: draft the key rows of an article's units that have no label yet.

For an article made with `readkit new-article --blank`, or one whose units were split or merged
in author mode (new units start blank): each blank row gets the draft rules' label, source and
rationale (readkit.authoring.draft_key), marked draft until the teacher confirms it (a source
the draft names that sources.csv lacks is for the teacher to add in author mode); a blank
split follows the paragraph's side, or label_mix's suggestion when no unit has a split yet. Rows
that have a label (the teacher's, or a draft) are never changed. Written through KeyEditor, so a
file edited meanwhile is never overwritten.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from readkit.authoring.articles import GeneratorError, open_article
from readkit.authoring.draft_key import draft_key
from readkit.authoring.key_editor import KeyEditError, KeyEditor
from readkit.course import label_mix
from readkit.course.course import Course, CourseError
from readkit.course.key import ASSESSMENT, DRAFT, PRACTICE, STATUS


def draft_blank_rows(editor: KeyEditor) -> tuple[list[str], label_mix.Split | None]:
    """Draft every blank row of the editor's article; returns the drafted ids and the split
    suggested when the key had none."""
    units = [(u.unit_id, u.paragraph, u.text) for u in editor.units]
    found = draft_key(units, [(row["source_id"], row["name"]) for row in editor.sources])
    rows = {row["unit_id"]: row for row in editor.key_rows()}
    blank = [r for r in found.rows if not rows[r.unit_id]["label"]]
    if not blank:
        return [], None
    split = None
    if editor.assessment_start() is None:
        split = label_mix.suggest_split([(u, p, r.label) for (u, p, _), r
                                         in zip(units, found.rows, strict=True)])
    start = editor.assessment_start() or (split.unit_id if split else None)
    start_paragraph = editor.unit(start).paragraph if start else None
    key = {}
    for unit, row in zip(editor.units, found.rows, strict=True):
        current = rows[unit.unit_id]
        if current["label"]:
            key[unit.unit_id] = current
            continue
        side = current["split"] or (ASSESSMENT if start_paragraph is not None
                                    and unit.paragraph >= start_paragraph else PRACTICE)
        key[unit.unit_id] = {**current, "label": row.label, "source": row.source,
                             "rationale": row.rationale, "split": side, STATUS: DRAFT}
    editor.replace_key(key)  # one write, checked against edits made meanwhile
    return [r.unit_id for r in blank], split


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("article", metavar="ARTICLE", help="the article's slug")
    parser.add_argument("--course", type=Path, default=Path("."), metavar="DIR",
                        help="course folder (default: the working directory)")


def run(args: argparse.Namespace) -> int:
    try:
        article = open_article(Course.open(args.course), args.article)
        editor = KeyEditor.load(article.folder)
        drafted, split = draft_blank_rows(editor)
    except (GeneratorError, CourseError, KeyEditError) as error:
        print(f"readkit draft-key: {error}", file=sys.stderr)
        return 2
    if not drafted:
        print(f"{args.article}: every unit has a label already; nothing to draft.")
        return 0
    print(f"Drafted {len(drafted)} key row(s) of {args.article} ({', '.join(drafted[:8])}"
          f"{' ...' if len(drafted) > 8 else ''}), each marked draft: check and confirm each "
          f"in the Sorter's author mode (readkit.AuthorSorter(article=\"{args.article}\")).")
    if split is not None:
        print(f"The draft starts the assessment half at {split.unit_id} (paragraph "
              f"{split.paragraph}): {split.describe()}.")
    return 0
