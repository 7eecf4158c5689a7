"""A saved web page or a plain-text file -> the article's blocks (paragraphs), in reading order.

HTML: trafilatura finds the article's body (it drops navigation, comments, sidebars and the
page's furniture). The furniture a reader must learn to label as `meta` is then put back, each
piece a block of its own, **where it stands in the page**: every block is placed by where its
text starts in the page's own document order, so a caption under a photo in the middle of the
article stays in the middle. Furniture is found with lxml:

- the headline (<h1>, else trafilatura's title, first), the byline (an element whose class,
  rel or itemprop says byline/author, else trafilatura's author) and the dateline (an element
  of class dateline, else the first <time>);
- captions: each <figcaption> and each element whose class says caption;
- the pieces around the text (`AROUND_MARKS`: share bars, related links, "Read more", tags,
  the author's bio, disclaimers, copyright lines, and the text of every <footer>), each one
  block of its text. Menus are not furniture of the article: nothing inside <nav> or the
  comments, no list of links in a footer (About us, Contact, Privacy...), and nothing before
  the headline.

trafilatura may also drop a paragraph of the body itself (text that follows a figure's <div> in
a body written with <br><br>): a line of the page between the body's first and last paragraphs
that reads as a sentence (MIN_LOST_WORDS words or more, a full stop) and is in no block is put
back where it stands.

Whitespace inside a block is collapsed to single spaces (HTML does not keep it), and the texts
of block elements inside a piece (a share bar's buttons) are joined by a space; nothing else in
the text is changed.

Plain text is kept as given (line endings made \\n, a final newline added): each non-blank
line is a block, as in the Raqqa article.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

HTML_SNIFF = re.compile(r"<\s*(!doctype\s+html|html|body|article|p|div|h1)\b", re.IGNORECASE)
BYLINE = re.compile(r"\b(byline|author)\b", re.IGNORECASE)
BIO = re.compile(r"\bbio|about-(the-)?author", re.IGNORECASE)
DATELINE = re.compile(r"\bdateline\b", re.IGNORECASE)
CAPTION = re.compile(r"caption", re.IGNORECASE)
IMAGE_LINE = re.compile(r"^!\[.*\]\(.*\)$")
# class/id/aria-label words of the furniture around an article's text
AROUND_MARKS = re.compile(
    r"share|sharing|social|related|read-?more|tags|tag-links|copyright|site-info|"
    r"\bbio\b|author-bio|about-(the-)?author|disclaimer|correction", re.IGNORECASE)
# ... and the words such a piece starts with, when its markup says nothing
AROUND_TEXT = re.compile(r"^(©|\(c\)\s|copyright\b|read more\b|share (this|on)\b|related\b)",
                         re.IGNORECASE)
# what each piece around the text is, by its markup or its first words (for the draft key)
AROUND_KINDS = (
    (re.compile(r"©|copyright|site-info|^\(c\)\s", re.IGNORECASE), "a copyright line"),
    (re.compile(r"share|sharing|social", re.IGNORECASE), "a share bar"),
    (re.compile(r"related|read-?more|read more", re.IGNORECASE), "related links"),
    (re.compile(r"tags|tag-links", re.IGNORECASE), "tags"),
    (re.compile(r"bio|about-(the-)?author", re.IGNORECASE), "the author's bio"),
    (re.compile(r"disclaimer|correction", re.IGNORECASE), "a disclaimer"),
)
COMMENTS = re.compile(r"comment", re.IGNORECASE)
NOT_TEXT = ("script", "style", "noscript", "template", "svg", "form", "select")
BLOCK_TAGS = frozenset({
    "address", "article", "aside", "blockquote", "dd", "div", "dl", "dt", "figcaption",
    "figure", "footer", "h1", "h2", "h3", "h4", "h5", "h6", "header", "li", "main", "ol", "p",
    "pre", "section", "table", "td", "th", "tr", "ul", "br"})
MAX_AROUND_CHARS = 600  # a piece of furniture is short; a longer one is a section of the page
# a line of the body's stretch that trafilatura dropped is put back when it reads as a sentence
MIN_LOST_WORDS = 6
SENTENCE_END = re.compile(r"[.!?…][\"”’')\]]*$")


class ExtractError(ValueError):
    """The input has no article text to work with."""


@dataclass(frozen=True)
class Extracted:
    text: str  # what article.txt holds
    kind: str  # "html" or "text"
    furniture: dict[str, str]  # headline/byline/dateline found in the HTML (for the summary)
    # block text -> what the page's markup says it is ("a caption", "a share bar", ...): the
    # blocks put back as furniture, so that a draft key can label them meta
    furniture_blocks: dict[str, str] = field(default_factory=dict)


def looks_like_html(raw: str) -> bool:
    return bool(HTML_SNIFF.search(raw[:5000]))


def _clean(text: str | None) -> str:
    return " ".join((text or "").split())


def from_text(raw: str) -> Extracted:
    text = raw.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise ExtractError("the file has no text (it is empty or only blank lines)")
    if not text.endswith("\n"):
        text += "\n"
    return Extracted(text, "text", {})


# -- the page as one text, in document order ----------------------------------------------------


def _tag(element) -> str:
    return element.tag if isinstance(element.tag, str) else ""


class PageText:
    """The page's visible text in document order, and where each element's text starts in it:
    the one measure of "where it stands" for every block."""

    def __init__(self, root) -> None:
        self.parts: list[str] = []
        self.starts: dict = {}  # element -> offset of its text
        self.length = 0
        self._walk(root)
        self.text = "".join(self.parts)

    def _add(self, text: str | None) -> None:
        if text:
            self.parts.append(text)
            self.length += len(text)

    def _walk(self, element) -> None:
        tag = _tag(element)
        if tag in NOT_TEXT or not tag:
            self._add(" ")
            return
        block = tag in BLOCK_TAGS  # a line break before and after (<br> too)
        if block:
            self._add("\n")
        self.starts[element] = self.length
        self._add(element.text)
        for child in element:
            self._walk(child)
            self._add(child.tail)
        if block:
            self._add("\n")

    def text_of(self, element) -> str:
        """The element's text, block children joined by a space, whitespace collapsed."""
        return _clean(PageText(element).text)

    def find(self, line: str, start: int) -> tuple[int, int] | None:
        """Where `line` (whitespace collapsed) is in the page at or after `start` (start and
        end); markup may have split it anywhere between its words."""
        words = line.split()
        if not words:
            return None
        found = re.compile(r"\s*".join(re.escape(word) for word in words)).search(self.text,
                                                                                     start)
        return found.span() if found else None

    def lines(self, start: int, end: int) -> list[tuple[int, str]]:
        """(where, text) of each line of the page between two offsets: the text between two
        block elements or line breaks."""
        found, at = [], start
        for line in self.text[start:end].split("\n"):
            if line.strip():
                found.append((at + len(line) - len(line.lstrip()), _clean(line)))
            at += len(line) + 1
        return found


def _visible(element) -> bool:
    """Not inside a menu or the comments."""
    for ancestor in element.iterancestors():
        if _tag(ancestor) == "nav":
            return False
        marks = " ".join(ancestor.get(name, "") for name in ("class", "id"))
        if COMMENTS.search(marks):
            return False
    return _tag(element) != "nav"


def _marks(element) -> str:
    return " ".join(element.get(name, "") for name in ("class", "id", "rel", "itemprop",
                                                      "aria-label", "role"))


# -- the pieces of furniture --------------------------------------------------------------------


def _headline(page: PageText, tree, metadata) -> tuple[int, str] | None:
    for element in tree.iter("h1"):
        text = page.text_of(element)
        if text and _visible(element):
            return page.starts.get(element, -1), text
    title = _clean(getattr(metadata, "title", ""))
    return (-1, title) if title else None


def _byline(page: PageText, tree, metadata) -> tuple[int, str] | None:
    def says_byline(element) -> bool:  # (an author's bio says "author" too)
        marks = " ".join(element.get(name, "") for name in ("class", "rel", "itemprop"))
        return bool(BYLINE.search(marks)) and not BIO.search(marks)

    marked = [element for element in tree.iter()
              if _tag(element) and says_byline(element) and _visible(element)]
    # a block element (<p class="byline">) before an inline one (<a rel="author">)
    marked.sort(key=lambda element: element.tag in ("a", "span"))
    for element in marked:
        if text := page.text_of(element):
            return page.starts.get(element, -1), text
    author = _clean(getattr(metadata, "author", ""))
    return (-1, author) if author else None


def _dateline(page: PageText, tree) -> tuple[int, str] | None:
    elements = [e for e in tree.iter() if _tag(e) and DATELINE.search(e.get("class", ""))]
    elements += [e for e in tree.iter("time")]
    for element in elements:
        if _visible(element) and (text := page.text_of(element)):
            return page.starts.get(element, -1), text
    return None


def _outermost(elements) -> list:
    """The elements that are inside none of the others."""
    chosen = set(elements)
    return [e for e in elements if not any(a in chosen for a in e.iterancestors())]


def _captions(page: PageText, tree) -> list[tuple[int, str, str]]:
    """(where, text, "a caption") of each <figcaption> and element of class caption."""
    found = [e for e in tree.iter() if _tag(e) and _visible(e)
             and (_tag(e) == "figcaption" or CAPTION.search(e.get("class", "")))]
    return [(page.starts[e], text, "a caption") for e in _outermost(found)
            if e in page.starts and (text := page.text_of(e))]


def _links_only(element) -> bool:
    """A list of links and nothing else (a footer's menu)."""
    if _tag(element) not in ("ul", "ol"):
        return False
    words = _clean(element.text_content())
    links = _clean(" ".join(a.text_content() for a in element.iter("a")))
    return bool(words) and len(links) >= len(words) - 2 * len(element.findall(".//li"))


def _around(page: PageText, tree, after: int) -> list[tuple[int, str, str]]:
    """(where, text, kind) of the share bars, related links, "Read more", tags, bios,
    disclaimers, copyright lines and footers that start after `after` (the headline). A marked
    element too long to be a piece of furniture (a container whose class says "related-...")
    is not one: the pieces inside it may be."""
    texts = {}
    for element in tree.iter():
        tag = _tag(element)
        if not tag or tag in NOT_TEXT or page.starts.get(element, -1) < after:
            continue
        if not _visible(element) or tag in ("body", "html", "nav"):
            continue
        if COMMENTS.search(" ".join(element.get(n, "") for n in ("class", "id"))):
            continue
        own = tag == "footer" or AROUND_MARKS.search(_marks(element))
        if not own and tag not in BLOCK_TAGS:
            continue
        text = _without_menus(element) if tag == "footer" else page.text_of(element)
        if text and len(text) <= MAX_AROUND_CHARS and (own or AROUND_TEXT.match(text)):
            texts[element] = text
    pieces = []
    for element in _outermost(list(texts)):
        text = texts[element]
        kind = next((name for pattern, name in AROUND_KINDS
                     if pattern.search(_marks(element)) or pattern.match(text)),
                    "a footer" if _tag(element) == "footer" else "furniture")
        pieces.append((page.starts[element], text, kind))
    return pieces


def _without_menus(footer) -> str:
    """A footer's text without its menus (<nav>, lists of links)."""
    parts = [footer.text or ""]
    for child in footer:
        if _tag(child) and _tag(child) != "nav" and not _links_only(child):
            parts.append(PageText(child).text)
        parts.append(child.tail or "")
    return _clean(" ".join(parts))


def _body_by_walk(tree) -> list[str]:
    """The fallback when trafilatura finds no body: paragraphs, headings, list items and quotes
    of the page in document order (not inside nav, header, footer, aside or figure)."""
    blocks = []
    for element in tree.xpath("//body//*[self::p or self::h2 or self::h3 or self::li or "
                              "self::blockquote]"):
        if element.xpath("ancestor::nav or ancestor::footer or ancestor::aside or "
                         "ancestor::figure or ancestor::header"):
            continue
        text = _clean(element.text_content())
        if text:
            blocks.append(text)
    return blocks


def _body(raw: str, tree) -> list[str]:
    import trafilatura

    body_text = trafilatura.extract(raw, include_comments=False, include_tables=True,
                                    include_images=False, deduplicate=False, favor_recall=True)
    body = [_clean(line) for line in (body_text or "").splitlines()]
    body = [line for line in body if line and not IMAGE_LINE.match(line)]
    # on a short page trafilatura may fall back to the whole page: drop what only the
    # navigation, header, footer or asides hold (the furniture among it comes back as such)
    chrome = {_clean(element.text_content()) for element in tree.xpath(
        "//nav | //nav//* | //footer | //footer//* | //aside | //aside//*")}
    body = [line for line in body if line not in chrome]
    return body or _body_by_walk(tree)


def _sentence_like(text: str) -> bool:
    return len(text.split()) >= MIN_LOST_WORDS and bool(SENTENCE_END.search(text))


def from_html(raw: str) -> Extracted:
    import lxml.html
    import trafilatura

    try:
        tree = lxml.html.fromstring(raw)
    except (ValueError, lxml.etree.ParserError) as error:
        raise ExtractError(f"the HTML could not be read ({error})") from None
    body_element = tree.find("body") if tree.tag != "body" else tree
    tree = body_element if body_element is not None else tree
    page = PageText(tree)
    metadata = trafilatura.extract_metadata(raw)

    head = {"headline": _headline(page, tree, metadata), "byline": _byline(page, tree, metadata),
            "dateline": _dateline(page, tree)}
    # (where it starts in the page, order found, text, what furniture it is or ""); furniture
    # that is not on the page (trafilatura's title or author) goes first
    placed: list[tuple[int, int, str, str]] = [
        (found[0], order, found[1], f"the {name}") for order, (name, found) in enumerate(
            (name, found) for name, found in head.items() if found is not None)]

    def place(where: int, text: str, kind: str = "") -> None:
        # a piece the blocks hold already (the body repeats the headline, trafilatura kept a
        # caption where it stands) is kept once, as furniture when it is
        for index, (at, order, kept, was) in enumerate(placed):
            if text == kept or (len(text) >= 20 and text in kept):
                if kind and not was and text == kept:
                    placed[index] = (at, order, kept, kind)
                return
        placed.append((where, len(placed), text, kind))

    cursor, where, first, last = 0, 0, None, None
    for line in _body(raw, tree):
        found = page.find(line, cursor)
        if found is not None:
            (where, cursor), first = found, first if first is not None else found[0]
            last = cursor
        place(where, line)
    if first is not None:  # paragraphs of the body's stretch that trafilatura lost
        for where, text in page.lines(first, last):
            if _sentence_like(text):
                place(where, text)
    start = max(0, head["headline"][0]) if head["headline"] else 0
    for where, text, kind in _captions(page, tree) + _around(page, tree, start):
        place(where, text, kind)
    if not placed:
        raise ExtractError("no article text was found in the HTML page")
    placed.sort()
    furniture = {name: found[1] if found else "" for name, found in head.items()}
    return Extracted("\n\n".join(text for _, _, text, _ in placed) + "\n", "html", furniture,
                     {text: kind for _, _, text, kind in placed if kind})


def extract(raw: str, kind: str = "auto") -> Extracted:
    """kind: "html", "text" or "auto" (HTML when the start of the input has HTML tags)."""
    if kind == "auto":
        kind = "html" if looks_like_html(raw) else "text"
    return from_html(raw) if kind == "html" else from_text(raw)
