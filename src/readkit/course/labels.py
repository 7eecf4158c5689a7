"""The four labels a learner gives each unit of the article, in the order the widget shows them."""

LABELS = ("sourced", "claim", "commentary", "meta")

DESCRIPTIONS = {
    "sourced": "reported or quoted from a source the text names",
    "claim": "a factual assertion in the author's own voice, no source given",
    "commentary": "opinion, interpretation, speculation, loaded wording, rhetorical questions",
    "meta": "publication furniture: headline, byline, tags, captions, share bars, bio, disclaimers",
}
