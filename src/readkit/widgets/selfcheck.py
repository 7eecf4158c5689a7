"""Practice questions for the lessons: feedback at once, nothing graded, nothing saved.

    SelfCheck("Who wrote the article?", ["The BBC", "Michel Chossudovsky"],
              answer="Michel Chossudovsky", explanation="The byline (p02s1) names him.")
    SelfCheck.on_unit("p04s2", article="harbour-bridge")    # "which label?" from the practice key
    quiz(("Question?", ["a", "b"], "b", "Why b."), ...)     # several in one cell
    EvidenceTable({"p20s1": NAMED, "p52s1": INTERPRETS})      # dropdowns + model answer

SelfCheck is a real radio group (a <fieldset> with its question as <legend>, native radio
inputs sharing one name: Tab reaches the group, arrow keys choose) with a Check button and a
live region that screen readers announce. Stock ipywidgets RadioButtons give their inputs no
shared name, so they are not a group: every option is a tab stop and arrows do nothing.
Like the Sorter, two different wrong tries show the answer and the explanation.

State is in synced traits (`index`, `feedback`, `verdict`), so tests drive it from Python.
Colours are JupyterLab theme variables: focus ring and button --jp-brand-color1 (4.6:1 light,
6.0:1 dark against the page), text --jp-content-font-color1.
"""

from pathlib import Path

import anywidget
import ipywidgets as widgets
import traitlets as t

from readkit.course.key import PRACTICE
from readkit.course.labels import LABELS
from readkit.widgets.show import select_units
from readkit.widgets.unit_runs import unit_runs

TRIES_BEFORE_REVEAL = 2  # the same rule as the Sorter's practice mode
# The codebook's decision procedure, one step per label: the hint of a "which label?" question.
LABEL_HINTS = {
    "meta": "Step 1: is it part of the page around the report (headline, byline, dateline, "
            "caption, credit, contact line)?",
    "sourced": "Step 2: does the text give these words or this information to someone it "
               "names? Look for quotation marks, \"said\", \"according to\", \"the report\".",
    "claim": "Step 3: is a source named for it? If not, could the statement be checked?",
    "commentary": "Step 4: does the sentence interpret, judge, guess or describe a mood in the "
                  "writer's own words?",
}

_HERE = Path(__file__).parent


def _option_index(options: list[str], answer) -> int:
    if isinstance(answer, bool) or not isinstance(answer, int | str):
        raise TypeError("answer must be the text of an option or its position (0, 1, ...).")
    if isinstance(answer, int):
        if not 0 <= answer < len(options):
            raise ValueError(f"answer {answer} is not a position in the {len(options)} options.")
        return answer
    if answer not in options:
        raise ValueError(f"answer {answer!r} is not one of the options {options}.")
    return options.index(answer)


class SelfCheck(anywidget.AnyWidget):
    """One question with a few options, a Check button and feedback.

    answer: the right option's text or position. accept: other options that also count as
    right (a second defensible reading, as in the key's `accept` column). explanation: shown when
    the learner is right, or after two different wrong tries together with the answer. hint:
    shown after the first wrong try (default: a prompt to look again).
    """

    _esm = _HERE / "static" / "selfcheck.js"  # built from js/ by `make widgets`
    _css = _HERE / "selfcheck.css"

    question = t.Unicode().tag(sync=True)
    options = t.List(t.Unicode()).tag(sync=True)
    index = t.Int(None, allow_none=True).tag(sync=True)  # the learner's choice
    feedback = t.Unicode("").tag(sync=True)
    verdict = t.Unicode("").tag(sync=True)  # "", "none", "right", "wrong", "revealed"
    checks = t.Int(0).tag(sync=True)  # counts Checks, so the same words are announced again

    def __init__(self, question: str, options, answer, explanation: str, *,
                 accept=(), hint: str = "") -> None:
        options = [str(option) for option in options]
        if len(options) < 2:
            raise ValueError("A self-check question needs at least two options.")
        if len(set(options)) != len(options):
            raise ValueError(f"Options must differ from each other: {options}.")
        if not explanation.strip():
            raise ValueError("Give an explanation: it is the feedback the learner learns from.")
        self._answer = _option_index(options, answer)
        if isinstance(accept, str | int):
            accept = [accept]
        self._accept = {_option_index(options, other) for other in accept} - {self._answer}
        self.explanation = explanation.strip()
        self.hint = hint.strip() or "Look at the text again and try another answer."
        self._wrong: set[int] = set()
        super().__init__(question=question, options=options)
        self.on_msg(self._on_message)

    @classmethod
    def on_unit(cls, unit_id: str, *, article: str | None = None) -> "SelfCheck":
        """"Which label fits this unit?" for a practice unit, from the practice key: the four
        labels, the key's label (and accepted ones), its rationale as the explanation, the
        procedure's step for that label as the hint. An assessment unit is refused."""
        from readkit.course.course import Course

        practice = Course.default().article(article).key(PRACTICE)
        if unit_id not in practice:
            raise ValueError(f"{unit_id!r} is not a practice unit of this article: a self-check "
                             "may only ask about practice units.")
        entry = practice[unit_id]
        two = "Two readings can be defended here, but not every label. " if entry.accept else ""
        return cls(f"Which label fits {unit_id} (shown above)?", LABELS, answer=entry.label,
                   accept=entry.accept, hint=two + LABEL_HINTS[entry.label],
                   explanation=entry.rationale)

    @property
    def answer(self) -> str:
        return self.options[self._answer]

    @property
    def value(self) -> str | None:
        """The option the learner chose, or None."""
        return None if self.index is None else self.options[self.index]

    @value.setter
    def value(self, option: str | None) -> None:
        self.index = None if option is None else _option_index(self.options, option)

    def check(self) -> str:
        """Give feedback on the chosen option; returns the verdict."""
        if self.index is None:
            verdict, text = "none", "Choose an answer first, then press Check."
        elif self.index == self._answer:
            verdict, text = "right", f"Right. {self.explanation}"
        elif self.index in self._accept:
            verdict = "right"
            text = (f"Right: {self.value} is also accepted; the first choice is {self.answer}. "
                    f"{self.explanation}")
        else:
            self._wrong.add(self.index)
            if len(self._wrong) >= TRIES_BEFORE_REVEAL:
                verdict = "revealed"
                text = f"Not quite. The answer is: {self.answer}. {self.explanation}"
            else:
                verdict, text = "wrong", f"Not quite. {self.hint}"
        self.verdict, self.feedback = verdict, text
        self.checks += 1
        return verdict

    def _on_message(self, _widget, content, _buffers) -> None:
        if isinstance(content, dict) and content.get("type") == "check":
            # The choice the learner saw when pressing Check (it may overtake the state sync).
            index = content.get("index", self.index)
            if index is None or (isinstance(index, int) and not isinstance(index, bool)
                                 and 0 <= index < len(self.options)):
                self.index = index
            self.check()


class Quiz(widgets.VBox):
    """Several SelfChecks, one under the other. `score` counts those answered right."""

    def __init__(self, checks: list[SelfCheck]) -> None:
        self.checks = list(checks)
        super().__init__(children=self.checks)

    @property
    def score(self) -> int:
        return sum(check.verdict == "right" for check in self.checks)


def quiz(*questions) -> Quiz:
    """Show several questions: SelfCheck objects, or (question, options, answer, explanation)
    tuples, or dicts of SelfCheck's arguments. A single list of them works too."""
    if len(questions) == 1 and isinstance(questions[0], list):
        questions = tuple(questions[0])
    if not questions:
        raise ValueError("quiz needs at least one question.")
    checks = []
    for question in questions:
        if isinstance(question, SelfCheck):
            checks.append(question)
        elif isinstance(question, dict):
            checks.append(SelfCheck(**question))
        elif isinstance(question, tuple | list) and len(question) == 4:
            checks.append(SelfCheck(*question))
        else:
            raise TypeError("Each question is a SelfCheck, a dict of its arguments, or a tuple "
                            "(question, options, answer, explanation).")
    return Quiz(checks)


# -- the evidence table ------------------------------------------------------------------------

NAMED = "a named source"
VIA = "an unnamed source, passed on by a named writer"
ASSERTS = "the author, stated as fact (no source)"
INTERPRETS = "the author's interpretation (no source)"
EVIDENCE_OPTIONS = (NAMED, VIA, ASSERTS, INTERPRETS)


class EvidenceTable(anywidget.AnyWidget):
    """A table of units: the learner says what each one rests on (a dropdown per row), then
    compares with a model answer on request. Graded by nothing; nothing is saved.

    model: unit_id -> the model answer (one of `options`), in the order the rows show.
    """

    _esm = _HERE / "static" / "evidence.js"  # built from js/ by `make widgets`
    _css = _HERE / "selfcheck.css"

    question = t.Unicode().tag(sync=True)
    rows = t.List(t.Dict()).tag(sync=True)  # [{"unit_id", "text", "runs"}]: unit_runs.py
    options = t.List(t.Unicode()).tag(sync=True)
    choices = t.Dict().tag(sync=True)  # unit_id -> option, the learner's
    revealed = t.Bool(False).tag(sync=True)
    # Sent to the browser only once revealed: [{"unit_id", "yours", "model", "same"}].
    comparison = t.List(t.Dict()).tag(sync=True)
    summary = t.Unicode("").tag(sync=True)

    def __init__(self, model: dict[str, str], *, options=EVIDENCE_OPTIONS,
                 question: str = "What does each sentence rest on?",
                 article: str | None = None) -> None:
        options = list(options)
        bad = {unit_id: answer for unit_id, answer in model.items() if answer not in options}
        if bad:
            raise ValueError(f"Model answers must be one of the options {options}: {bad}.")
        units = {unit.unit_id: unit for unit in select_units(list(model), article=article)}
        self._model = dict(model)
        super().__init__(
            question=question, options=options,
            rows=unit_runs({"unit_id": unit_id, "paragraph": units[unit_id].paragraph,
                            "text": units[unit_id].text} for unit_id in model),
        )
        self.on_msg(self._on_message)

    @t.validate("choices")
    def _known_choices(self, proposal):
        return {unit_id: choice for unit_id, choice in proposal["value"].items()
                if unit_id in self._model and choice in self.options}

    @t.observe("choices")
    def _choices_changed(self, _change) -> None:
        if self.revealed:
            self._compare()

    def _compare(self) -> None:
        self.comparison = [
            {"unit_id": unit_id, "yours": self.choices.get(unit_id, ""), "model": answer,
             "same": self.choices.get(unit_id) == answer}
            for unit_id, answer in self._model.items()
        ]
        same = sum(row["same"] for row in self.comparison)
        answered = len(self.choices)
        self.summary = (
            f"Your table agrees with the model answer on {same} of {len(self._model)} rows"
            + (f" ({len(self._model) - answered} not answered yet)" if answered < len(self._model)
               else "")
            + ". Where they differ, look for the words that decide it: quotation marks, a "
            "name, a reporting verb, a citation. A different answer you can back with the "
            "text is worth discussing."
        )

    def show_model(self) -> list[dict]:
        """Reveal the model answer next to the learner's choices."""
        # One update: the view never announces the summary with the model still hidden.
        with self.hold_sync():
            self._compare()
            self.revealed = True
        return self.comparison

    def hide_model(self) -> None:
        with self.hold_sync():
            self.revealed = False
            self.comparison, self.summary = [], ""

    def _on_message(self, _widget, content, _buffers) -> None:
        if isinstance(content, dict) and isinstance(content.get("choices"), dict):
            # The choices the learner saw when asking (they may overtake the state sync).
            self.choices = content["choices"]
        if isinstance(content, dict) and content.get("type") == "reveal":
            self.show_model()
        elif isinstance(content, dict) and content.get("type") == "hide":
            self.hide_model()
