"""Show the article in a lesson: units verbatim with their ids, phrases highlighted, the
reporting verbs in a table, two passages side by side, and answers that open on request.

    show_units((8, 10))                                  # paragraphs 8 to 10
    show_units("p33s1", highlight="casually claimed")
    show_units("p34s1", highlight={"Col Ryan Dillon": "source", "says": "cue"})
    show_reporting_verbs((1, 45))
    reveal("The byline names the author.", units="p02s1")

Each function returns an IPython HTML object, so a lesson cell is one line whose value shows.
The article's text always comes from the article's units.csv: escaped, its markup (<u>...</u>,
**...**) shown as underlined and bold text (readkit.course.markup), and a highlight is found in
the text as a reader sees it. The HTML is written by one template, templates/show.html.j2
(Jinja, autoescaped); this module only chooses what goes into it.
"""

import re
from collections.abc import Iterable, Mapping
from functools import cache
from pathlib import Path

from IPython.display import HTML

from readkit.course.course import Course, Unit
from readkit.course.key import PRACTICE
from readkit.course.markup import Run, parse, plain, run_html

ROLES = ("source", "cue", "content")  # highlight roles; None is a plain highlight


@cache
def _html():
    """The template's macros (passage, verbs, columns, reveal, key)."""
    import jinja2
    from markupsafe import Markup

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(Path(__file__).with_name("templates")),
        autoescape=True, undefined=jinja2.StrictUndefined)
    env.filters["run"] = lambda run: Markup(run_html(run))
    return env.get_template("show.html.j2").module


# -- which units -------------------------------------------------------------------------------

def select_units(units=None, course: Course | None = None,
                 article: str | None = None) -> list[Unit]:
    """The units asked for, in reading order, from one article (default: the course's first)
    of `course` (default: Course.default()). Every helper below takes the same `article`.

    units: None (the whole article), one unit id ("p16s2"), a list of ids, or a paragraph range:
    the inclusive tuple (8, 10) or range(8, 11).
    """
    return (course or Course.default()).article(article).select_units(units)


def unit_text(unit_id: str, article: str | None = None) -> str:
    """The verbatim text of one unit."""
    return select_units(unit_id, article=article)[0].text


# -- highlighting ------------------------------------------------------------------------------

def _phrases(highlight) -> dict[str, str | None]:
    """phrase -> role (None for a plain highlight)."""
    if highlight is None:
        return {}
    if isinstance(highlight, str):
        return {highlight: None}
    if isinstance(highlight, Mapping):
        roles = dict(highlight)
        unknown = {role for role in roles.values() if role is not None and role not in ROLES}
        if unknown:
            raise ValueError(f"Unknown highlight role(s) {sorted(unknown)}: use "
                             f"{', '.join(ROLES)} or None.")
        return roles
    return dict.fromkeys(highlight)


def _pattern(phrase: str) -> str:
    """A phrase as a regex that does not match inside a longer word ("says" not in "essays")."""
    start = r"(?<!\w)" if phrase[:1].isalnum() else ""
    end = r"(?!\w)" if phrase[-1:].isalnum() else ""
    return start + re.escape(phrase) + end


def _spans(text: str, phrases: Mapping[str, str | None]) -> list[tuple[int, int, str]]:
    """Non-overlapping (start, end, phrase) matches, leftmost first, longest phrase first."""
    found = []
    for phrase in sorted(phrases, key=len, reverse=True):
        found += [(m.start(), m.end(), phrase) for m in re.finditer(_pattern(phrase), text)]
    found.sort(key=lambda span: (span[0], -(span[1] - span[0])))
    spans, position = [], 0
    for start, end, phrase in found:
        if start >= position:
            spans.append((start, end, phrase))
            position = end
    return spans


def _slice(runs: list[Run], start: int, end: int) -> list[Run]:
    """The runs' text from `start` to `end` (offsets in the text a reader sees)."""
    out, position = [], 0
    for run in runs:
        first, last = position, position + len(run.text)
        position = last
        low, high = max(first, start), min(last, end)
        if low < high:
            out.append(run._replace(text=run.text[low - first:high - first]))
    return out


def _groups(text: str, phrases: Mapping[str, str | None]) -> list[dict]:
    """`text` as the template's groups: runs of its formatted text, each group highlighted
    ({"mark": True, "role"}) or not."""
    runs = parse(text)
    seen = "".join(run.text for run in runs)
    groups, position = [], 0
    for start, end, phrase in _spans(seen, phrases):
        if start > position:
            groups.append({"mark": False, "runs": _slice(runs, position, start)})
        groups.append({"mark": True, "role": phrases[phrase], "runs": _slice(runs, start, end)})
        position = end
    if position < len(seen):
        groups.append({"mark": False, "runs": _slice(runs, position, len(seen))})
    return groups


def highlight_html(text: str, highlight=None) -> str:
    """`text` (the article's, markup read) escaped, with each occurrence of the highlighted
    phrases marked."""
    return str(_html().text(_groups(text, _phrases(highlight))))


# -- passages ----------------------------------------------------------------------------------

def _describe(paragraphs: list[int]) -> str:
    first, last = paragraphs[0], paragraphs[-1]
    return f"paragraph {first}" if first == last else f"paragraphs {first} to {last}"


def units_html(units=None, *, highlight=None, ids: bool = True, caption: bool = True,
               article: str | None = None) -> str:
    """The units as an HTML passage: one block per paragraph, each unit after its id, "[…]"
    where paragraphs are left out. Raises ValueError for a highlight found in none of them."""
    return str(_passage(select_units(units, article=article), _phrases(highlight), ids, caption))


def _passage(chosen: list[Unit], phrases: Mapping[str, str | None], ids: bool = True,
             caption: bool = True):
    missing = [p for p in phrases if not any(_spans(plain(u.text), {p: None}) for u in chosen)]
    if missing:
        raise ValueError(f"Highlight not found in the units shown: {missing}. Phrases must be "
                         "typed exactly as the article reads.")
    blocks, previous = [], None
    for unit in chosen:
        if unit.paragraph != previous:
            if previous is not None and unit.paragraph > previous + 1:
                blocks.append({"gap": True})
            blocks.append({"gap": False, "units": []})
            previous = unit.paragraph
        blocks[-1]["units"].append({"id": unit.unit_id if ids else "",
                                    "groups": _groups(unit.text, phrases)})
    paragraphs = sorted({unit.paragraph for unit in chosen})
    title = f"From the article, {_describe(paragraphs)} (verbatim)" if caption else ""
    return _html().passage(blocks, title)


def show_units(units=None, *, highlight=None, ids: bool = True, caption: bool = True,
               article: str | None = None) -> HTML:
    """Show units verbatim (see `units_html`): units is None, an id, a list of ids or a
    (first, last) paragraph range; highlight is a phrase, a list of phrases or a dict
    phrase -> role ("source", "cue", "content")."""
    return HTML(units_html(units, highlight=highlight, ids=ids, caption=caption,
                           article=article))


def show_paragraph(number: int, *, highlight=None, article: str | None = None) -> HTML:
    """One paragraph of the article, verbatim, with its unit ids."""
    return show_units((number, number), highlight=highlight, article=article)


# -- reporting verbs ---------------------------------------------------------------------------

# Verbs and phrases that attribute words to someone. "casually" is kept with its verb: the
# adverb is part of the stance. ("admit" as an infinitive and "charges" are not reporting.)
REPORTING_VERBS = (
    "says", "said", "maintains", "admits", "admitted", "confirms", "confirmed", "claimed",
    "acknowledges", "suggests", "intimated", "according to", "reportedly",
)
_VERB = re.compile(
    r"(?<!\w)(?:casually\s+)?(?:" + "|".join(re.escape(v) for v in REPORTING_VERBS) + r")(?!\w)",
    re.IGNORECASE,
)


def find_reporting_verbs(units=None, *, article: str | None = None) -> list[tuple[str, str]]:
    """(unit_id, verb as written) for every reporting verb in the units, in reading order."""
    return [(unit.unit_id, match.group(0)) for unit in select_units(units, article=article)
            for match in _VERB.finditer(plain(unit.text))]


def reporting_verbs_html(units=None, *, article: str | None = None) -> str:
    found = find_reporting_verbs(units, article=article)
    texts = {unit.unit_id: unit.text for unit in select_units(units, article=article)}
    return str(_html().verbs([{"id": unit_id, "verb": verb, "groups": _groups(texts[unit_id],
                                                                              {verb: None})}
                              for unit_id, verb in found]))


def show_reporting_verbs(units=None, *, article: str | None = None) -> HTML:
    """A table of the reporting verbs ("says", "according to", "casually claimed"...) in the
    units, each with its sentence, verb highlighted."""
    return HTML(reporting_verbs_html(units, article=article))


# -- sources ---------------------------------------------------------------------------------

SOURCE_COLUMNS = ("source_id", "name", "kind", "date", "citation")


def sources_html(source_ids=None, *, article: str | None = None) -> str:
    """The article's sources (sources.csv) as a table: all, or the ids given, in that order."""
    rows = {row["source_id"]: row for row in Course.default().article(article).rows("sources.csv")}
    wanted = list(rows) if source_ids is None else [str(s) for s in source_ids]
    unknown = [s for s in wanted if s not in rows]
    if unknown:
        raise ValueError(f"Unknown source id(s): {', '.join(unknown)}. The article's sources: "
                         f"{', '.join(rows)}.")
    return str(_html().sources(SOURCE_COLUMNS, [[rows[s].get(c) or "" for c in SOURCE_COLUMNS]
                                                 for s in wanted]))


def show_sources(source_ids=None, *, article: str | None = None) -> HTML:
    """A table of the sources the article draws on (name, kind, date, full citation), from
    sources.csv: plain Python, so it shows in the browser version of the course too."""
    return HTML(sources_html(source_ids, article=article))


# -- side by side and reveal -------------------------------------------------------------------

def side_by_side_html(left, right, *, titles: Iterable[str] = ("", ""),
                      highlight=None, article: str | None = None) -> str:
    """Two passages in columns (stacked on a narrow screen), each under its title."""
    columns = []
    for units, title in zip((left, right), titles, strict=True):
        chosen = select_units(units, article=article)
        phrases = {p: r for p, r in _phrases(highlight).items()
                   if any(_spans(plain(u.text), {p: None}) for u in chosen)}
        columns.append({"title": title, "passage": _passage(chosen, phrases)})
    return str(_html().columns(columns))


def side_by_side(left, right, *, titles: Iterable[str] = ("", ""), highlight=None,
                 article: str | None = None) -> HTML:
    """Show two sets of units next to each other, e.g. what a source says and what the article
    makes of it. A highlight is marked wherever it occurs (it needs to occur on one side only)."""
    return HTML(side_by_side_html(left, right, titles=titles, highlight=highlight,
                                  article=article))


def reveal_html(answer: str = "", *, units=None, highlight=None,
                label: str = "Show the answer", article: str | None = None) -> str:
    """A closed <details>: `label` shows; the answer (plain text, escaped; blank lines start a
    new paragraph) and any units (verbatim) show once it is opened."""
    if not answer.strip() and units is None:
        raise ValueError("reveal needs an answer text, units to show, or both.")
    paragraphs = [part.strip() for part in re.split(r"\n\s*\n", answer.strip()) if part.strip()]
    passage = "" if units is None else _passage(select_units(units, article=article),
                                                _phrases(highlight))
    return str(_html().reveal(label, paragraphs, passage))


def reveal(answer: str = "", *, units=None, highlight=None, label: str = "Show the answer",
           article: str | None = None) -> HTML:
    """An answer that stays folded until the learner opens it (predict, then reveal)."""
    return HTML(reveal_html(answer, units=units, highlight=highlight, label=label,
                            article=article))


# -- the practice key --------------------------------------------------------------------------

def key_html(units, *, label: str = "Show the key", article: str | None = None) -> str:
    """A closed <details> with the key's label, accepted alternatives and rationale for each
    unit, under the unit's text. Practice units only: assessment labels never reach a lesson."""
    chosen = select_units(units, article=article)
    practice = Course.default().article(article).key(PRACTICE)
    outside = [unit.unit_id for unit in chosen if unit.unit_id not in practice]
    if outside:
        raise ValueError(f"Lessons show the key for practice units only; not practice: "
                         f"{', '.join(outside)}.")
    items = [{"passage": _passage([unit], {}, caption=False),
              "label": practice[unit.unit_id].label, "accept": practice[unit.unit_id].accept,
              "rationale": practice[unit.unit_id].rationale} for unit in chosen]
    return str(_html().key(label, items))


def reveal_key(units, *, label: str = "Show the key", article: str | None = None) -> HTML:
    """The practice key for these units (label, alternatives, rationale), folded until opened."""
    return HTML(key_html(units, label=label, article=article))
