"""HTML import (`readkit new-article` on a saved page, authoring/extract.py) on saved pages of
common layouts, written for these tests (tests/fixtures/articles/, invented, British English):

- wordpress-news.html: a WordPress theme (entry-header, entry-content with a wp-block-image
  figure, a "Read more" paragraph, the entry footer's tags, Jetpack's share bar and related
  posts, comments, the site footer's copyright line);
- local-paper.html: a local paper's CMS (a body of text and <br><br>, a figure with its caption
  in a div between two paragraphs, a share bar, a most-read sidebar, a footer with a menu and a
  copyright line);
- opinion-column.html: an opinion column (the columnist's name as a link, a dateline, a caption
  by class, the author's bio, a disclaimer, comments, a copyright footer).

Each page's units are listed whole: captions stay where they stand, the furniture after the
article (share bar, related links, "Read more", tags, bio, disclaimer, copyright) ends it as
units of their own, and menus, comments, sidebars and the cookie banner are not in it. The draft
key labels every piece the markup marks as furniture meta.
"""

from pathlib import Path

import pytest

from readkit.authoring.extract import extract
from readkit.authoring.new_article import write_article
from readkit.authoring.segment import segment
from readkit.course.tables import read_table

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "articles"

WORDPRESS = [
    ("p01s1", "Brackenford Lido to reopen after £1.2m refit"),
    ("p02s1", "12 May 2026"),
    ("p03s1", "by Priya Lamb"),
    ("p04s1", "Brackenford Lido will reopen on Saturday 6 June after an eighteen-month refit, the town council has confirmed."),
    ("p05s1", "The open-air pool, which dates from 1936, closed in November 2024 when engineers found cracks in its main tank."),
    ("p05s2", "The repairs cost £1.2 million, most of it from a government levelling-up grant."),
    ("p06s1", "The refilled pool during a test run last week."),
    ("p06s2", "Photo: Brackenford Town Council"),
    ("p07s1", "“We have kept the 1930s tiles and the diving board that everyone remembers,” said Councillor Hugh Ellery, who chairs the leisure committee."),
    ("p08s1", "Adult tickets will rise from £4.50 to £6."),
    ("p08s2", "That is a steep jump for a public pool."),
    ("p09s1", "Read more: Why so many of the county’s pools are closing"),
    ("p10s1", "Posted in News Tagged leisure, lido"),
    ("p11s1", "Share this: Facebook X Email"),
    ("p12s1", "Related Leisure centre gym to open at 6am Why so many of the county’s pools are closing"),
    ("p13s1", "© 2026 The Brackenford Bugle | Proudly powered by WordPress"),
]
LOCAL_PAPER = [
    ("p01s1", "Allotment waiting list passes 300 as council weighs new site"),
    ("p02s1", "By Gareth Noakes"),
    ("p03s1", "Tuesday 21 April 2026"),
    ("p04s1", "More than 300 people are now on the waiting list for an allotment in Ashcombe, according to figures released by the town council."),
    ("p05s1", "The council has 142 plots on two sites, at Mill Lane and Fenwick Road."),
    ("p05s2", "Some residents have waited more than six years for one."),
    ("p06s1", '"The list has doubled since 2020, and it is still growing," said Councillor Ruth Danvers, who is responsible for parks and open spaces.'),
    ("p06s2", '"We cannot keep telling people to wait."'),
    ("p07s1", "The council is considering a third site on a field behind Hollins Primary School."),
    ("p07s2", "It would hold about 40 plots."),
    ("p08s1", "Plots at the Mill Lane allotments, where some tenants have gardened for 30 years."),
    ("p08s2", "Photo: Gareth Noakes"),
    # trafilatura drops this paragraph (the text after the photo's div): put back in its place
    ("p09s1", "Forty plots would barely dent a list of 300."),
    ("p09s2", "The plan looks more like a gesture than a solution."),
    ("p10s1", "Neighbours of the field have raised concerns about parking."),
    ("p10s2", '"There is nowhere to put thirty extra cars," said Denise Carr, who lives on School Lane.'),
    ("p11s1", "Tom Whitlock, who chairs the Ashcombe Allotment Society, said half-plots would suit many new gardeners better."),
    ("p11s2", "It is a sensible idea, and a cheap one."),
    ("p12s1", "Several councils in the county already offer half-plots."),
    ("p12s2", "Ashcombe's reluctance is hard to understand."),
    ("p13s1", "A council spokesperson said the plan for the school field would go to the environment committee on 9 June."),
    ("p13s2", '"No option is off the table," she said.'),
    ("p14s1", "No option, perhaps, except the obvious one."),
    ("p14s2", "The families who have waited six years deserve a quicker answer."),
    ("p15s1", "Share this story Facebook Twitter WhatsApp Email"),
    ("p16s1", "© 2026 Ashcombe Gazette Ltd, all rights reserved"),
]
OPINION = [
    ("p01s1", "Our high street needs more than hanging baskets"),
    ("p02s1", "Margaret Hollis"),
    ("p03s1", "Friday 8 May 2026"),
    ("p04s1", "Walk down Thornbury's Market Street on a Tuesday afternoon and count the empty shops."),
    ("p04s2", "I counted eleven last week."),
    ("p05s1", 'The town council\'s answer is a £30,000 "revival plan" of hanging baskets, bunting and a summer festival.'),
    ("p05s2", "The plan was approved on 28 April."),
    ("p06s1", "Market Street on a weekday afternoon."),
    ("p06s2", "Picture: Thornbury Vale Herald"),
    ("p07s1", "Baskets are pleasant, but nobody ever opened a bakery because of a petunia."),
    ("p08s1", "The Federation of Small Businesses says business rates are the biggest cost for shops of this size."),
    ("p08s2", 'Its regional chair, Anil Mistry, told the council in March that a rates holiday would "do more in a year than bunting will do in ten".'),
    ("p09s1", "What, exactly, is the council afraid of?"),
    ("p10s1", "Margaret Hollis ran a bookshop on Market Street for 22 years."),
    ("p10s2", "She writes a fortnightly column for the Herald."),
    ("p11s1", "The views expressed in this column are the author's own."),
    ("p12s1", "Copyright © 2026 Thornbury Vale Herald Ltd."),
    ("p12s2", "Registered in England and Wales."),
]
LAYOUTS = {"wordpress-news": WORDPRESS, "local-paper": LOCAL_PAPER, "opinion-column": OPINION}
# The units the page's markup marks as furniture (headline, byline, dateline, captions, and what
# follows the article): the draft key labels each one meta.
FURNITURE = {
    "wordpress-news": ["p01s1", "p02s1", "p03s1", "p06s1", "p06s2", "p09s1", "p10s1", "p11s1",
                       "p12s1", "p13s1"],
    "local-paper": ["p01s1", "p02s1", "p03s1", "p08s1", "p08s2", "p15s1", "p16s1"],
    "opinion-column": ["p01s1", "p02s1", "p03s1", "p06s1", "p06s2", "p10s1", "p10s2", "p11s1",
                       "p12s1", "p12s2"],
}
# What never reaches the article: menus, comments, sidebars, banners.
NOT_IN_IT = ["Sport", "Six pounds for a swim", "Can't wait", "cookies",
             "Most read", "Bin collections", "About us", "Privacy policy", "Follow us",
             "Spot on, Margaret", "Advertise", "Home"]


def page(name: str) -> str:
    return (FIXTURES / f"{name}.html").read_text(encoding="utf-8")


@pytest.mark.parametrize("name", LAYOUTS)
def test_every_unit_of_the_page_in_reading_order(name):
    extracted = extract(page(name))
    assert extracted.kind == "html"
    assert [(u.unit_id, u.text) for u in segment(extracted.text)] == LAYOUTS[name]
    for text in NOT_IN_IT:
        assert text not in extracted.text, text


def test_a_caption_in_the_middle_stays_between_its_paragraphs():
    """The local paper's photo sits in a div between the fourth and fifth paragraphs of a body
    written with <br><br>: its caption stays there, not at the top under the byline."""
    units = [u.text for u in segment(extract(page("local-paper")).text)]
    caption = units.index("Plots at the Mill Lane allotments, where some tenants have gardened "
                          "for 30 years.")
    assert units[caption - 1] == "It would hold about 40 plots."
    assert units[caption + 2] == "Forty plots would barely dent a list of 300."
    blocks = extract(page("local-paper")).text.split("\n\n")
    assert blocks[7] == ("Plots at the Mill Lane allotments, where some tenants have gardened "
                         "for 30 years. Photo: Gareth Noakes")


def test_the_text_file_of_the_local_paper_is_what_its_page_gives():
    """local-paper.txt (the short article of the own-article tests) is the page's text."""
    assert extract(page("local-paper")).text == (FIXTURES / "local-paper.txt").read_text(
        encoding="utf-8")


@pytest.mark.parametrize("name", LAYOUTS)
def test_the_draft_labels_the_pages_furniture_meta(name, tmp_path):
    folder = tmp_path / name
    write_article(name, page(name), folder, draft=True)
    key = {row["unit_id"]: row for row in read_table(folder / "key.csv").rows}
    assert [u for u, row in key.items() if row["label"] == "meta"] == FURNITURE[name]
    assert all(row["status"] == "draft" for row in key.values())


def test_the_draft_says_what_the_markup_made_of_a_piece(tmp_path):
    write_article("local-paper", page("local-paper"), tmp_path / "a", draft=True)
    key = {row["unit_id"]: row for row in read_table(tmp_path / "a" / "key.csv").rows}
    # the draft's own rules take the caption's first sentence for a claim: the markup decides
    assert key["p08s1"]["rationale"] == ("The page's markup makes this a caption: publication "
                                         "furniture, not the article's text: meta.")
    assert key["p16s1"]["source"] == "" and key["p16s1"]["label"] == "meta"


def test_a_long_container_whose_class_names_furniture_is_not_one_piece():
    """A wrapper of the whole story whose class happens to say "related" is too long to be a
    piece of furniture: the share bar, "Read more" and copyright line inside are found."""
    wrapped = page("local-paper").replace('<div class="story" itemscope',
                                          '<div class="story related-content" itemscope')
    assert [(u.unit_id, u.text) for u in segment(extract(wrapped).text)] == LOCAL_PAPER
