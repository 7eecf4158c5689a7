"""Author mode's file logic: an article folder's key, units and sources, one change at a time.

    editor = KeyEditor.load(folder)           # article.txt, units.csv, key.csv, sources.csv
    editor.set_label("p04s1", "claim")         # key.csv is written at once
    editor.set_accept("p04s1", ["sourced"])    # the other defensible labels
    editor.add_source("council", "Kelmouth Town Council", "official")   # sources.csv (a kind of
                                               #   readkit.course.source_kinds)
    editor.set_source("p04s1", "council")
    editor.set_rationale("p04s1", "The council is named as the source.")
    editor.start_assessment_at("p11s1")        # before paragraph 11: practice; from it: assessment
    editor.split_unit("p06s2", 33)             # two units, two new ids (units.csv and key.csv)
    editor.merge_with_next("p06s1")            # one unit, one new id
    editor.confirm("p04s1")                    # a draft row (readkit new-article's guess) is
    editor.confirm_all()                       #   the teacher's from now on
    editor.unlisted_sources()                  # sources a draft names that sources.csv lacks

Drafts (readkit.course.key: key.csv's status column says `draft`): every change above keeps a
draft a draft, so a teacher who corrects a guessed label still confirms the row, once, when the
source and rationale fit it too. Confirming is one call (author mode: one key) per unit; the
status column is written only while some row is a draft, so a finished key has the six columns
it always had.

Pure: no widget, no Course. The Sorter's author mode (readkit.widgets.author) only calls it.

Every change is checked first (a bad label, an unknown unit, a split point outside the text,
a merge across paragraphs raise KeyEditError, whose message says what to do), then written at
once: each changed file is written to a temp file in the same folder and renamed over the old
one (readkit.course.answers' helpers), under the folder lock the answers store uses. The
editor's own state changes only after the write succeeded. Before writing, the files on disk are
compared with what this editor last read or wrote: a file edited meanwhile (by hand, by git, by
another notebook) is never overwritten.

Unit ids follow data/README.md: a unit whose text changes gets a new id, one above the highest
sentence number its paragraph has (or had, in this editor): pNNsM. Every other unit keeps its
id and its key row. Since a split or merge always leaves the paragraph's highest id in units.csv,
no id is given out twice, across sessions too; only the ids an undo took back in an earlier
session are not remembered. Split and merged units start with a blank key row (their split
follows the paragraph). Split or merge before learners answer the article: their answers name
the old ids.
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass
from pathlib import Path

from readkit.authoring.draft_key import draft_key
from readkit.course.answers import locked, temp_file_beside, write_text_atomic
from readkit.course.key import ASSESSMENT, KEY_COLUMNS, PRACTICE, STATUS, is_draft
from readkit.course.labels import LABELS
from readkit.course.source_kinds import kind_problem
from readkit.course.tables import SOURCES_COLUMNS, UNITS_COLUMNS, read_table, table_text

FILES = ("units.csv", "key.csv", "sources.csv")
SOURCE_ID = re.compile(r"[a-z0-9][a-z0-9_-]{0,39}")
UNIT_NUMBER = re.compile(r"p0*(\d+)s(\d+)")


class KeyEditError(ValueError):
    """A change that cannot be made; the message says what was wrong and what to do."""


@dataclass(frozen=True)
class Unit:
    unit_id: str
    paragraph: int
    text: str
    start: int  # where the text starts in article.txt (a str index)

    @property
    def end(self) -> int:
        return self.start + len(self.text)


def _read_csv(path: Path, required: tuple[str, ...]) -> tuple[list[str], list[dict[str, str]]]:
    if not path.is_file():
        raise KeyEditError(f"{path} is missing: make the article folder with `readkit "
                           "new-article SLUG FILE`, or restore the file from git.")
    table = read_table(path)
    missing = table.missing(required)
    if missing:
        raise KeyEditError(f"{path} lacks the column(s) {', '.join(missing)} (it has: "
                           f"{', '.join(table.header) or 'none'}). Fix its header row.")
    return list(table.header), [dict(row) for row in table.rows]


def _digest(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except FileNotFoundError:
        return None


def _place_units(article: str, rows: list[dict[str, str]], where: Path) -> list[Unit]:
    units, cursor = [], 0
    for number, row in enumerate(rows, 2):
        text = row["text"]
        at = article.find(text, cursor) if text.strip() else -1
        if at < 0:
            raise KeyEditError(
                f"{where} row {number} ({row['unit_id']}): its text is not the next verbatim "
                "piece of article.txt. Author mode needs verbatim units in reading order: fix "
                "the row (readkit validate shows every problem).")
        try:
            paragraph = int(row["paragraph"])
        except ValueError:
            raise KeyEditError(f"{where} row {number}: paragraph {row['paragraph']!r} is not "
                               "a number.") from None
        units.append(Unit(row["unit_id"], paragraph, text, at))
        cursor = at + len(text)
    return units


class KeyEditor:
    """One article folder, loaded; each method makes one change and writes it at once."""

    def __init__(self, folder: Path, article: str, units: list[Unit],
                 key_columns: list[str], key: dict[str, dict[str, str]],
                 source_columns: list[str], sources: list[dict[str, str]]) -> None:
        self.folder = folder
        self.article = article
        self.units = units
        self._key_columns = key_columns
        self._key = key
        self._source_columns = source_columns
        self._sources = sources
        self._retired: set[str] = set()
        self._history: list[tuple[list[Unit], dict, list]] = []  # states before each change
        self._digests = {name: _digest(folder / name) for name in FILES}
        self._guessed: tuple = (None, None, {})  # units, sources -> unlisted_sources' guesses

    @classmethod
    def load(cls, folder: Path | str) -> KeyEditor:
        folder = Path(folder)
        if not (folder / "article.txt").is_file():
            raise KeyEditError(f"{folder} has no article.txt: it is not an article folder. Make "
                               "one with `readkit new-article SLUG FILE`.")
        article = (folder / "article.txt").read_text(encoding="utf-8")
        _, unit_rows = _read_csv(folder / "units.csv", UNITS_COLUMNS)
        units = _place_units(article, unit_rows, folder / "units.csv")
        key_columns, key_rows = _read_csv(folder / "key.csv", KEY_COLUMNS)
        if not (folder / "sources.csv").is_file():
            source_columns, sources = list(SOURCES_COLUMNS), []
        else:
            source_columns, sources = _read_csv(folder / "sources.csv", ("source_id", "name",
                                                                          "kind"))
        key = {row["unit_id"]: row for row in key_rows}
        unit_ids = [unit.unit_id for unit in units]
        if len(unit_ids) != len(set(unit_ids)) or list(key) != unit_ids:
            missing = [u for u in unit_ids if u not in key]
            extra = [k for k in key if k not in set(unit_ids)]
            detail = "; ".join(filter(None, [
                missing and f"no key row for {', '.join(missing)}",
                extra and f"key rows for units not in units.csv: {', '.join(extra)}",
            ])) or "the rows are in a different order or repeat"
            raise KeyEditError(
                f"{folder}: key.csv and units.csv do not list the same units in the same order "
                f"({detail}). Author mode edits a key with one row per unit: fix key.csv (or "
                "restore both files from git) and load the article again.")
        return cls(folder, article, units, key_columns, key, source_columns, sources)

    # -- reading ---------------------------------------------------------------------------

    @property
    def unit_ids(self) -> list[str]:
        return [unit.unit_id for unit in self.units]

    def unit(self, unit_id: str) -> Unit:
        for unit in self.units:
            if unit.unit_id == unit_id:
                return unit
        raise KeyEditError(f"Unknown unit {unit_id!r}: this article's units are "
                           f"{self.unit_ids[0]} to {self.unit_ids[-1]} (see units.csv).")

    def row(self, unit_id: str) -> dict[str, str]:
        """unit_id's key row (a copy): unit_id, label, accept, source, split, rationale."""
        self.unit(unit_id)
        return dict(self._key[unit_id])

    def key_rows(self) -> list[dict[str, str]]:
        return [dict(self._key[unit_id]) for unit_id in self.unit_ids]

    @property
    def sources(self) -> list[dict[str, str]]:
        return [dict(row) for row in self._sources]

    def drafts(self) -> list[str]:
        """The units whose key row is still a draft (guessed by readkit's rules), in reading
        order."""
        return [u for u in self.unit_ids if is_draft(self._key[u])]

    def unlisted_sources(self) -> list[dict[str, str]]:
        """The sources that key rows name but sources.csv lacks (a draft names the sources its
        rules found; readkit new-article lists them), in reading order: source_id, and the name
        and kind the draft rules give it ("" where they give none), for the teacher to check
        and add (add_source)."""
        known = {row["source_id"] for row in self._sources}
        named = list(dict.fromkeys(self._key[u]["source"] for u in self.unit_ids
                                   if self._key[u]["source"] and self._key[u]["source"]
                                   not in known))
        if not named:
            return []
        # The rules' guesses depend on the units and sources only (each change replaces those
        # lists): drafted once per state, not once per key press.
        if self._guessed[0] is not self.units or self._guessed[1] is not self._sources:
            found = draft_key([(u.unit_id, u.paragraph, u.text) for u in self.units],
                              [(row["source_id"], row["name"]) for row in self._sources])
            self._guessed = (self.units, self._sources,
                             {source.source_id: source for source in found.sources})
        guesses = self._guessed[2]
        return [{"source_id": source_id,
                 "name": guesses[source_id].name if source_id in guesses else "",
                 "kind": guesses[source_id].kind if source_id in guesses else ""}
                for source_id in named]

    def assessment_start(self) -> str | None:
        """The first unit whose split is assessment, or None."""
        return next((u for u in self.unit_ids if self._key[u]["split"] == ASSESSMENT), None)

    # -- drafts ----------------------------------------------------------------------------------

    def replace_key(self, key: dict[str, dict[str, str]]) -> None:
        """Write a whole key at once (readkit draft-key fills every blank row in one write);
        `key` has a row for every unit."""
        missing = [u for u in self.unit_ids if u not in key]
        if missing:
            raise KeyEditError(f"No key row for {', '.join(missing)}: a key has one row per "
                               "unit.")
        self._save(key={u: dict(key[u]) for u in self.unit_ids})

    def confirm(self, unit_id: str) -> dict[str, str]:
        """The teacher checked this row (its label, source, rationale and split) and keeps it:
        it stops being a draft. A row that is no draft is returned as it is."""
        row = self.row(unit_id)
        if not is_draft(row):
            return row
        self._check_confirmable(row)
        return self._change_row(unit_id, **{STATUS: ""})

    def confirm_all(self, unit_ids=None) -> list[str]:
        """Confirm every draft row (or those of `unit_ids`) in one write; returns their ids. For
        a teacher who has checked the whole draft: author mode confirms one unit per key."""
        chosen = self.drafts() if unit_ids is None else [self.unit(u).unit_id for u in unit_ids]
        chosen = [u for u in chosen if is_draft(self._key[u])]
        for unit_id in chosen:
            self._check_confirmable(self._key[unit_id])
        if chosen:
            self._save(key={u: ({**row, STATUS: ""} if u in chosen else row)
                            for u, row in self._key.items()})
        return chosen

    @staticmethod
    def _check_confirmable(row: dict[str, str]) -> None:
        if not row["label"]:
            raise KeyEditError(f"{row['unit_id']} has no label: label it before confirming it.")

    # -- changes to one key row ----------------------------------------------------------------

    def set_label(self, unit_id: str, label: str | None) -> dict[str, str]:
        """Set (or, with None or "", clear) the unit's label. A label that was an accepted
        alternative stops being one."""
        label = label or ""
        if label and label not in LABELS:
            raise KeyEditError(f"Unknown label {label!r}: use one of {', '.join(LABELS)}.")
        row = self.row(unit_id)
        accept = [a for a in row["accept"].split("|") if a and a != label]
        return self._change_row(unit_id, label=label, accept="|".join(accept))

    def set_accept(self, unit_id: str, labels) -> dict[str, str]:
        """Set the unit's accepted alternatives (other labels a careful reader could defend),
        written in the order of LABELS."""
        if isinstance(labels, str):
            labels = [part for part in labels.split("|") if part]
        labels = list(labels)
        unknown = [label for label in labels if label not in LABELS]
        if unknown:
            raise KeyEditError(f"Unknown label(s) {', '.join(map(repr, unknown))}: accepted "
                               f"alternatives are among {', '.join(LABELS)}.")
        row = self.row(unit_id)
        if row["label"] and row["label"] in labels:
            raise KeyEditError(f"{row['label']!r} is {unit_id}'s label already: an accepted "
                               "alternative is another label a careful reader could defend.")
        chosen = set(labels)
        return self._change_row(unit_id, accept="|".join(x for x in LABELS if x in chosen))

    def toggle_accept(self, unit_id: str, label: str) -> dict[str, str]:
        """Add `label` to the unit's accepted alternatives, or take it out if it is there."""
        row = self.row(unit_id)
        current = [a for a in row["accept"].split("|") if a]
        if label in current:
            return self.set_accept(unit_id, [a for a in current if a != label])
        return self.set_accept(unit_id, [*current, label])

    def set_source(self, unit_id: str, source_id: str | None) -> dict[str, str]:
        """Name the unit's source (a source_id of sources.csv), or clear it with None or ""."""
        source_id = source_id or ""
        known = [row["source_id"] for row in self._sources]
        if source_id and source_id not in known:
            raise KeyEditError(
                f"Unknown source {source_id!r}: sources.csv has "
                f"{', '.join(known) if known else 'no sources yet'}. Add it first "
                "(add_source: id, name, kind).")
        return self._change_row(unit_id, source=source_id)

    def set_rationale(self, unit_id: str, text: str) -> dict[str, str]:
        """The one or two sentences a learner reads about this unit (line breaks become
        spaces)."""
        if not isinstance(text, str):
            raise KeyEditError("A rationale is text: one or two sentences a learner can learn "
                               "from.")
        return self._change_row(unit_id, rationale=" ".join(text.split()))

    def add_source(self, source_id: str, name: str, kind: str, date: str = "",
                   citation: str = "") -> dict[str, str]:
        """Add a source to sources.csv: an id (lower case, e.g. council), its name, its kind
        (one of readkit.course.source_kinds.SOURCE_KINDS: news-report, official, study, ...)."""
        source_id = (source_id or "").strip()
        if not SOURCE_ID.fullmatch(source_id):
            raise KeyEditError(f"Source id {source_id!r} is not usable: use lower-case letters, "
                               "digits, - and _ (up to 40), starting with a letter or digit, "
                               "e.g. council.")
        if any(row["source_id"] == source_id for row in self._sources):
            raise KeyEditError(f"sources.csv has a source {source_id!r} already: choose it, or "
                               "give the new source another id.")
        fields = {"name": name, "kind": kind, "date": date, "citation": citation}
        fields = {key: " ".join(str(value or "").split()) for key, value in fields.items()}
        if not fields["name"]:
            raise KeyEditError("A source needs a name: who or what it is, e.g. Kelmouth Town "
                               "Council.")
        problem = kind_problem(fields["kind"])
        if problem:
            raise KeyEditError(f"The source's {problem}.")
        row = {column: "" for column in self._source_columns}
        row.update(source_id=source_id, **fields)
        self._save(sources=[*self._sources, row])
        return dict(row)

    def start_assessment_at(self, unit_id: str | None) -> str | None:
        """Assessment starts at unit_id's paragraph: every unit of an earlier paragraph is
        practice, every unit from that paragraph on is assessment. None: all practice.
        Returns the first assessment unit."""
        paragraph = None if unit_id is None else self.unit(unit_id).paragraph
        key = {}
        for unit in self.units:
            split = ASSESSMENT if paragraph is not None and unit.paragraph >= paragraph \
                else PRACTICE
            key[unit.unit_id] = {**self._key[unit.unit_id], "split": split}
        self._save(key=key)
        return self.assessment_start()

    # -- changes to the units ------------------------------------------------------------------

    def _split_for(self, paragraph: int) -> str:
        """The split a new unit of this paragraph gets: what the paragraph's units have (blank
        when nothing is marked yet)."""
        start = self.assessment_start()
        if start is None:
            return next((self._key[u.unit_id]["split"] for u in self.units
                         if u.paragraph == paragraph), "")
        return ASSESSMENT if paragraph >= self.unit(start).paragraph else PRACTICE

    def _new_ids(self, paragraph: int, count: int) -> list[str]:
        used = {int(m.group(2)) for unit_id in (*self.unit_ids, *self._retired)
                if (m := UNIT_NUMBER.fullmatch(unit_id)) and int(m.group(1)) == paragraph}
        first = max(used, default=0) + 1
        return [f"p{paragraph:02d}s{first + n}" for n in range(count)]

    def _blank_row(self, unit_id: str, split: str) -> dict[str, str]:
        row = {column: "" for column in self._key_columns}
        row.update(unit_id=unit_id, split=split)
        return row

    def split_unit(self, unit_id: str, offset: int) -> tuple[str, str]:
        """Split the unit before character `offset` of its text (0 < offset < len(text); the
        spaces at the cut go to neither part). Both parts get new ids. Returns them."""
        unit = self.unit(unit_id)
        if type(offset) is not int or not 0 < offset < len(unit.text):
            raise KeyEditError(
                f"Split point {offset!r} is outside {unit_id}'s text: give a character offset "
                f"from 1 to {len(unit.text) - 1} (the first part is text[:offset]).")
        head, tail = unit.text[:offset], unit.text[offset:]
        if not head.strip() or not tail.strip():
            raise KeyEditError(f"Splitting {unit_id} at {offset} leaves a part with no text: "
                               "choose a point between two words.")
        first_start = unit.start + (len(head) - len(head.lstrip()))
        second_start = unit.start + offset + (len(tail) - len(tail.lstrip()))
        ids = self._new_ids(unit.paragraph, 2)
        parts = [Unit(ids[0], unit.paragraph, head.strip(), first_start),
                 Unit(ids[1], unit.paragraph, tail.strip(), second_start)]
        at = self.units.index(unit)
        split = self._key[unit_id]["split"]
        self._replace_units(at, 1, parts, split)
        return ids[0], ids[1]

    def merge_with_next(self, unit_id: str) -> str:
        """Merge the unit with the next one of its paragraph: the new unit's text is the exact
        article.txt slice covering both. It gets a new id, which is returned."""
        unit = self.unit(unit_id)
        at = self.units.index(unit)
        after = self.units[at + 1] if at + 1 < len(self.units) else None
        if after is None or after.paragraph != unit.paragraph:
            raise KeyEditError(
                f"{unit_id} is the last unit of paragraph {unit.paragraph}: a unit merges only "
                "with the next unit of the same paragraph. Merge the unit before it instead.")
        text = self.article[unit.start:after.end]
        (new_id,) = self._new_ids(unit.paragraph, 1)
        split = self._key[unit_id]["split"]
        self._replace_units(at, 2, [Unit(new_id, unit.paragraph, text, unit.start)], split)
        return new_id

    def _replace_units(self, at: int, count: int, new: list[Unit], split: str) -> None:
        old = self.units[at:at + count]
        units = [*self.units[:at], *new, *self.units[at + count:]]
        key = {}
        for unit in units:
            key[unit.unit_id] = self._key.get(unit.unit_id) or self._blank_row(unit.unit_id, split)
        self._save(units=units, key=key)
        self._retired |= {unit.unit_id for unit in old}

    def undo(self) -> list[str] | None:
        """Put back the state before this editor's last change (a split or merge too: the
        original unit comes back with its own id and text; the split's ids are not given out
        again). Returns the ids of the units whose row or text changed back (none for a source
        taken out again), or None when there is nothing to undo."""
        if not self._history:
            return None
        units, key, sources = self._history[-1]
        before = {u.unit_id: (u.text, self._key[u.unit_id]) for u in self.units}
        self._save(units=units, key=key, sources=sources, remember=False)
        self._history.pop()
        self._retired |= set(before) - {u.unit_id for u in units}
        return [u.unit_id for u in units if before.get(u.unit_id) != (u.text, key[u.unit_id])]

    # -- writing -------------------------------------------------------------------------------

    def _change_row(self, unit_id: str, **changes: str) -> dict[str, str]:
        row = {**self._key[unit_id], **changes}
        self._save(key={**self._key, unit_id: row})
        return dict(row)

    def reload(self) -> KeyEditor:
        """The folder as it is on disk now (after a file was edited outside author mode)."""
        return KeyEditor.load(self.folder)

    def _save(self, *, units: list[Unit] | None = None,
              key: dict[str, dict[str, str]] | None = None,
              sources: list[dict[str, str]] | None = None, remember: bool = True) -> None:
        """Write the changed files (temp file + rename each), then adopt the change. Nothing
        changes here when a write fails or a file was edited meanwhile."""
        texts = {}
        if units is not None:
            texts["units.csv"] = table_text(UNITS_COLUMNS, (
                {"unit_id": u.unit_id, "paragraph": u.paragraph, "text": u.text} for u in units))
        if key is not None:
            order = [u.unit_id for u in (units if units is not None else self.units)]
            columns = list(self._key_columns)
            if STATUS in columns and not any(is_draft(key[u]) for u in order):
                columns.remove(STATUS)  # the last draft confirmed: the key's usual six columns
            elif STATUS not in columns and any(is_draft(key[u]) for u in order):
                columns.append(STATUS)
            texts["key.csv"] = table_text(columns, (key[u] for u in order))
            key_columns = columns
        if sources is not None:
            texts["sources.csv"] = table_text(self._source_columns, sources)
        with locked(self.folder / "key.csv"):
            changed = [name for name in FILES
                       if _digest(self.folder / name) != self._digests[name]]
            if changed:
                raise KeyEditError(
                    f"{', '.join(changed)} in {self.folder} changed since author mode loaded "
                    "it (edited by hand, by git or in another notebook), so nothing was "
                    "written. Run the Sorter cell again to load the article as it is now, then "
                    "make the change again.")
            # Every temp file first (a full disk fails here, before any file changed), then
            # the renames: units.csv and key.csv change together.
            temps: dict[str, Path] = {}
            try:
                for name, text in texts.items():
                    temps[name] = temp_file_beside(self.folder / name, text)
                before = {name: (self.folder / name).read_bytes()
                          for name in temps if (self.folder / name).exists()}
                done = []
                try:
                    for name, temp in temps.items():
                        os.replace(temp, self.folder / name)
                        done.append(name)
                except BaseException:
                    for name in reversed(done):  # best effort: put back what was renamed
                        if name in before:
                            write_text_atomic(self.folder / name, before[name].decode("utf-8"))
                    raise
            finally:
                for temp in temps.values():
                    temp.unlink(missing_ok=True)
            for name in texts:
                self._digests[name] = _digest(self.folder / name)
        if remember:
            self._history.append((self.units, self._key, self._sources))
        if units is not None:
            self.units = units
        if key is not None:
            self._key = key
            self._key_columns = key_columns
        if sources is not None:
            self._sources = sources
