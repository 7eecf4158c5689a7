"""A saved web page or a plain-text file -> the article's blocks (paragraphs), in reading order.

HTML: trafilatura finds the article's body (it drops navigation, related links, footers and the
like); the page furniture a reader must learn to label as `meta` is then put back as blocks of
its own, found with lxml: the headline (<h1>, else trafilatura's title), the byline (an element
whose class, rel or itemprop says byline/author, else trafilatura's author), the dateline (an
element of class dateline, else the first <time>) and each <figcaption>, placed after the body
paragraph that comes before its figure. Whitespace inside a block is collapsed to single spaces
(HTML does not keep it); nothing else in the text is changed.

Plain text is kept as given (line endings made \\n, a final newline added): each non-blank
line is a block, as in the Raqqa article.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

HTML_SNIFF = re.compile(r"<\s*(!doctype\s+html|html|body|article|p|div|h1)\b", re.IGNORECASE)
BYLINE = re.compile(r"\b(byline|author)\b", re.IGNORECASE)
DATELINE = re.compile(r"\bdateline\b", re.IGNORECASE)
IMAGE_LINE = re.compile(r"^!\[.*\]\(.*\)$")


class ExtractError(ValueError):
    """The input has no article text to work with."""


@dataclass(frozen=True)
class Extracted:
    text: str  # what article.txt holds
    kind: str  # "html" or "text"
    furniture: dict[str, str]  # headline/byline/dateline found in the HTML (for the summary)


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


def _first(tree, xpath: str) -> str:
    for element in tree.xpath(xpath):
        text = _clean(element.text_content())
        if text:
            return text
    return ""


def _furniture(tree, metadata) -> dict[str, str]:
    headline = _first(tree, "//h1") or _clean(getattr(metadata, "title", ""))
    marked = [element for element in tree.xpath("//body//*[@class or @rel or @itemprop]")
              if BYLINE.search(" ".join(element.get(name, "")
                                        for name in ("class", "rel", "itemprop")))]
    # a block element (<p class="byline">) before an inline one (<a rel="author">)
    marked.sort(key=lambda element: element.tag in ("a", "span"))
    byline = next((text for element in marked if (text := _clean(element.text_content()))), "")
    byline = byline or _clean(getattr(metadata, "author", ""))
    dateline = ""
    for element in tree.xpath("//body//*[@class]"):
        if DATELINE.search(element.get("class", "")):
            dateline = _clean(element.text_content())
            break
    dateline = dateline or _first(tree, "//body//time")
    return {"headline": headline, "byline": byline, "dateline": dateline}


def _captions(tree) -> list[tuple[str, str]]:
    """(caption, text of the paragraph before its figure) for every <figcaption>."""
    found = []
    for caption in tree.xpath("//figcaption"):
        text = _clean(caption.text_content())
        if not text:
            continue
        before = caption.xpath("preceding::p[1]")
        found.append((text, _clean(before[0].text_content()) if before else ""))
    return found


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


def from_html(raw: str) -> Extracted:
    import lxml.html
    import trafilatura

    try:
        tree = lxml.html.fromstring(raw)
    except (ValueError, lxml.etree.ParserError) as error:
        raise ExtractError(f"the HTML could not be read ({error})") from None
    metadata = trafilatura.extract_metadata(raw)
    body_text = trafilatura.extract(raw, include_comments=False, include_tables=True,
                                    include_images=False, deduplicate=False, favor_recall=True)
    body = [_clean(line) for line in (body_text or "").splitlines()]
    body = [line for line in body if line and not IMAGE_LINE.match(line)]
    # on a short page trafilatura may fall back to the whole page: drop what only the
    # navigation, header, footer or asides hold
    chrome = {_clean(element.text_content()) for element in tree.xpath(
        "//nav | //nav//* | //footer | //footer//* | //aside | //aside//*")}
    body = [line for line in body if line not in chrome]
    if not body:
        body = _body_by_walk(tree)
    furniture = _furniture(tree, metadata)
    head = [furniture[name] for name in ("headline", "byline", "dateline") if furniture[name]]
    # the body may repeat a piece of furniture (trafilatura keeps the <h1>, some pages put the
    # byline in a <p>): keep it once, as furniture
    body = [block for block in body if block not in head]
    blocks = head + body
    for caption, before in _captions(tree):
        if caption in blocks:
            continue
        at = next((i for i, block in enumerate(blocks) if before and block == before), None)
        if at is None:
            blocks.append(caption)
        else:
            blocks.insert(at + 1, caption)
    if not blocks:
        raise ExtractError("no article text was found in the HTML page")
    return Extracted("\n\n".join(blocks) + "\n", "html", furniture)


def extract(raw: str, kind: str = "auto") -> Extracted:
    """kind: "html", "text" or "auto" (HTML when the start of the input has HTML tags)."""
    if kind == "auto":
        kind = "html" if looks_like_html(raw) else "text"
    return from_html(raw) if kind == "html" else from_text(raw)
