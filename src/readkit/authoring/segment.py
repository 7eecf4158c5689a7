"""Text -> blocks -> sentence units, pure (no files, no network, nothing downloaded).

A *block* is a paragraph of article.txt: a non-blank line (the data contract's `paragraph`
number, as `readkit validate` counts it). A *unit* is a sentence-sized span of one block; its
text is the block's text between two offsets, so it is always a verbatim substring of the article.

Segmentation is a base segmenter (pysbd by default, chosen by measurement: `readkit bench
segment`) followed by readkit's merge rules (`MERGE_RULES`), each a reason to remove a boundary
the base segmenter put:

- `continuation`: the next piece starts in lower case ("at 7 p.m. on Tuesday", "the U.S. is",
  "... and so"): an abbreviation or an ellipsis, not a sentence end;
- `initial`: the piece ends with a single capital and a period ("J. R. Smith", "Seymour M.
  Hersh");
- `open-bracket`: the piece ends inside an unclosed ( or [ ("[the]", "(emphasis added.)");
- `dangling`: the next piece has no letter or digit ("...", '"', ")"): it belongs to the
  sentence before;
- `citation`: the next piece is a short parenthetical ("(Ibid)", "(see CNN, November 26,
  2001).") that cites the sentence before.

Quotations: straight and curly double quotes are tracked through a block. A unit that starts
inside a quotation opened by an earlier unit of the same block is marked with `quote_from` (the
id of the unit that opened it), so a quoted passage of several sentences stays attributable
(`quote_states`). Newspapers re-open a quotation that continues into the next paragraph with a
quote mark of its own, so the state starts afresh with each block.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache

Span = tuple[int, int]
BaseSegmenter = Callable[[str], list[Span]]


@dataclass(frozen=True)
class Block:
    """A paragraph: `number` counts from 1; start/end are offsets into the whole text."""

    number: int
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class Unit:
    unit_id: str
    paragraph: int
    start: int  # offsets into the whole text
    end: int
    text: str
    quote_from: str = ""  # the unit whose open quotation this one continues ("" if none)


def blocks_of(text: str) -> list[Block]:
    """Every non-blank line (whitespace-only lines are blank), with its offsets; the line's
    trailing whitespace (and a carriage return) is not part of the block."""
    found, offset = [], 0
    for line in text.splitlines(keepends=True):
        body = line.rstrip("\r\n")
        if body.strip():
            lead = len(body) - len(body.lstrip())
            content = body.strip()
            found.append(Block(len(found) + 1, offset + lead, offset + lead + len(content),
                               content))
        offset += len(line)
    return found


def unit_id(paragraph: int, sentence: int) -> str:
    return f"p{paragraph:02d}s{sentence}"


# -- base segmenters ------------------------------------------------------------------------


def spans_of(text: str, pieces: Iterable[str]) -> list[Span]:
    """Map segmenter output back onto `text`: each piece (stripped) is found in order from where
    the last one ended. A piece that cannot be found (a segmenter that rewrote the text) is
    skipped; the gaps are closed by `cover`."""
    spans, cursor = [], 0
    for piece in pieces:
        piece = piece.strip()
        if not piece:
            continue
        at = text.find(piece, cursor)
        if at < 0:
            continue
        spans.append((at, at + len(piece)))
        cursor = at + len(piece)
    return cover(text, spans)


def cover(text: str, spans: list[Span]) -> list[Span]:
    """Spans that tile the non-blank text: every boundary kept, each span stretched to the
    next one's start, then stripped of surrounding whitespace."""
    starts = sorted({s for s, _ in spans} | {0})
    edges = [*starts, len(text)]
    result = []
    for start, end in zip(edges, edges[1:], strict=False):
        piece = text[start:end]
        if piece.strip():
            lead = len(piece) - len(piece.lstrip())
            result.append((start + lead, start + len(piece.rstrip())))
    return result


@cache
def _pysbd():
    import pysbd

    return pysbd.Segmenter(language="en", clean=False)


def pysbd_spans(text: str) -> list[Span]:
    return spans_of(text, _pysbd().segment(text))


@cache
def _spacy():
    import spacy

    nlp = spacy.blank("en")  # tokenizer and rules only: no model to download
    nlp.add_pipe("sentencizer")
    return nlp


def spacy_spans(text: str) -> list[Span]:
    return cover(text, [(s.start_char, s.end_char) for s in _spacy()(text).sents])


_NAIVE_END = re.compile(r"[.!?]+[\"”’')\]]*\s+")


def naive_spans(text: str) -> list[Span]:
    """A baseline: split after every ., ! or ? (and closing quotes) that whitespace follows."""
    return cover(text, [(0, 0)] + [(m.end(), m.end()) for m in _NAIVE_END.finditer(text)])


BASE_SEGMENTERS: dict[str, BaseSegmenter] = {
    "pysbd": pysbd_spans,
    "spacy-sentencizer": spacy_spans,
    "naive-regex": naive_spans,
}
DEFAULT_SEGMENTER = "pysbd"

# -- readkit's rules ------------------------------------------------------------------------

_INITIAL = re.compile(r"(?:^|[\s(\"“])[A-Z]\.$")
_WORD = re.compile(r"[^\W_]")
_CITATION_WORDS = 15


def _open_brackets(text: str) -> bool:
    depth = {"(": 0, "[": 0}
    for char in text:
        if char in "([":
            depth[char] += 1
        elif char == ")" and depth["("]:
            depth["("] -= 1
        elif char == "]" and depth["["]:
            depth["["] -= 1
    return any(depth.values())


def _first_letter(text: str) -> str:
    """The first character after leading quotes, dots, brackets and dashes."""
    return text.lstrip("\"“”'‘’ .…-–—")[:1]


def _continuation(before: str, after: str) -> bool:
    return _first_letter(after).islower()


def _initial(before: str, after: str) -> bool:
    return bool(_INITIAL.search(before))


def _open_bracket(before: str, after: str) -> bool:
    return _open_brackets(before)


def _dangling(before: str, after: str) -> bool:
    return not _WORD.search(after) or not _WORD.search(before)


def _citation(before: str, after: str) -> bool:
    after = after.lstrip("\"”’' ")
    return after.startswith("(") and len(after.split()) <= _CITATION_WORDS


MERGE_RULES: dict[str, Callable[[str, str], bool]] = {
    "continuation": _continuation,
    "initial": _initial,
    "open-bracket": _open_bracket,
    "dangling": _dangling,
    "citation": _citation,
}


_QUOTES = re.compile(r"[\"“”]")


def _quotes_as_spaces(text: str) -> str:
    """The text with each double quote a space (same length, so offsets still hold)."""
    return _QUOTES.sub(" ", text)


def _quotes_to_their_side(text: str, spans: list[Span]) -> list[Span]:
    """After segmenting with quotes as spaces, put each quote back on its side of a boundary.

    A boundary sits where the next piece's words start; the quotes and spaces just before it
    belong to the piece before (closing quotes), except from the first quote that follows a
    space (an opening quote), which starts the next piece. A block that opens with a quote has
    no boundary before its first words."""
    starts = []
    for start, _ in spans:
        cut = start
        while cut > 0 and text[cut - 1] in ' \t"“”':
            cut -= 1
        gap = text[cut:start]
        opening = [cut + i for i, char in enumerate(gap)
                   if char in '"“' and (cut + i == 0 or text[cut + i - 1].isspace())]
        start = opening[0] if opening else start
        if text[:start].strip(' \t"“”'):
            starts.append(start)
    return cover(text, [(start, start) for start in starts])


RULES = ("quotes-as-spaces", *MERGE_RULES)


def apply_rules(text: str, spans: list[Span], rules: Iterable[str] = MERGE_RULES) -> list[Span]:
    """Remove each boundary that one of the rules says is not a sentence end."""
    checks = [MERGE_RULES[name] for name in rules]
    merged: list[Span] = []
    for start, end in spans:
        if merged:
            before = text[merged[-1][0]:merged[-1][1]]
            after = text[start:end]
            if any(check(before, after) for check in checks):
                merged[-1] = (merged[-1][0], end)
                continue
        merged.append((start, end))
    return merged


def sentence_spans(text: str, segmenter: str = DEFAULT_SEGMENTER,
                   rules: Iterable[str] | None = None) -> list[Span]:
    """The sentence spans of one block's text: base segmenter, then the merge rules (all of
    them unless `rules` names some; `rules=()` for the base segmenter alone)."""
    if not text.strip():
        return []
    rules = tuple(RULES if rules is None else rules)
    base = BASE_SEGMENTERS[segmenter]
    if "quotes-as-spaces" in rules:
        spans = _quotes_to_their_side(text, base(_quotes_as_spaces(text)))
    else:
        spans = base(text)
    return apply_rules(text, spans, [rule for rule in rules if rule in MERGE_RULES])


# -- quotations -----------------------------------------------------------------------------

_OPENERS = " \t([{–—-/"


def quote_depth_after(text: str, open_quote: bool) -> bool:
    """Whether a double quotation is still open after `text`, given whether one was before.

    Curly quotes say which they are; a straight quote closes an open quotation, and opens one
    at the start or after a space, an opening bracket or a dash."""
    for index, char in enumerate(text):
        if char == "“":
            open_quote = True
        elif char == "”":
            open_quote = False
        elif char == '"':
            # an open quotation closes at any straight quote; a closed one opens only at a
            # quote in an opening position (a stray closing quote changes nothing)
            open_quote = not open_quote and (index == 0 or text[index - 1] in _OPENERS)
    return open_quote


def quote_states(units: Iterable[tuple[str, int, str]]) -> dict[str, str]:
    """{unit_id: id of the unit whose quotation it continues} for the units that start inside a
    quotation opened earlier in their block. `units` are (unit_id, paragraph, text)."""
    found: dict[str, str] = {}
    paragraph, opened_by, open_quote = None, "", False
    for uid, number, text in units:
        if number != paragraph:
            paragraph, opened_by, open_quote = number, "", False
        if open_quote:
            found[uid] = opened_by
        else:
            opened_by = uid
        open_quote = quote_depth_after(text, open_quote)
    return found


# -- the whole text -------------------------------------------------------------------------


def segment(text: str, segmenter: str = DEFAULT_SEGMENTER,
            rules: Iterable[str] | None = None) -> list[Unit]:
    """Every unit of the text in reading order, with stable ids pNNsM (block N, sentence M)."""
    units = []
    for block in blocks_of(text):
        spans = sentence_spans(block.text, segmenter, rules)
        for sentence, (start, end) in enumerate(spans, start=1):
            units.append(Unit(unit_id(block.number, sentence), block.number,
                              block.start + start, block.start + end, block.text[start:end]))
    quoted = quote_states((u.unit_id, u.paragraph, u.text) for u in units)
    return [Unit(u.unit_id, u.paragraph, u.start, u.end, u.text, quoted.get(u.unit_id, ""))
            for u in units]
