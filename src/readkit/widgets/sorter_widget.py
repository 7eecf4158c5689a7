"""The Sorter's widget: what a live notebook shows of a readkit.Sorter (readkit/widgets/sorter.py
makes it, except while nbgrader grades). Its front end is static/sorter.js (built from js/ by
`make widgets`) and sorter.css.

The browser never sends the whole `answers` dict: each decision is one message, {"type":
"choose", "unit", "label", "seq", "view"}, merged here into `answers` and into the file (re-read
just before the write, so two views or two Sorters sharing the file keep each other's units),
then acknowledged per unit ({"type": "saved", "changes", "seq", "view"}); until then the view
shows the choice as pending. `answers` (unit_id -> label) stays a synced trait: the view starts
from it, and Python code may set it (saved the same way). In practice mode a Check compares the
answers with the practice key *here in Python*; only verdicts go to the browser (and, after two
different wrong tries on a unit, its accepted labels and rationale). A Check message carries the
view's unacknowledged choices, so it acts on what the learner sees. Assessment mode never loads
the key.

The kernel may handle two messages of one widget at once, in two threads, and out of order
(ipykernel 7 routes a comm's messages between its main loop and subshells; seen with a busy
kernel, where a choice was lost and acknowledged as cleared). So every change of the answers
holds the widget's lock, and a view's choice for a unit that is older (a lower seq) than one
already applied for that unit from the same view changes nothing.
"""

import sys
import threading
import warnings
from contextlib import contextmanager
from pathlib import Path

import anywidget
import traitlets as t

from readkit.course import answers as store
from readkit.course import browser
from readkit.course.course import Article, Course
from readkit.course.key import PRACTICE
from readkit.course.labels import DESCRIPTIONS, LABELS, key_letters
from readkit.widgets.unit_runs import unit_runs

# A try is one distinct wrong label given to a unit at a Check; after this many the key shows.
TRIES_BEFORE_REVEAL = 2

_HERE = Path(__file__).parent


class SorterWarning(UserWarning):
    """Something given to the Sorter was ignored (an unknown unit id or label)."""


def _warn(message: str) -> None:
    """Warn at the first frame outside readkit, traitlets and the widget machinery: the line
    of the notebook that set the value."""
    internal = ("readkit", "traitlets", "ipywidgets", "anywidget", "comm", "ipykernel")
    frame, level = sys._getframe(1), 2
    while frame is not None and frame.f_globals.get("__name__", "").split(".")[0] in internal:
        frame, level = frame.f_back, level + 1
    warnings.warn(message, SorterWarning, stacklevel=level)


def _select(article: Article, units, mode: str) -> list[dict]:
    """The units to show, in reading order, in the shape the front end reads:
    {"unit_id", "paragraph", "text", "runs"} (a Unit as a dict, its text as runs: unit_runs.py).
    None means the split that fits the mode."""
    if units is None:
        units = article.split_unit_ids(mode)
        if not units:
            raise ValueError(
                f"key.csv has no {mode} units. Pass the units to show (a list of ids or a "
                "paragraph range such as (1, 12))."
            )
    return unit_runs(unit._asdict() for unit in article.select_units(units))


class SorterWidget(anywidget.AnyWidget):
    """The widget of a readkit.Sorter (see there for the arguments, checked there): the units
    shown, the answers file, practice feedback."""

    _esm = _HERE / "static" / "sorter.js"
    _css = _HERE / "sorter.css"

    # What the browser shows: [{"unit_id", "paragraph", "text", "runs"}] and the labels,
    # [{"name", "description", "key", "digit"}].
    _units = t.List(t.Dict()).tag(sync=True)
    _labels = t.List(t.Dict()).tag(sync=True)
    mode = t.Unicode(PRACTICE, read_only=True).tag(sync=True)
    answers = t.Dict().tag(sync=True)
    # unit_id -> {"label", "verdict", "tries"} (+ "accepted", "rationale" once revealed).
    feedback = t.Dict().tag(sync=True)
    notice = t.Unicode("").tag(sync=True)

    def __init__(
        self,
        units,
        *,
        assignment: str,
        answers_path: Path,
        mode: str,
        article: str | None,
        course: Course | None,
    ) -> None:
        chosen = (course or Course.default()).article(article)
        selection = _select(chosen, units, mode)
        ids = [unit["unit_id"] for unit in selection]

        self._ready = False  # no saving while the widget is being set up
        # The thread setting answers taken from the file (they are not written back); another
        # thread's change meanwhile is saved as usual.
        self._adopting: int | None = None
        self._dirty: set[str] = set()  # units whose answer here is not on disk yet
        self._ids = frozenset(ids)
        self.assignment = assignment
        self.article = chosen.slug
        self.answers_path = answers_path
        self._key = {}
        self._wrong: dict[str, set[str]] = {}
        self._lock = threading.RLock()  # one change of the answers at a time (see above)
        self._newest: dict[tuple[str, str], int] = {}  # (view, unit) -> newest seq applied
        if mode == PRACTICE:
            practice_key = chosen.key(PRACTICE)
            missing = [unit_id for unit_id in ids if unit_id not in practice_key]
            if missing:
                raise ValueError(
                    "Practice mode checks answers with the practice key, and these units are "
                    f"not practice units: {', '.join(missing)}. Use mode='assessment' for "
                    "them, or choose practice units."
                )
            self._key = {unit_id: practice_key[unit_id] for unit_id in ids}

        self.set_trait("mode", mode)  # fixed for the widget's life: the key was loaded for it
        letters = key_letters()
        super().__init__(
            _units=selection,
            _labels=[{"name": label, "description": DESCRIPTIONS[label], "key": letters[label],
                      "digit": str(n)} for n, label in enumerate(LABELS, 1)],
        )
        self.on_msg(self._on_message)
        self._restore()
        # In the browser version of the course, only its drive outlives the page: say so now.
        self.notice = self.notice or browser.not_kept(answers_path)
        self._ready = True

    @property
    def unit_ids(self) -> list[str]:
        """The ids of the units shown, in reading order."""
        return [unit["unit_id"] for unit in self._units]

    # -- answers: validate, save, restore --------------------------------------------------

    @t.validate("answers")
    def _keep_known(self, proposal):
        value = proposal["value"]
        unknown_ids = [unit_id for unit_id in value if unit_id not in self._ids]
        bad_labels = [f"{unit_id}={label!r}" for unit_id, label in value.items()
                      if unit_id in self._ids and label not in LABELS]
        if unknown_ids:
            _warn(f"Sorter ignored unit ids it does not show: {', '.join(map(str, unknown_ids))}.")
        if bad_labels:
            _warn(f"Sorter ignored unknown labels: {', '.join(bad_labels)} (use one of "
                  f"{', '.join(LABELS)}).")
        return {unit_id: label for unit_id, label in value.items()
                if unit_id in self._ids and label in LABELS}

    @t.observe("answers")
    def _answers_changed(self, change) -> None:
        if not self._ready or self._adopting == threading.get_ident():
            return
        with self._lock:
            self._save_change(change["old"], change["new"])

    def _save_change(self, old: dict, new: dict) -> None:
        changed = [unit_id for unit_id in dict.fromkeys((*new, *old))
                   if old.get(unit_id) != new.get(unit_id)]
        if self._write(changed):
            self.send({"type": "saved", "changes": [[unit_id, self.answers.get(unit_id)]
                                                    for unit_id in changed]})
        else:
            self.send({"type": "save-failed"})

    @contextmanager
    def _adopt(self):
        """Set `answers` without writing it (it came from the file). The browser still gets it."""
        self._adopting = threading.get_ident()
        try:
            yield
        finally:
            self._adopting = None

    def _merged_with_file(self, answers: dict) -> dict:
        """The file's answers as they are now, with this Sorter's changed units set."""
        found = store.read_answers(self.answers_path, self.assignment, self.article)
        if found.usable:
            merged, units = dict(found.answers), set(self._dirty)
        else:
            if found.status != store.MISSING:
                self._set_aside(found)
            # Gone or unusable: write everything this Sorter shows, so that what it shows as
            # saved is on disk again.
            merged, units = {}, set(self._ids) | self._dirty
        for unit_id in units:
            label = answers.get(unit_id)
            if label is None:
                merged.pop(unit_id, None)
            else:
                merged[unit_id] = label
        return merged

    def _write(self, changed, answers: dict | None = None) -> bool:
        with self._lock:
            return self._write_locked(changed, answers)

    def _write_locked(self, changed, answers: dict | None) -> bool:
        """Merge this Sorter's answers (or `answers`, about to become them) for the `changed`
        units, and any earlier unsaved ones, into the file as it is now, and write it
        atomically. Units this Sorter did not change keep what the file holds: another view,
        or another Sorter on the same file, may have written them. Afterwards the widget shows
        what the file holds for its units."""
        answers = self.answers if answers is None else answers
        self._dirty.update(changed)
        with store.locked(self.answers_path):
            merged = self._merged_with_file(answers)
            try:
                store.write_answers(self.answers_path, self.assignment, merged, self.article)
            except OSError as error:
                self.notice = (
                    f"Your answers could not be saved to {self.answers_path.name} "
                    f"({self.answers_path.parent}): {error.strerror or error}. "
                    + (browser.cannot_save_hint() or "Free some space or fix the folder's "
                       "permissions, then choose again: ")
                    + "every unsaved answer is saved with the next one."
                )
                return False
        self._dirty.clear()
        if self.notice.startswith("Your answers could not be saved"):
            self.notice = ""
        on_disk = {unit_id: label for unit_id, label in merged.items() if unit_id in self._ids}
        if on_disk != self.answers:
            with self._adopt():
                self.answers = on_disk
        return True

    def choose(self, unit_id: str, label: str | None) -> bool:
        """Set (or, with None, clear) one unit's answer and save it, as a key press or a click
        in the browser does. Returns whether it is on disk."""
        if unit_id not in self._ids:
            raise ValueError(f"This Sorter does not show the unit {unit_id!r}.")
        if label is not None and label not in LABELS:
            raise ValueError(f"Unknown label {label!r}: use one of {', '.join(LABELS)}.")
        with self._lock:
            new = dict(self.answers)
            if label is None:
                new.pop(unit_id, None)
            else:
                new[unit_id] = label
            # The file first, then the widget: it shows the choice once it is on disk, and an
            # answer that could not be written is not shown as saved.
            if self._write([unit_id], new):
                return True
            self._dirty.discard(unit_id)
            return False

    def _overtaken(self, view, unit_id: str, seq) -> bool:
        """Whether this view already had a newer choice for the unit applied; else `seq` is
        now the newest. Choices without a view or seq (an older front end) are never stale."""
        if not isinstance(view, str) or not isinstance(seq, int) or isinstance(seq, bool):
            return False
        newest = self._newest.get((view, unit_id))
        if newest is not None and seq < newest:
            return True
        self._newest[(view, unit_id)] = seq
        return False

    def _on_choose(self, content: dict) -> None:
        unit_id, label = content.get("unit"), content.get("label")
        reply = {"seq": content.get("seq"), "view": content.get("view")}
        if not isinstance(unit_id, str) or unit_id not in self._ids \
                or (label is not None and label not in LABELS):
            self.send({"type": "not-saved", "unit": unit_id, **reply,
                       "reason": "unknown unit or label"})
            return
        if self._overtaken(reply["view"], unit_id, reply["seq"]) or self.choose(unit_id, label):
            self.send({"type": "saved", "changes": [[unit_id, self.answers.get(unit_id)]],
                       **reply})
        else:
            self.send({"type": "not-saved", "unit": unit_id, **reply, "reason": self.notice})

    def _restore(self) -> None:
        found = store.read_answers(self.answers_path, self.assignment, self.article)
        if found.status == store.MISSING:
            return
        if not found.usable:
            self._set_aside(found)
            store.write_answers(self.answers_path, self.assignment, {}, self.article)
            return
        for problem in found.problems:
            _warn(f"{self.answers_path.name}: {problem}")
        self.answers = {unit_id: label for unit_id, label in found.answers.items()
                        if unit_id in self._ids}

    def _set_aside(self, found: store.AnswersFile) -> None:
        name = self.answers_path.name
        if found.status == store.CORRUPT:
            reason = "is not valid JSON"
        elif found.status == store.NOT_A_FILE:
            reason = "is not a regular file (a link, a folder or a device)"
        elif found.status == store.TOO_LARGE:
            reason = "is far too large to be an answers file"
        elif found.assignment is not None and found.assignment != self.assignment:
            reason = f"belongs to assignment {found.assignment!r}, not {self.assignment!r}"
        elif found.article is not None and found.article != self.article:
            reason = f"holds answers for the article {found.article!r}, not {self.article!r}"
        else:
            reason = "is not a readkit answers file"
        aside = store.move_aside(self.answers_path)
        self.notice = (
            f"Your earlier answers file could not be used: {name} {reason}. Nothing was "
            f"deleted: it is kept as {aside.name} in the same folder, and a fresh {name} was "
            "started. Ask your instructor if you need the old answers back."
        )

    # -- practice feedback -------------------------------------------------------------------

    def check(self, *, view: str | None = None) -> dict:
        """Mark each labelled unit right or wrong (practice mode). Returns the feedback."""
        if self.mode != PRACTICE:
            raise RuntimeError("Check is for practice mode only: assessment answers are graded "
                               "by your instructor.")
        with self._lock:  # the answers and the wrong tries, as they are now
            feedback, right = {}, 0
            for unit_id in self.unit_ids:
                label = self.answers.get(unit_id)
                if label is None:
                    continue
                entry = self._key[unit_id]
                wrong = self._wrong.setdefault(unit_id, set())
                if label in entry.accepted:
                    verdict = "right"
                    right += 1
                else:
                    verdict = "wrong"
                    wrong.add(label)
                item = {"label": label, "verdict": verdict, "tries": len(wrong)}
                if len(wrong) >= TRIES_BEFORE_REVEAL:
                    item["accepted"] = list(entry.accepted)
                    item["rationale"] = entry.rationale
                feedback[unit_id] = item
            self.feedback = feedback
            open_units = len(self._ids) - len(feedback)
            summary = f"Checked {len(feedback)}: {right} right, {len(feedback) - right} wrong."
            if open_units:
                summary += f" {open_units} not labelled yet."
            self.send({"type": "checked", "summary": summary, **({"view": view} if view else {})})
            return feedback

    def _on_message(self, _widget, content, _buffers) -> None:
        if not isinstance(content, dict):
            return
        with self._lock:
            kind = content.get("type")
            if kind == "choose":
                self._on_choose(content)
            elif kind == "check" and self.mode == PRACTICE:
                self._apply_pending(content.get("view"), content.get("pending"))
                self.check(view=content.get("view"))

    def _apply_pending(self, view, pending) -> None:
        """The choices the view had not seen acknowledged when Check was pressed ({unit:
        {"label", "seq"}}, or {unit: label} from an older front end): normally applied
        already; if not, they are now, in the view's order."""
        for unit_id, item in (pending.items() if isinstance(pending, dict) else ()):
            label, seq = (item.get("label"), item.get("seq")) if isinstance(item, dict) \
                else (item, None)
            if unit_id in self._ids and (label is None or label in LABELS) \
                    and not self._overtaken(view, unit_id, seq) \
                    and self.answers.get(unit_id) != label:
                self.choose(unit_id, label)
