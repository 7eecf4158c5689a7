"""A draft key: a label, a source and a rationale for every unit, from rules a teacher can read.

`readkit new-article` writes one (and `readkit draft-key SLUG` for an article that has units
already); every row it fills is marked `draft` (key.csv's status column, readkit.course.key)
until the teacher confirms it in author mode (KeyEditor.confirm: one key per unit). The rules
follow the codebook's decision procedure (docs/codebook.md): furniture first, then a named
source, then the author's own voice. The first rule that matches decides; the rationale says
which words made it match, so a teacher sees at once why a guess is wrong.

    meta        headline       the article's first line
    meta        furniture      a byline ("By ..."), a caption ("photo:", "Screenshot"), a share
                               bar, tags ("Theme:"), "click here", an e-mail or web address, a
                               line about the article or its writer ("This article ...",
                               "writes a column")
    meta        footer         everything after a copyright line, "About the author" or a
                               disclaimer
    meta        short line     a paragraph of a few words with no full stop (a heading, a label)
    commentary  question       a question in the author's voice (not inside a quotation)
    sourced     quotation      a sentence in quotation marks, or one that continues a quotation
    sourced     according to   "according to ..."
    sourced     reporting verb said, says, told, confirmed, admitted, found that, reportedly ...
    sourced     citation       "(Ibid)", "op cit", "quoted in"
    sourced     block quote    a paragraph after one that ends with a colon (a quotation set
                               apart)
    commentary  first person   I, me, my, we, our, us outside quotation marks
    commentary  judging words  should, must, odd, surely, in all likelihood, what-if reasoning
                               ("If ... would") and other evaluative wording (JUDGING below)
    claim       plain statement  none of the above: a statement in the author's own voice

A sourced row's source is the name next to the reporting verb or after "according to" (a
pronoun, "she said", is the last source named); each new name becomes a row of sources.csv
(its kind guessed, its date and citation left for the teacher).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from readkit.authoring.segment import quote_depth_after

REPORTING = (
    r"said|says|say|told|tells|tell|stated|states|announced|announces|confirmed|confirms|"
    r"reported|reports|added|adds|explained|explains|wrote|writes|argued|argues|claimed|claims|"
    r"admitted|admits|warned|warns|insisted|insists|noted|notes|maintains|maintained|"
    r"acknowledged|acknowledges|conceded|concedes|suggested|suggests|estimated|estimates|"
    r"promised|promises|denied|denies|revealed|reveals|recalled|recalls|asked|asks|replied|"
    r"described|describes|calls|called|intimated|uncovered|found that|showed that|shows that"
)
REPORTING_VERB = re.compile(rf"\b({REPORTING})\b", re.IGNORECASE)
ACCORDING_TO = re.compile(r"\baccording to\b", re.IGNORECASE)
CITATION = re.compile(r"\(Ibid\)|\bop\.? cit\b|\bquoted in\b|\breportedly\b", re.IGNORECASE)
QUOTE_MARKS = "\"“”"
FIRST_PERSON = re.compile(r"\b(I|me|my|mine|we|our|ours|us)\b")
JUDGING = re.compile(
    r"\b(should|must|ought|surely|clearly|obviously|odd|strange|absurd|shameful|disgrace\w*|"
    r"welcome|hard to see|no surprise|revealing|unspoken|in all likelihood|almost certainly|"
    r"may well|far from|is another matter|not really|phony|so-called|pretend|best|worst|"
    r"right|wrong|tight|neat|pleasant|merely|simply|only a|too (?:long|short|little|much)|"
    r"not long|nothing more than|in other words|bears? a \w+ resemblance|pattern|"
    r"narrative|truth|the real|really|suspect|wonder|seems?|appears? to|likely|perhaps|"
    r"probably|doubt|deserves?|fail(?:s|ed)? to|airily|casually|quietly)\b",
    re.IGNORECASE)
WHAT_IF = re.compile(r"^(If|Had|Were)\b.*\b(would|could|might)\b", re.IGNORECASE)
BYLINE = re.compile(r"^(By|Words by|Written by|Reporting by)\s+[A-Z]")
FURNITURE = re.compile(
    r"\(photo|\bphoto(graph)?:|\bpicture:|\bimage:|\bcredit:|screen ?shot|\bshare\b.*\b(tweet|"
    r"email|facebook)\b|\b\d+ comments?\b|^(region|theme|tags?|topics?|filed under|in-depth "
    r"report|related|see also|read more|more on this)\b.*:|click here|\bsubscribe\b|"
    r"\bbecome a member\b|@\w+\.\w+|\bwww\.|https?://|^this article\b|\bwrites a \w+ column\b|"
    r"^articles by\b|^comment on\b",
    re.IGNORECASE)
FOOTER = re.compile(r"copyright|©|all rights reserved|^about the author|^disclaimer",
                    re.IGNORECASE)
SHORT_LINE_WORDS = 12
NAME = r"(?:[A-Z][\w'’.-]*|de|van|von|al|bin)(?:\s+(?:[A-Z][\w'’.-]*|de|van|von|al|bin))*"
TITLES = re.compile(r"^(Mr|Mrs|Ms|Miss|Dr|Prof|Professor|Councillor|Cllr|Col|Colonel|Sir|"
                    r"Dame|Lord|Lady|President|Defense Secretary|Secretary|Judge|Sgt|Captain|"
                    r"Chief|Rev)\.?\s+")
PRONOUNS = re.compile(r"^(he|she|they|it|we|i)$", re.IGNORECASE)
OFFICIAL = re.compile(r"council|ministry|department|government|minister|police|officer|"
                      r"official|spokes|army|coalition|pentagon|secretary|president|mayor|"
                      r"councillor|cllr|agency|authority|commission", re.IGNORECASE)
STUDY = re.compile(r"\b(survey|study|studies|journal)\b", re.IGNORECASE)
ORGANISATION = re.compile(r"\b(company|firm|charity|club|society|union|association|trust|"
                          r"foundation|campaign|group|ltd|inc|plc|buses)\b", re.IGNORECASE)
NEWS = re.compile(r"news|report|times|post|bbc|cbs|cnn|reuters|herald|gazette|survey|"
                  r"study|journal|magazine|investigation", re.IGNORECASE)


@dataclass(frozen=True)
class Rule:
    name: str
    label: str
    description: str


RULES = (
    Rule("headline", "meta", "the article's first line"),
    Rule("furniture", "meta", "a byline, caption, share bar, tag line, link or note on the "
         "article or its writer"),
    Rule("footer", "meta", "after a copyright line, 'About the author' or a disclaimer"),
    Rule("short line", "meta", "a paragraph of a few words with no full stop"),
    Rule("question", "commentary", "a question in the author's voice"),
    Rule("quotation", "sourced", "in quotation marks, or continuing a quotation"),
    Rule("according to", "sourced", "'according to' names where it comes from"),
    Rule("reporting verb", "sourced", "a reporting verb names who said or found it"),
    Rule("citation", "sourced", "a citation points back to a source"),
    Rule("block quote", "sourced", "a quotation set apart after a colon"),
    Rule("first person", "commentary", "the author speaks as I or we"),
    Rule("judging words", "commentary", "judging or guessing words of the author's"),
    Rule("plain statement", "claim", "a plain statement with no source named"),
)
RULE = {rule.name: rule for rule in RULES}


@dataclass(frozen=True)
class DraftRow:
    unit_id: str
    label: str
    source: str
    rationale: str
    rule: str


@dataclass
class DraftSource:
    source_id: str
    name: str
    kind: str
    first_unit: str


@dataclass
class Draft:
    rows: list[DraftRow]
    sources: list[DraftSource] = field(default_factory=list)

    def label_of(self) -> dict[str, str]:
        return {row.unit_id: row.label for row in self.rows}


def _outside_quotes(text: str) -> str:
    """The text with every quoted passage taken out (what the author says in their voice)."""
    return re.sub(r"[\"“][^\"“”]*[\"”]", " ", text)


def _clean_name(name: str) -> str:
    name = name.strip(" ,.;:'’\"“”()")
    name = re.sub(r"^(The|the|A|a|An|an)\s+", "", name)
    name = re.sub(r"['’]s$", "", name)
    return name


def source_id_for(name: str) -> str:
    """A source_id from a name: its surname for a person ("Sarah Quayle" -> quayle), else its
    words joined by hyphens, at most 40 characters."""
    plain = re.sub(r"['’]s\b", "", TITLES.sub("", name))
    words = re.findall(r"[a-z0-9]+", plain.lower())
    if not words:
        return "source"
    person = len(words) <= 3 and all(w[:1].isupper() for w in plain.split()) \
        and not OFFICIAL.search(plain) and not NEWS.search(plain)
    chosen = words[-1:] if person else words[:4]
    return "-".join(chosen)[:40].strip("-") or "source"


def _kind(name: str) -> str:
    """A guess at the source's kind (readkit.course.source_kinds), for the teacher to check."""
    if STUDY.search(name):
        return "study"
    if NEWS.search(name):
        return "news-report"
    if OFFICIAL.search(name):
        return "official"
    if ORGANISATION.search(name):
        return "organisation"
    return "person-quoted"


def _named(text: str) -> str:
    """The source a sourced sentence names: after "according to", or next to its reporting
    verb ("said Sarah Quayle", "Northline Buses, which runs the route, said", "The BBC
    says"). "" when none is found."""
    found = re.search(r"according to\s+(.+?)(?:[,;:.]|$)", text, re.IGNORECASE)
    if found:
        return _clean_name(" ".join(found.group(1).split()[:8]))
    after = re.search(rf"\b(?:{REPORTING})\s+(?:by\s+)?({NAME})", text)
    if after and after.group(1).split()[0].lower() not in ("the", "that", "a", "it"):
        return _clean_name(after.group(1))
    before = re.search(rf"({NAME}|\b(?:he|she|they|it|we|I)\b)(?:,[^,]{{0,90}},)?\s+(?:has |had |"
                       rf"have |also |now |later |then |previously )?(?:{REPORTING})\b", text)
    if before:
        return _clean_name(before.group(1))
    body = re.search(r"\bthe ((?:[a-z]+ ){0,3}(?:council|company|government|police|report|"
                     r"survey|study|ministry|court|school|hospital|university|committee))\b",
                     text)
    if body:
        return _clean_name(body.group(1))
    unnamed = re.search(r"\b(an? [a-z]+(?: [a-z]+){0,3} (?:officer|official|driver|source|"
                        r"resident|spokes\w+|member|worker))\b", text)
    return _clean_name(unnamed.group(1)) if unnamed else ""


class _Sources:
    """The sources a draft names, each once: a later "Ms Quayle" is the earlier "Sarah
    Quayle"; a pronoun is the last source named."""

    def __init__(self, known: Iterable[tuple[str, str]] = ()) -> None:
        self.found: list[DraftSource] = []
        self.ids = {source_id: name for source_id, name in known}
        self.last = ""

    def resolve(self, name: str, unit_id: str) -> str:
        if not name or PRONOUNS.match(name):
            return self.last
        source_id = source_id_for(name)
        for existing_id, existing in self.ids.items():
            if source_id in (existing_id, source_id_for(existing)) \
                    or existing_id.endswith(f"-{source_id}"):
                self.last = existing_id
                return existing_id
        self.ids[source_id] = name
        self.found.append(DraftSource(source_id, TITLES.sub("", name) if len(name) > 3 else name,
                                      _kind(name), unit_id))
        self.last = source_id
        return source_id


def draft_key(units: Sequence[tuple[str, int, str]],
              known_sources: Iterable[tuple[str, str]] = ()) -> Draft:
    """A draft row for every unit. units: (unit_id, paragraph, text) in reading order;
    known_sources: (source_id, name) of the article's sources.csv, reused when named again."""
    sources = _Sources(known_sources)
    rows: list[DraftRow] = []
    per_paragraph: dict[int, int] = {}
    for _, paragraph, _ in units:
        per_paragraph[paragraph] = per_paragraph.get(paragraph, 0) + 1
    in_footer = False
    open_quote = False  # a quotation still open at the end of the unit before
    block_after: int | None = None  # the paragraph a colon at a paragraph's end introduced
    quoted_block = False
    previous_paragraph = None
    for index, (unit_id, paragraph, text) in enumerate(units):
        new_paragraph = paragraph != previous_paragraph
        if new_paragraph and previous_paragraph is not None:
            quoted_block = block_after == paragraph
            block_after = None
        continues_quote = open_quote
        open_quote = quote_depth_after(text, open_quote)
        rule, detail = _match(text, index, paragraph, per_paragraph, in_footer,
                              continues_quote, quoted_block)
        if rule == "footer" or (rule == "furniture" and FOOTER.search(text)):
            in_footer = True
        if text.rstrip().endswith(":") and rule not in ("headline", "furniture", "footer"):
            block_after = paragraph + 1
        source = ""
        if RULE[rule].label == "sourced":
            named = _named(text)
            if not named and rule == "quotation":  # '"We know ...' said X, later on
                named = next((found for later, number, later_text in units[index + 1:]
                              if number == paragraph and (found := _named(later_text))), "")
            source = sources.resolve(named, unit_id)
        rows.append(DraftRow(unit_id, RULE[rule].label, source,
                             _rationale(rule, detail, source), rule))
        previous_paragraph = paragraph
    return Draft(rows, sources.found)


def _match(text: str, index: int, paragraph: int, per_paragraph: dict[int, int],
           in_footer: bool, continues_quote: bool, quoted_block: bool) -> tuple[str, str]:
    """(the first rule that matches, the words that made it match)."""
    stripped = text.strip()
    words = stripped.split()
    if index == 0:
        return "headline", ""
    if in_footer:
        return "footer", ""
    if BYLINE.match(stripped) and len(words) <= 14:
        return "furniture", words[0]
    found = FURNITURE.search(stripped) or FOOTER.search(stripped)
    if found:
        return "furniture", found.group(0)
    if (per_paragraph[paragraph] == 1 and len(words) <= SHORT_LINE_WORDS
            and not re.search(r"[.!?][\"”’')\]]*$", stripped)):
        return "short line", ""
    outside = _outside_quotes(stripped)
    starts_quoted = stripped[:1] in QUOTE_MARKS or stripped.startswith("'")
    if stripped.endswith("?") and not starts_quoted and not continues_quote:
        return "question", "?"
    if starts_quoted or continues_quote:
        return "quotation", "quotation marks"
    found = ACCORDING_TO.search(stripped)
    if found:
        return "according to", found.group(0)
    found = REPORTING_VERB.search(outside)
    if found:
        return "reporting verb", found.group(0)
    found = CITATION.search(stripped)
    if found:
        return "citation", found.group(0)
    if quoted_block:
        return "block quote", ""
    found = FIRST_PERSON.search(outside)
    if found:
        return "first person", found.group(0)
    found = JUDGING.search(outside) or WHAT_IF.search(outside)
    if found:
        return "judging words", found.group(0).split()[0] if found.re is WHAT_IF \
            else found.group(0)
    return "plain statement", ""


def _rationale(rule: str, detail: str, source: str) -> str:
    said = f'"{detail}"' if detail else ""
    return {
        "headline": "The headline: page furniture that announces the story.",
        "furniture": f"{said} marks publication furniture, not the article's text: meta.",
        "footer": "Part of the page's footer (after the copyright, author note or "
                  "disclaimer): furniture.",
        "short line": "A short line with no full stop: a heading, label or caption, so "
                      "furniture.",
        "question": "A question the author asks without answering it: a rhetorical question "
                    "makes a point, so commentary.",
        "quotation": "Quotation marks give these words to someone else"
                     + (f" ({source})" if source else "") + ": sourced.",
        "according to": f"{said} names where the information comes from"
                        + (f" ({source})" if source else "") + ": sourced.",
        "reporting verb": f"{said} gives the words or information to a source"
                          + (f" ({source})" if source else "") + ": sourced.",
        "citation": f"{said} points back to a source already named: sourced.",
        "block quote": "A quotation set apart after a colon: the source's words, sourced.",
        "first person": f"{said} is the author speaking for themselves: commentary.",
        "judging words": f"{said} is the author's judgement or guess, not a checkable fact: "
                         "commentary.",
        "plain statement": "A statement in the author's own voice with no source named and no "
                           "judging words: a claim that could be checked.",
    }[rule]


# -- agreement with a finished key (benchmarks/draft_key.py) ----------------------------------


def agreement(draft: dict[str, str], key: dict[str, tuple[str, ...]]) -> dict[str, float]:
    """How far a draft's labels agree with a finished key. key: unit -> (label, accepted
    alternatives...). `exact`: the draft's label is the key's; `accepted`: it earns credit
    (the key's label or an accepted alternative); `kappa`: Cohen's kappa of the draft's labels
    against the key's labels (agreement beyond what the two label mixes give by chance)."""
    units = [u for u in key if u in draft]
    if not units:
        return {"units": 0, "exact": 0.0, "accepted": 0.0, "kappa": 0.0}
    total = len(units)
    exact = sum(draft[u] == key[u][0] for u in units) / total
    accepted = sum(draft[u] in key[u] for u in units) / total
    labels = {draft[u] for u in units} | {key[u][0] for u in units}
    chance = sum((sum(draft[u] == label for u in units) / total)
                 * (sum(key[u][0] == label for u in units) / total) for label in labels)
    kappa = (exact - chance) / (1 - chance) if chance < 1 else 1.0
    return {"units": total, "exact": exact, "accepted": accepted, "kappa": kappa}
