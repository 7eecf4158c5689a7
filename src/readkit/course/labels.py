"""The four labels a learner gives each unit of the article, in the order the widget shows them."""

LABELS = ("sourced", "claim", "commentary", "meta")

DESCRIPTIONS = {
    "sourced": "reported or quoted from a source the text names or describes",
    "claim": "a factual assertion in the author's own voice, no source given",
    "commentary": "opinion, interpretation, speculation, loaded wording, rhetorical questions",
    "meta": "publication furniture: headline, byline, tags, captions, share bars, bio, disclaimers",
}

# Keys the widgets keep for themselves: undo (u, Ctrl+Z). Digits choose by position.
RESERVED_KEYS = frozenset("uz")


def key_letters(labels=LABELS) -> dict[str, str]:
    """One letter per label, shown on its choice: the first letter of its name that no earlier
    label took and that is not reserved (sourced s, claim c, commentary o, meta m)."""
    taken: dict[str, str] = {}
    for label in labels:
        letter = next((c for c in label.lower() if c.isalpha() and c not in RESERVED_KEYS
                       and c not in taken.values()), None)
        if letter is None:
            raise ValueError(f"No free letter for the label {label!r}.")
        taken[label] = letter
    return taken
