"""Learner notebooks shown to the instructor as inert HTML: the formgrader's submission view and
the feedback files.

Both are nbconvert's HTMLExporter with nbgrader's templates (`formgrade`, `feedback`). Those
templates render markdown cells with `markdown2html` and nothing else, so raw HTML in a
learner's markdown (an `<img onerror=...>`, an `<svg onload=...>`) runs as it is, in the
instructor's page, and nbconvert's own `sanitize_html` (which cleans outputs) does not reach it.
`exporter_config()` is the configuration that closes this for every HTMLExporter that reads
it (nbgrader_config.py; the formgrader's, through readkit.nbgrader.formgrader):

- `markdown2html` is replaced by nbconvert's own markdown rendering followed by `clean`
  (markdown cells, markdown outputs, grader comments);
- `sanitize_html` on, with `clean_html` replaced by `clean`: HTML outputs cleaned, JavaScript
  and widget outputs not written at all;
- outputs reduced to the inert MIME types (`InertOutputs`): an output that also carries
  JavaScript or a widget is shown through its text, HTML or image form; HTML never in a frame
  of its own; SVG only as an image (`<img>` never runs script); the output's metadata (which
  the learner's code sets, and which nbconvert writes into `<img>` attributes, width and
  height unquoted) reduced to whole-pixel sizes and alt text.

`clean` is ammonia's sanitizer (the `nh3` package): an allowlist of tags and attributes, no
script, no event handlers, no `style`, no ids (which could shadow the page's own), links only to
http(s), mailto and relative URLs, `data:` only for images in `<img>`. The learner's text stays.
"""

from __future__ import annotations

import re
from html import escape

from jinja2 import pass_context
from nbconvert.preprocessors import Preprocessor

# What an HTML output or rendered markdown may hold: ammonia's default allowlist, plus `class`
# (code highlighting, tables, math) and `title`.
_DATA_IMAGE = re.compile(r"data:image/(png|jpeg|gif|webp|svg\+xml)[;,]", re.IGNORECASE)
SAFE_OUTPUT_TYPES = ["text/html", "text/markdown", "image/svg+xml", "text/latex", "image/png",
                     "image/jpeg", "text/plain"]
MAX_PIXELS = 10_000  # an image's width or height as an output may set it
MAX_ALT = 1_000  # characters of an image's alt text


def _attribute(tag: str, attribute: str, value: str) -> str | None:
    """data: URLs only as an image's source, and only for image types."""
    if value.lstrip().lower().startswith("data:"):
        keep = tag == "img" and attribute == "src" and _DATA_IMAGE.match(value.lstrip())
        return value if keep else None
    return value


def clean(html: object) -> str:
    """`html` (learner-controlled) with everything that could act removed."""
    import nh3

    return nh3.clean(
        str(html),
        attributes={**nh3.ALLOWED_ATTRIBUTES, "*": {"class", "title"}},
        url_schemes={"http", "https", "mailto", "data"},
        attribute_filter=_attribute,
    )


@pass_context
def markdown2html(context, source: str) -> str:
    """nbconvert's markdown rendering (math, code highlighting, cell attachments), cleaned.
    A jinja filter: registered as `markdown2html` by exporter_config()."""
    from nbconvert.filters.markdown_mistune import (
        InvalidNotebook,
        IPythonRenderer,
        MarkdownWithMath,
    )

    cell = context.get("cell") or {}
    renderer = IPythonRenderer(
        escape=False, attachments=cell.get("attachments") or {}, exclude_anchor_links=True,
        path=(context.get("resources") or {}).get("metadata", {}).get("path", ""))
    try:
        html = MarkdownWithMath(renderer=renderer).render(source)
    except InvalidNotebook:  # e.g. a link to a missing attachment: the text, not a failed page
        html = f"<pre>{escape(source)}</pre>"
    return clean(html)


def _pixels(value: object) -> int | None:
    """A width or height as a positive whole number of pixels (1 to MAX_PIXELS), else None:
    100, 100.0 and "100" are 100; "50%", "1 onload=...", True, -3, NaN are nothing."""
    if isinstance(value, str) and value.isascii() and value.isdigit():
        value = int(value)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool) and 0 < value <= MAX_PIXELS:
        return value
    return None


def safe_output_metadata(metadata: object, kinds) -> dict:
    """What nbconvert's templates may read of an output's metadata (the learner's code sets
    all of it: `display(..., metadata=...)`): for each MIME type in `kinds`, its `width` and
    `height` as whole pixels and its `alt` as text (written quoted and escaped). Everything
    else goes: the top-level keys the templates fall back to, `filenames` (an image's src, any
    URL), `isolated` (a frame of its own), `unconfined`, `needs_background`. nbconvert writes
    width and height unquoted (`width={{ width | escape_html }}`): a string there is a new
    attribute, e.g. an event handler."""
    settings = metadata if isinstance(metadata, dict) else {}
    kept = {}
    for kind in kinds:
        own = settings.get(kind)
        if not isinstance(own, dict):
            continue
        safe = {key: size for key in ("width", "height")
                if (size := _pixels(own.get(key))) is not None}
        if isinstance(own.get("alt"), str):
            safe["alt"] = own["alt"][:MAX_ALT]
        if safe:
            kept[kind] = safe
    return kept


class InertOutputs(Preprocessor):
    """Each output reduced to the MIME types shown inert (JavaScript and widget views dropped:
    the output shows through its text form), HTML shown in place and cleaned, never in an
    "isolated" frame of its own (which the formgrader's policy would not even show), and its
    metadata to the sizes and alt text of those types (safe_output_metadata). The notebook's
    saved widget state goes too: no widget view is shown, and a learner's malformed state
    stopped nbconvert's widget filter, so the whole page (and generate_feedback's run)."""

    def preprocess(self, nb, resources):
        nb.metadata.pop("widgets", None)
        return super().preprocess(nb, resources)

    def preprocess_cell(self, cell, resources, index):
        for output in cell.get("outputs", []):
            shown = getattr(output, "data", None)  # (nbformat nodes: display data, results)
            if shown is not None:
                output.data = {kind: value for kind, value in shown.items()
                               if kind in SAFE_OUTPUT_TYPES}
            if "metadata" in output:
                output.metadata = safe_output_metadata(output.metadata, output.get("data", {}))
        return cell, resources


def exporter_config():
    """The HTMLExporter configuration that makes learner content inert; merge it over a
    course's config."""
    from traitlets.config import Config

    return Config({"HTMLExporter": {
        "sanitize_html": True,
        "skip_svg_encoding": False,
        "preprocessors": [f"{__name__}.InertOutputs"],
        "filters": {"markdown2html": f"{__name__}.markdown2html",
                    "clean_html": f"{__name__}.clean"},
    }})
