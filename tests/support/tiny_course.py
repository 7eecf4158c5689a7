"""A tiny course for the unit tests of the grading code (test_cells.py, test_trusted.py):
five units, two sections, a key with an accepted alternative, and claims for the number tasks.
"""

import csv
from pathlib import Path

ASSIGNMENT = "01-sort-the-sources"
UNITS = [  # unit_id, paragraph, label, accept, split
    ("p01s1", 1, "meta", "", "practice"),
    ("p02s1", 2, "sourced", "", "assessment"),
    ("p02s2", 2, "commentary", "claim", "assessment"),
    ("p03s1", 3, "claim", "", "assessment"),
    ("p04s1", 4, "meta", "", "assessment"),
]
RATIONALE = "Rationale for {} that only graders see."
SECTIONS = f"""assignment,section,title,first_paragraph,last_paragraph,points
{ASSIGNMENT},part-1,First part,2,3,6
{ASSIGNMENT},part-2,Second part,4,4,2
"""
CLAIMS = """claim_id,unit_id,value,unit,counts_what,event,reported_by
c01,p02s1,250,fighters,fighters permitted to leave,raqqa-2017,bbc via cbs
c02,p02s1,3500,family members,family members,raqqa-2017,bbc via cbs
c03,p02s2,4,months,months of fighting,raqqa-2017,bbc
c04,p03s1,8000,men,men trapped in Kunduz,kunduz-2001,hersh
c05,p03s1,8000,men,"men in Kunduz (""some 8000"")",kunduz-2001,hersh
c06,p03s1,3300,men,men who surrendered,kunduz-2001,hersh
c07,p03s1,4000,men,men unaccounted for (low end),kunduz-2001,hersh
c08,p03s1,5000,men,men unaccounted for (high end),kunduz-2001,hersh
c09,p03s1,4000,men,men evacuated,kunduz-2001,hersh
c10,p03s1,2,groups,groups,kunduz-2001,author
c11,p04s1,13,books,books,publication,author
"""


def write_csv(path: Path, header, rows):
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)


SLUG = "raqqa-2021"  # the number tasks of 02 are on this article's claims


def make_tiny_course(root: Path) -> Path:
    """The instructor's tiny course: one article, key with labels and rationales."""
    (root / "data").mkdir(parents=True)
    (root / "data" / "articles.csv").write_text(f"slug,title\n{SLUG},A tiny article\n")
    data = root / "data" / "articles" / SLUG
    data.mkdir(parents=True)
    (root / "nbgrader_config.py").write_text("")
    write_csv(data / "units.csv", ["unit_id", "paragraph", "text"],
              [(u, p, f"Text of {u}.") for u, p, *_ in UNITS])
    write_csv(data / "key.csv", ["unit_id", "label", "accept", "source", "split", "rationale"],
              [(u, label, accept, "", split, RATIONALE.format(u))
               for u, _, label, accept, split in UNITS])
    (data / "sections.csv").write_text(SECTIONS)
    (data / "claims.csv").write_text(CLAIMS)
    return root


# Two parallel forms and the tests taken on them (data/forms.csv, data/tests.csv): eight units
# each, the same labels in the same slots, two parts.
PRE, POST = "00-pre", "03-post"
FORM_UNITS = [  # unit_id, paragraph, label, accept
    ("p01s1", 1, "meta", ""),
    ("p02s1", 2, "sourced", ""),
    ("p02s2", 2, "claim", ""),
    ("p03s1", 3, "commentary", "claim"),
    ("p03s2", 3, "sourced", ""),
    ("p04s1", 4, "claim", ""),
    ("p04s2", 4, "commentary", ""),
    ("p05s1", 5, "meta", ""),
]
FORM_SLUGS = {"a": "tiny-form-a", "b": "tiny-form-b"}


def add_forms(root: Path) -> Path:
    """Forms A and B (articles tiny-form-a, tiny-form-b) and the tests PRE and POST on them."""
    data = root / "data"
    with (data / "articles.csv").open("a", encoding="utf-8") as handle:
        for form, slug in FORM_SLUGS.items():
            handle.write(f"{slug},Form {form.upper()} headline\n")
    for form, slug in FORM_SLUGS.items():
        folder = data / "articles" / slug
        folder.mkdir(parents=True)
        write_csv(folder / "units.csv", ["unit_id", "paragraph", "text"],
                  [(u, p, f"Form {form} text of {u}.") for u, p, *_ in FORM_UNITS])
        write_csv(folder / "key.csv",
                  ["unit_id", "label", "accept", "source", "split", "rationale"],
                  [(u, label, accept, "", "assessment", RATIONALE.format(u))
                   for u, _, label, accept in FORM_UNITS])
        (folder / "sections.csv").write_text(
            "assignment,section,title,first_paragraph,last_paragraph,points\n"
            f"form-{form},part-1,Form {form} first half,1,3,4\n"
            f"form-{form},part-2,Form {form} second half,4,5,4\n")
        (folder / "claims.csv").write_text(CLAIMS.splitlines()[0] + "\n")
    write_csv(data / "forms.csv", ["form", "slug", "parts"],
              [(form, slug, f"form-{form}") for form, slug in FORM_SLUGS.items()])
    write_csv(data / "tests.csv", ["assignment", "occasion"], [(PRE, "pre"), (POST, "post")])
    return root
