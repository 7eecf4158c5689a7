"""Show the article in a lesson: units verbatim with their ids, phrases highlighted, the
reporting verbs in a table, two passages side by side, and answers that open on request.

    show_units((8, 10))                                  # paragraphs 8 to 10
    show_units("p33s1", highlight="casually claimed")
    show_units("p34s1", highlight={"Col Ryan Dillon": "source", "says": "cue"})
    show_reporting_verbs((1, 45))
    reveal("The byline names the author.", units="p02s1")

Each function returns an IPython HTML object, so a lesson cell is one line whose value shows.
The article's text always comes from the article's units.csv and is escaped: markup in the article
(<u>, **) shows exactly as typed. Colours are JupyterLab theme variables (light and dark themes
follow by themselves); highlights keep dark text on a light fill in both themes (12:1).
"""

import html
import re
from collections.abc import Iterable, Mapping

from IPython.display import HTML

from readkit.course.course import Course, Unit
from readkit.course.key import PRACTICE

# -- styles (inline: they survive every front end that renders HTML outputs) -------------------

FONT = "font-family: var(--jp-content-font-family, system-ui, sans-serif); line-height: 1.55;"
TEXT = "color: var(--jp-content-font-color1, rgba(0, 0, 0, 0.87));"
PASSAGE = (
    f"{FONT} {TEXT} margin: 0.4em 0 0.8em; padding: 0.1em 0 0.1em 0.9em; max-width: 52em;"
    " border-left: 3px solid var(--jp-border-color1, #bdbdbd);"
)
PARAGRAPH = "margin: 0.35em 0;"
UNIT_ID = (
    "font-family: var(--jp-code-font-family, monospace); font-size: 0.8em; padding: 0 0.3em;"
    " margin-right: 0.25em; border: 1px solid var(--jp-border-color1, #bdbdbd);"
    " border-radius: 3px; white-space: nowrap;"
)
CAPTION = "font-size: 0.85em; margin: 0 0 0.2em; font-style: italic;"
GAP = "margin: 0.2em 0; font-size: 0.9em;"
# Light fills from the theme (the same in light and dark themes) with dark text.
MARK_TEXT = "color: var(--md-grey-900, #212121); padding: 0 0.15em; border-radius: 2px;"
FILLS = {
    None: "var(--jp-warn-color3, #ffe0b2)",
    "source": "var(--jp-info-color3, #b2ebf2)",
    "cue": "var(--jp-warn-color3, #ffe0b2)",
    "content": "var(--jp-success-color3, #c8e6c9)",
}
# Roles are told apart by a text tag and a line style too, never by colour alone.
LINES = {"source": "solid", "cue": "double", "content": "dotted"}
ROLE_TAG = "font-size: 0.72em; font-weight: 600; margin-left: 0.2em; font-variant: small-caps;"
TABLE = f"{FONT} {TEXT} border-collapse: collapse; margin: 0.4em 0; max-width: 60em;"
CELL = (
    "border-bottom: 1px solid var(--jp-border-color2, #e0e0e0); padding: 0.3em 0.6em;"
    " text-align: left; vertical-align: top;"
)
DETAILS = f"{FONT} {TEXT} margin: 0.4em 0 0.8em; max-width: 52em;"
SUMMARY = (
    "cursor: pointer; font-weight: 600; color: var(--jp-content-link-color, #0d47a1);"
    " padding: 0.2em 0;"
)
COLUMNS = f"{FONT} {TEXT} display: flex; flex-wrap: wrap; gap: 0.5em 2em; max-width: 64em;"
COLUMN = "flex: 1 1 22em; min-width: 0;"


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
        unknown = {role for role in roles.values() if role not in FILLS}
        if unknown:
            raise ValueError(f"Unknown highlight role(s) {sorted(unknown)}: use "
                             f"{', '.join(r for r in FILLS if r)} or None.")
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


def mark(text: str, role: str | None = None) -> str:
    """Escaped `text` in a <mark>; with a role ("source", "cue", "content"), a visible tag."""
    fill = FILLS[role]
    style = f"background: {fill}; {MARK_TEXT}"
    if role:
        style += f" text-decoration: underline {LINES[role]}; text-underline-offset: 0.2em;"
        tag = f'<span style="{ROLE_TAG}">[{html.escape(role)}]</span>'
        return f'<mark data-role="{role}" style="{style}">{html.escape(text)}{tag}</mark>'
    return f'<mark style="{style}">{html.escape(text)}</mark>'


def highlight_html(text: str, highlight=None) -> str:
    """`text` escaped, with each occurrence of the highlighted phrases marked."""
    phrases = _phrases(highlight)
    parts, position = [], 0
    for start, end, phrase in _spans(text, phrases):
        parts.append(html.escape(text[position:start]))
        parts.append(mark(text[start:end], phrases[phrase]))
        position = end
    parts.append(html.escape(text[position:]))
    return "".join(parts)


# -- passages ----------------------------------------------------------------------------------

def _describe(paragraphs: list[int]) -> str:
    first, last = paragraphs[0], paragraphs[-1]
    return f"paragraph {first}" if first == last else f"paragraphs {first} to {last}"


def units_html(units=None, *, highlight=None, ids: bool = True, caption: bool = True,
               article: str | None = None) -> str:
    """The units as an HTML passage: one block per paragraph, each unit after its id, "[…]"
    where paragraphs are left out. Raises ValueError for a highlight found in none of them."""
    chosen = select_units(units, article=article)
    phrases = _phrases(highlight)
    missing = [p for p in phrases if not any(_spans(u.text, {p: None}) for u in chosen)]
    if missing:
        raise ValueError(f"Highlight not found in the units shown: {missing}. Phrases must be "
                         "typed exactly as in the article.")
    blocks, previous, current = [], None, []

    def close() -> None:
        if current:
            blocks.append(f'<p style="{PARAGRAPH}">{" ".join(current)}</p>')
            current.clear()

    for unit in chosen:
        if unit.paragraph != previous:
            close()
            if previous is not None and unit.paragraph > previous + 1:
                blocks.append(f'<p style="{GAP}">[…] <span style="font-size: 0.85em">'
                              f"(paragraphs left out)</span></p>")
            previous = unit.paragraph
        label = f'<span style="{UNIT_ID}">{html.escape(unit.unit_id)}</span>' if ids else ""
        current.append(f"{label}{highlight_html(unit.text, phrases)}")
    close()
    paragraphs = sorted({unit.paragraph for unit in chosen})
    title = (f'<p style="{CAPTION}">From the article, {_describe(paragraphs)} (verbatim)</p>'
             if caption else "")
    return f'<blockquote class="rk-passage" style="{PASSAGE}">{title}{"".join(blocks)}</blockquote>'


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
            for match in _VERB.finditer(unit.text)]


def reporting_verbs_html(units=None, *, article: str | None = None) -> str:
    found = find_reporting_verbs(units, article=article)
    texts = {unit.unit_id: unit.text for unit in select_units(units, article=article)}
    head = "".join(f'<th scope="col" style="{CELL}">{name}</th>'
                   for name in ("Unit", "Reporting verb", "Sentence (verbatim)"))
    rows = "".join(
        f'<tr><td style="{CELL}"><span style="{UNIT_ID}">{html.escape(unit_id)}</span></td>'
        f'<td style="{CELL}"><strong>{html.escape(verb)}</strong></td>'
        f'<td style="{CELL}">{highlight_html(texts[unit_id], verb)}</td></tr>'
        for unit_id, verb in found
    )
    caption = (f'<caption style="{CAPTION} text-align: left;">{len(found)} reporting verbs'
               " found in the units shown</caption>")
    return f'<table class="rk-verbs" style="{TABLE}">{caption}<thead><tr>{head}</tr></thead>' \
           f"<tbody>{rows}</tbody></table>"


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
    head = "".join(f'<th scope="col" style="{CELL}">{name}</th>' for name in SOURCE_COLUMNS)
    body = "".join(
        "<tr>" + "".join(f'<td style="{CELL}">{html.escape(rows[s].get(c) or "")}</td>'
                         for c in SOURCE_COLUMNS) + "</tr>"
        for s in wanted)
    return f'<table class="rk-sources" style="{TABLE}"><thead><tr>{head}</tr></thead>' \
           f"<tbody>{body}</tbody></table>"


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
                   if any(_spans(u.text, {p: None}) for u in chosen)}
        heading = f'<h4 style="margin: 0.3em 0;">{html.escape(title)}</h4>' if title else ""
        columns.append(f'<section style="{COLUMN}">{heading}'
                       f'{units_html(units, highlight=phrases or None, article=article)}'
                       "</section>")
    return f'<div class="rk-columns" style="{COLUMNS}">{"".join(columns)}</div>'


def side_by_side(left, right, *, titles: Iterable[str] = ("", ""), highlight=None,
                 article: str | None = None) -> HTML:
    """Show two sets of units next to each other, e.g. what a source says and what the article
    makes of it. A highlight is marked wherever it occurs (it needs to occur on one side only)."""
    return HTML(side_by_side_html(left, right, titles=titles, highlight=highlight,
                                  article=article))


def _paragraphs(text: str) -> str:
    return "".join(f'<p style="{PARAGRAPH}">{html.escape(part.strip())}</p>'
                   for part in re.split(r"\n\s*\n", text.strip()) if part.strip())


def reveal_html(answer: str = "", *, units=None, highlight=None,
                label: str = "Show the answer", article: str | None = None) -> str:
    """A closed <details>: `label` shows; the answer (plain text, escaped; blank lines start a
    new paragraph) and any units (verbatim) show once it is opened."""
    if not answer.strip() and units is None:
        raise ValueError("reveal needs an answer text, units to show, or both.")
    body = _paragraphs(answer)
    if units is not None:
        body += units_html(units, highlight=highlight, article=article)
    # data-lm-suppress-shortcuts: Enter and Space on the summary open it instead of reaching
    # JupyterLab's notebook shortcuts (Enter would put the cell in edit mode).
    return (f'<details class="rk-reveal" data-lm-suppress-shortcuts="true" style="{DETAILS}">'
            f'<summary style="{SUMMARY}">{html.escape(label)}</summary>'
            f'<div style="padding: 0.2em 0 0 1em;">{body}</div></details>')


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
    items = []
    for unit in chosen:
        entry = practice[unit.unit_id]
        also = f" (also accepted: {' or '.join(entry.accept)})" if entry.accept else ""
        items.append(
            f'<div style="margin: 0.3em 0 0.7em;">'
            f"{units_html([unit.unit_id], caption=False, article=article)}"
            f'<p style="{PARAGRAPH}"><strong>Key: {html.escape(entry.label)}</strong>'
            f"{html.escape(also)}. {html.escape(entry.rationale)}</p></div>"
        )
    return (f'<details class="rk-reveal" data-lm-suppress-shortcuts="true" style="{DETAILS}">'
            f'<summary style="{SUMMARY}">{html.escape(label)}</summary>'
            f'<div style="padding: 0.2em 0 0 1em;">{"".join(items)}</div></details>')


def reveal_key(units, *, label: str = "Show the key", article: str | None = None) -> HTML:
    """The practice key for these units (label, alternatives, rationale), folded until opened."""
    return HTML(key_html(units, label=label, article=article))
