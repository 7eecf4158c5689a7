"""The Sorter's author mode: a teacher makes an article's key (key.csv) by keyboard.

    sorter = readkit.AuthorSorter(article="harbour-bridge")
    sorter                                   # shown in a notebook: label by keyboard

The same one-key-per-sentence labelling as the learner Sorter (1-4 or the letter on a choice),
plus, per unit, the accepted alternatives, the source, a rationale and the split; a unit can be
split in two or merged with the next one. The order of work follows the auto-advance: label a
sentence (the focus moves on), then `e` opens the details (source, rationale) of the sentence just
labelled, beside it. A draft row (readkit new-article's guess) is shown as a draft until the
teacher confirms it: Enter, one key per unit. The keys are author_keys() below, listed in the
widget and in docs/teacher-guide.md (a test keeps the two in step). Each change is written at once
(atomically) to the article folder's key.csv, and to units.csv or sources.csv when those change:
the file logic is readkit.authoring.key_editor, tested without a widget; this widget only calls
it.

Python API (what a key press does, without a browser; each writes at once and returns the
new key row, or the new ids):

    sorter.choose(unit_id, label)              # the label ("sourced", ...), None clears it
    sorter.accept(unit_id, label, True)        # an accepted alternative (False takes it out)
    sorter.add_source(source_id, name, kind, date, citation)  # a row of sources.csv; kind is
                                               #   one of readkit.course.source_kinds
    sorter.set_source(unit_id, source_id)      # None clears it
    sorter.set_rationale(unit_id, text)        # line breaks become spaces: one line in key.csv
    sorter.confirm(unit_id)                    # a draft row is the teacher's from now on
    sorter.start_assessment_at(unit_id)        # practice before its paragraph, assessment from it
    sorter.split_unit(unit_id, offset)         # -> (first_id, second_id); text[:offset] first
    sorter.merge_with_next(unit_id)            # -> the merged unit's new id
    sorter.undo()                              # the last change put back (u or Ctrl+Z)
    sorter.key_rows()                          # key.csv's rows as they are on disk

Bad input raises KeyEditError with what to do. In the browser the same message shows in the
widget's notice and nothing is written.

Only on a course checkout with the article's full key: never in the learner package (its data
has no assessment labels), a learner-data folder (the grading sandbox) or a notebook that
nbgrader runs.
"""

from __future__ import annotations

import os
from pathlib import Path

import anywidget
import traitlets as t

from readkit.authoring.key_editor import KeyEditError, KeyEditor
from readkit.course.course import CONFIG_FILE, PACKAGED_DATA, Course, CourseError
from readkit.course.key import is_draft
from readkit.course.labels import DESCRIPTIONS, LABELS, key_letters
from readkit.course.source_kinds import SOURCE_KINDS
from readkit.widgets.unit_runs import unit_runs

AUTHOR = "author"
_HERE = Path(__file__).parent


def author_keys(letters: dict[str, str]) -> list[tuple[str, str]]:
    """The author mode's keys: (keys, what they do), keys in backticks. The widget lists them
    and docs/teacher-guide.md's author-mode table has them in the same words (a test)."""
    lower = " ".join(f"`{letters[label]}`" for label in LABELS)
    upper = " ".join(f"`{letters[label].upper()}`" for label in LABELS)
    return [
        (f"`1`-`{len(LABELS)}` or {lower}",
         f"label {', '.join(LABELS[:-1])} or {LABELS[-1]}, and move on to the next sentence to "
         "do (unlabelled or draft)"),
        ("`Enter`", "on a draft: confirm it as it is and move on to the next draft (in its "
                    "details: the Confirm button)"),
        ("`e`", "open the details (source, rationale) beside the sentence just labelled, or "
                "beside the focused one"),
        (f"`Shift`+{upper}", "toggle that label as an accepted alternative"),
        ("`Backspace` / `Delete`", "clear the label"),
        ("`n`", "the details, at the source: arrow keys choose one from sources.csv, `Enter` "
                "goes back"),
        ("`Shift`+`N`", "a new source, in the details beside the sentence: id, name, kind "
                        "(arrow keys or its first letter), date, citation; `Tab` between them, "
                        "`Enter` adds it and chooses it"),
        ("`r`", "the details, at the rationale: `Enter` starts a new line, `Ctrl`+`Enter` "
                "saves it and goes back"),
        ("`Escape`", "in the details: go back, the rationale as it was; in the new-source "
                     "form: close the form"),
        ("`a`", "assessment starts at this sentence's paragraph: earlier paragraphs are "
                "practice"),
        ("`/`", "split the sentence: arrow keys choose the point, `Enter` splits, `Escape` "
                "cancels"),
        ("`j`", "join the sentence with the next one of its paragraph"),
        ("`u` or `Ctrl`+`Z`", "undo the last change (a split, a merge or a confirm too)"),
        ("`Tab` / `Shift`+`Tab`", "the next / previous sentence; in the details, the next / "
                                  "previous field"),
    ]


def _check_author_course(course: Course) -> None:
    """Author mode edits the full key: refuse everywhere a learner could be."""
    if os.environ.get("NBGRADER_EXECUTION"):
        raise CourseError("The Sorter's author mode does not run while nbgrader runs a notebook: "
                          "it edits an article's key. Use it in your own course checkout.")
    data = Path(course.data).resolve()
    if data == PACKAGED_DATA or PACKAGED_DATA in data.parents:
        raise CourseError("The Sorter's author mode needs the course repository (the article's "
                          "full key); the installed learner package has only the practice "
                          "key. Open the notebook in your course checkout.")
    if not (course.root / CONFIG_FILE).is_file():
        raise CourseError(f"{course.root} is not a course checkout (no {CONFIG_FILE}): the "
                          "Sorter's author mode edits the key in the course repository. Open "
                          "the notebook there, or pass course=Course.open(DIR).")


def _check_article_folder(folder: Path) -> None:
    if not folder.is_dir():
        raise CourseError(f"No article folder {folder}. Make it with `readkit new-article "
                          f"{folder.name} FILE`, or check the article's name.")
    if not os.access(folder, os.W_OK):
        raise CourseError(f"{folder} is not writable, so author mode cannot save the key. Fix "
                          "its permissions.")


class AuthorSorter(anywidget.AnyWidget):
    """Make an article's key by keyboard. See the module docstring for the keys' Python API."""

    _esm = _HERE / "static" / "author.js"  # built from js/ by `make widgets`
    _css = (_HERE / "sorter.css").read_text(encoding="utf-8") + (
        _HERE / "author.css").read_text(encoding="utf-8")

    _units = t.List(t.Dict()).tag(sync=True)  # [{"unit_id", "paragraph", "text", "runs"}]
    _labels = t.List(t.Dict()).tag(sync=True)
    _keys = t.List(t.Dict()).tag(sync=True)  # [{"keys", "does"}]: author_keys()
    _kinds = t.List(t.Dict()).tag(sync=True)  # [{"name", "description"}]: the source kinds
    mode = t.Unicode(AUTHOR, read_only=True).tag(sync=True)
    article = t.Unicode("").tag(sync=True)
    # unit_id -> {"label", "accept", "source", "split", "rationale", "draft": bool}
    key = t.Dict().tag(sync=True)
    sources = t.List(t.Dict()).tag(sync=True)  # [{"source_id", "name", "kind"}]
    # sources key rows name that sources.csv lacks (a draft's): [{"source_id", "name", "kind"}]
    unlisted = t.List(t.Dict()).tag(sync=True)
    notice = t.Unicode("").tag(sync=True)

    def __init__(self, units=None, *, article: str | None = None,
                 course: Course | None = None) -> None:
        if units is not None:
            raise ValueError("Author mode shows the whole article: pass article=... only.")
        course = course or Course.default()
        _check_author_course(course)
        chosen = course.article(article)  # None: the course's default article
        _check_article_folder(chosen.folder)
        self.editor = KeyEditor.load(chosen.folder)
        letters = key_letters()
        super().__init__(
            article=chosen.slug,
            _labels=[{"name": label, "description": DESCRIPTIONS[label], "key": letters[label],
                      "digit": str(n)} for n, label in enumerate(LABELS, 1)],
            _keys=[{"keys": keys, "does": does} for keys, does in author_keys(letters)],
            _kinds=[{"name": name, "description": text} for name, text in SOURCE_KINDS.items()],
        )
        self._publish()
        self.on_msg(self._on_message)

    @property
    def folder(self) -> Path:
        return self.editor.folder

    @property
    def unit_ids(self) -> list[str]:
        return self.editor.unit_ids

    def key_rows(self) -> list[dict[str, str]]:
        return self.editor.key_rows()

    def _publish(self) -> None:
        """Show what the files hold now."""
        units = unit_runs({"unit_id": u.unit_id, "paragraph": u.paragraph, "text": u.text}
                          for u in self.editor.units)
        with self.hold_sync():  # one update: the view never sees new units with the old key
            if units != self._units:
                self._units = units
            self.key = {row["unit_id"]: {**{name: row.get(name, "") for name in
                                            ("label", "accept", "source", "split", "rationale")},
                                         "draft": is_draft(row)}
                        for row in self.editor.key_rows()}
            self.sources = [{name: row.get(name, "") for name in ("source_id", "name", "kind")}
                            for row in self.editor.sources]
            self.unlisted = self.editor.unlisted_sources()

    def _do(self, change, *args):
        result = change(*args)
        self.notice = ""
        self._publish()
        return result

    # -- the Python API (one method per key) ----------------------------------------------------

    def choose(self, unit_id: str, label: str | None) -> dict[str, str]:
        return self._do(self.editor.set_label, unit_id, label)

    def accept(self, unit_id: str, label: str, accepted: bool = True) -> dict[str, str]:
        current = [a for a in self.editor.row(unit_id)["accept"].split("|") if a]
        wanted = [*current, label] if accepted else [a for a in current if a != label]
        return self._do(self.editor.set_accept, unit_id, wanted)

    def set_source(self, unit_id: str, source_id: str | None) -> dict[str, str]:
        return self._do(self.editor.set_source, unit_id, source_id)

    def add_source(self, source_id: str, name: str, kind: str, date: str = "",
                   citation: str = "") -> dict[str, str]:
        return self._do(self.editor.add_source, source_id, name, kind, date, citation)

    def set_rationale(self, unit_id: str, text: str) -> dict[str, str]:
        return self._do(self.editor.set_rationale, unit_id, text)

    def confirm(self, unit_id: str) -> dict[str, str]:
        return self._do(self.editor.confirm, unit_id)

    def start_assessment_at(self, unit_id: str | None) -> str | None:
        return self._do(self.editor.start_assessment_at, unit_id)

    def split_unit(self, unit_id: str, offset: int) -> tuple[str, str]:
        return self._do(self.editor.split_unit, unit_id, offset)

    def merge_with_next(self, unit_id: str) -> str:
        return self._do(self.editor.merge_with_next, unit_id)

    def undo(self) -> list[str] | None:
        """Undo this widget's last change; returns the units it changed back (None: nothing
        to undo)."""
        return self._do(self.editor.undo)

    # -- the browser ------------------------------------------------------------------------------

    def _on_message(self, _widget, content, _buffers) -> None:
        if not isinstance(content, dict) or content.get("type") != "edit":
            return
        action, unit = content.get("action"), content.get("unit")
        reply = {"type": "edited", "seq": content.get("seq"), "action": action}
        try:
            if action == "label":
                result = self.choose(unit, content.get("label"))
            elif action == "accept":
                result = self._do(self.editor.toggle_accept, unit, content.get("label"))
            elif action == "source":
                result = self.set_source(unit, content.get("source"))
            elif action == "add-source":
                result = self.add_source(content.get("source_id", ""), content.get("name", ""),
                                         content.get("kind", ""), content.get("date", ""),
                                         content.get("citation", ""))
                if unit:
                    self.set_source(unit, result["source_id"])
            elif action == "rationale":
                result = self.set_rationale(unit, content.get("text", ""))
            elif action == "confirm":
                result = self.confirm(unit)
            elif action == "start":
                result = self.start_assessment_at(unit)
            elif action == "split":
                result = list(self.split_unit(unit, content.get("offset")))
            elif action == "merge":
                result = self.merge_with_next(unit)
            elif action == "undo":
                result = self.undo()
            else:
                raise KeyEditError(f"Unknown action {action!r}.")
        except KeyEditError as error:
            self.notice = str(error)
            self.send({**reply, "ok": False, "message": str(error)})
            return
        except OSError as error:
            self.notice = (f"Not saved: {error.strerror or error} while writing to "
                           f"{self.folder}. Free some space or fix the folder's permissions, "
                           "then make the change again.")
            self.send({**reply, "ok": False, "message": self.notice})
            return
        self.send({**reply, "ok": True, "result": result})
