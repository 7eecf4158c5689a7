"""The kinds of source a row of sources.csv may have: one list, for `readkit validate`, the author
mode's choice of kind and readkit's draft key. docs/codebook.md ("The kinds of source") describes
them in the same words; a test keeps the two in step.

The first kind in this order that fits is the one: a survey a council carried out is a `study`,
its spokesperson's statement `official`.
"""

SOURCE_KINDS = {
    "news-report": "a news outlet's report: a newspaper, a broadcaster, a news site or agency",
    "magazine-article": "a magazine piece, an essay or a book by a named writer",
    "study": "research and its findings: a study, a survey, a scientific paper, whoever did it",
    "official": "a government, a council, an army or another public body, someone speaking for "
                "one (named or not), or its statements, records and reports",
    "organisation": "a company, a charity, a club, a union or a campaign group, or someone "
                    "speaking for one",
    "person-quoted": "anyone else who is quoted: a witness, a resident, an expert speaking for "
                     "themselves",
}


def kind_problem(kind: str) -> str | None:
    """What is wrong with `kind` as a source's kind (None: nothing)."""
    if kind in SOURCE_KINDS:
        return None
    shown = repr(kind) if kind else "empty"
    return (f"kind {shown} is not one of the codebook's kinds ({', '.join(SOURCE_KINDS)}); "
            "use the first that fits (docs/codebook.md, \"The kinds of source\")")
