"""Re-segmenting an article without losing its key: new units matched with the old by text.

`readkit new-article --force` (an edited text, a better saved page) segments the article again.
Every new unit whose text is exactly an old unit's (matched in reading order, difflib's longest
matching runs) keeps that unit's key row (label, accept, source, split, rationale, draft
status); it keeps the old id too when it stays in the same paragraph. Every other unit gets a
new id: its place in the paragraph (pNNsM) unless some old unit had that id for other text, then
the next number never used in the paragraph (data/README.md: an id is never reused for
different text). What was kept, renumbered, added and dropped is returned for the summary.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from readkit.authoring.key_editor import UNIT_NUMBER


@dataclass
class Rekeyed:
    unit_ids: list[str]  # the id of each new unit, in reading order
    key: dict[str, dict[str, str]]  # new id -> the old key row it keeps (unit_id updated)
    kept: list[str] = field(default_factory=list)  # same text, same id
    renumbered: list[tuple[str, str]] = field(default_factory=list)  # (old id, new id)
    new: list[str] = field(default_factory=list)  # new text: new id, no key row
    gone: list[tuple[str, str]] = field(default_factory=list)  # (old id, its text)


def rekey(old_units: Sequence[tuple[str, int, str]], old_key: Mapping[str, Mapping[str, str]],
          new_units: Sequence[tuple[int, str]]) -> Rekeyed:
    """old_units: (unit_id, paragraph, text) as units.csv has them; old_key: unit_id -> its
    key.csv row; new_units: (paragraph, text) of the new segmentation, in reading order."""
    matcher = difflib.SequenceMatcher(None, [t for _, _, t in old_units],
                                      [t for _, t in new_units], autojunk=False)
    match = {j + n: i + n for i, j, size in matcher.get_matching_blocks() for n in range(size)}
    used: dict[int, set[int]] = {}
    for unit_id, _, _ in old_units:
        number = UNIT_NUMBER.fullmatch(unit_id)
        if number:
            used.setdefault(int(number.group(1)), set()).add(int(number.group(2)))
    ids: list[str | None] = [None] * len(new_units)
    taken: set[str] = set()
    for j, i in match.items():  # same text in the same paragraph keeps its id
        old_id, old_paragraph, _ = old_units[i]
        if old_paragraph == new_units[j][0]:
            ids[j] = old_id
            taken.add(old_id)
    old_ids = {unit_id for unit_id, _, _ in old_units}
    place: dict[int, int] = {}
    for j, (paragraph, _) in enumerate(new_units):
        place[paragraph] = place.get(paragraph, 0) + 1
        if ids[j] is not None:
            continue
        natural = f"p{paragraph:02d}s{place[paragraph]}"
        if natural in old_ids or natural in taken:
            numbers = used.setdefault(paragraph, set())
            natural = f"p{paragraph:02d}s{max(numbers, default=0) + 1}"
        ids[j] = natural
        taken.add(natural)
        number = UNIT_NUMBER.fullmatch(natural)
        used.setdefault(paragraph, set()).add(int(number.group(2)))
    result = Rekeyed([str(unit_id) for unit_id in ids], {})
    for j, unit_id in enumerate(result.unit_ids):
        if j in match:
            old_id = old_units[match[j]][0]
            if old_id in old_key:
                result.key[unit_id] = {**old_key[old_id], "unit_id": unit_id}
            (result.kept.append(unit_id) if old_id == unit_id
             else result.renumbered.append((old_id, unit_id)))
        else:
            result.new.append(unit_id)
    matched_old = set(match.values())
    result.gone = [(unit_id, text) for i, (unit_id, _, text) in enumerate(old_units)
                   if i not in matched_old]
    return result
