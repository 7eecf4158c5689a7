"""Issue 22: the content a teacher adopts as it is. Each factual fix that a test can hold is held
here: who the key and the numbers table credit each figure to, the headline's debt to the BBC,
and (below) the lessons, the assignments and the teacher's materials.

Every test asserts what the course says, read from the data and the notebooks, so that the old
wording or the old attribution would fail it.
"""

import csv
import re
from pathlib import Path

import nbformat
import pytest

from readkit.course.course import Course

ROOT = Path(__file__).resolve().parents[1]
ARTICLE = Course.open(ROOT).article("raqqa-2021")
KEY = ARTICLE.key()
UNITS = {unit.unit_id: unit.text for unit in ARTICLE.units}
CLAIMS = ARTICLE.claims()
AUTHOR = "author"


def sources() -> list[dict[str, str]]:
    with (ARTICLE.folder / "sources.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def reporters(row) -> list[str]:
    """"bbc via cbs" -> ["bbc", "cbs"]: the origin first, then who passed it on."""
    return [part.strip() for part in row["reported_by"].split(" via ")]


def in_square_brackets(text: str, words: str) -> bool:
    return any(words in inside for inside in re.findall(r"\[([^\]]*)\]", text))


# -- the key and the numbers table credit each figure to the same source ---------------------

def test_every_source_in_sources_csv_is_used():
    """A source the key and the numbers table never use is a sign that a unit went to a less
    specific source (p61s2 went to hersh, not the Indian intelligence sources he cites)."""
    used = {entry.source for entry in KEY.values() if entry.source}
    used |= {name for row in CLAIMS for name in reporters(row)}
    assert {row["source_id"] for row in sources()} - used == set()


def test_p61s2_goes_to_the_most_specific_source_the_text_names():
    text = UNITS["p61s2"]
    assert "based on Indian intelligence sources" in text
    assert KEY["p61s2"].source == "indian-intelligence-hersh"
    for row in CLAIMS:
        if row["unit_id"] == "p61s2":
            assert reporters(row) == ["indian-intelligence-hersh", "hersh"], row


def test_each_figure_is_credited_as_the_key_credits_its_sentence():
    """One source per row of claims.csv, the one the key gives the sentence: a sourced
    sentence's figures come from its key source (first in the chain); a sentence in the
    author's voice (claim, commentary) gives the author's figures; a figure that the article
    puts in the quoting author's square brackets is the author's even inside a quotation."""
    problems = []
    for row in CLAIMS:
        entry, chain = KEY[row["unit_id"]], reporters(row)
        origin = chain[0]
        quoted = re.findall(r"\[([^\]]*)\]", row["counts_what"])
        bracketed = any(in_square_brackets(UNITS[row["unit_id"]], words) for words in quoted)
        if entry.label == "sourced":
            expected = AUTHOR if bracketed else entry.source
        elif entry.label in ("claim", "commentary"):
            expected = AUTHOR
        else:  # meta: publication furniture (the comment count of the copied CBS page)
            assert row["event"] == "publication", row
            continue
        if origin != expected:
            problems.append(f"{row['claim_id']} ({row['unit_id']}, {entry.label}): {origin}, "
                            f"not {expected}")
    assert problems == []


def test_the_8000_is_the_authors_wherever_it_stands():
    """The article gives "[Eight thousand or more men]" in the author's brackets (p54s1) and
    "some 8000 or more men" in a sentence with no source (p61s1): the same figure, credited
    to the same reporter, the author, in both rows."""
    rows = [row for row in CLAIMS if row["event"] == "kunduz-2001" and row["unit"] == "men"
            and float(row["value"]) == 8000]
    assert {row["unit_id"] for row in rows} == {"p54s1", "p61s1"}
    assert {row["reported_by"] for row in rows} == {AUTHOR}


def test_p61s1_is_the_authors_voice_with_hersh_accepted_and_the_reason_given():
    entry = KEY["p61s1"]
    assert (entry.label, entry.accept, entry.source) == ("claim", ("sourced",), "hersh")
    assert "According to Hersh's investigation" in entry.rationale
    assert "(Ibid)" in entry.rationale


def test_p44s2_is_not_credited_to_a_speaker_who_never_mentions_the_sdf():
    dillon_words = " ".join(UNITS[u] for u in ("p34s1", "p35s1", "p36s1", "p36s2"))
    assert "SDF" not in dillon_words and "Syrian Democratic Forces" not in dillon_words
    entry = KEY["p44s2"]
    assert entry.source == "bbc"
    assert "p44s1" in entry.rationale and "do not mention" in entry.rationale


def test_p51s2_and_p52s2_say_why_one_accepts_claim_and_the_other_not():
    assert KEY["p51s2"].accept == () and KEY["p52s2"].accept == ("claim",)
    assert "p52s2" in KEY["p51s2"].rationale and "p51s2" in KEY["p52s2"].rationale


def test_the_headline_rationale_gives_the_bbc_its_let_escape():
    """The BBC itself writes of a deal that "let" fighters "escape" (p20s1); "to Allow ... to
    Escape" is the author's framing of it (the design's content notes), put on "The US
    Coalition's" deal. The key, the codebook and lesson 1 all say both."""
    assert "let" in UNITS["p20s1"].split() and "escape" in UNITS["p20s1"]
    framing = '"to Allow ... to Escape" is the author\'s framing'
    rationale = KEY["p01s1"].rationale
    assert '"let"' in rationale and "p20s1" in rationale and framing in rationale
    assert "The US Coalition's" in rationale
    codebook = " ".join((ROOT / "docs" / "codebook.md").read_text(encoding="utf-8").split())
    assert 'while "to Allow ISIS-Daesh Terrorists to Escape" is the author\'s framing' not in codebook
    assert 'What the headline adds is whose deal it was: "The US Coalition\'s"' in codebook
    assert framing in codebook and '"let" fighters "escape", p20s1' in codebook
    lesson = "\n".join(cell.source for cell in cells("01-first-look"))
    assert "\"to Allow ... to Escape\" is the author\\'s " in lesson  # the reveal, a Python string
    assert "follows those words" not in lesson and "follow the BBC's words" not in lesson


# -- the lessons ---------------------------------------------------------------------------------

LESSONS = ROOT / "lessons"


def cells(name: str):
    return nbformat.read(LESSONS / f"{name}.ipynb", as_version=4).cells


def markdown_of(name: str) -> str:
    return "\n".join(" ".join(cell.source.split()) for cell in cells(name)
                     if cell.cell_type == "markdown")


def self_checks(name: str) -> list[tuple[tuple, dict]]:
    """The SelfCheck calls of a lesson, as (args, kwargs), without running them."""
    found = []
    for cell in cells(name):
        if cell.cell_type == "code" and cell.source.startswith("SelfCheck("):
            found.append(eval(cell.source, {"SelfCheck": lambda *a, **k: (a, k)}))  # noqa: S307
    return found


def test_lesson_1_asks_about_the_headline_with_one_right_answer():
    """The BBC text has "secret deal", "let ... escape" and "exodus": of the options, only the
    answer must be missing from it."""
    bbc = (UNITS["p20s1"] + " " + UNITS["p27s1"]).casefold()
    (args, kwargs), = [c for c in self_checks("01-first-look") if "headline" in c[0][0]]
    options, answer = args[1], kwargs["answer"]
    missing = [o for o in options if o.strip('"').casefold() not in bbc]
    assert missing == [answer] == ["The US Coalition's"]
    # asked about these options (the headline has other words the BBC text lacks, "Allow"),
    # and explained as the rationale and codebook H2 say it: "under the gaze of" is p20s1's
    assert args[0].startswith("Which of these words of the headline")
    assert "under the gaze of\" the coalition (p20s1)" in kwargs["explanation"]
    assert "under the gaze" in KEY["p01s1"].rationale and "p23s1" in KEY["p01s1"].rationale
    assert "the rest is the headline writer's own wording" not in markdown_of("01-first-look")


def test_paragraphs_17_to_23_hold_no_furniture_and_lesson_2_says_so():
    meta = [u for u in KEY if 17 <= ARTICLE.unit_paragraphs[u] <= 23 and KEY[u].label == "meta"]
    assert meta and all(UNITS[u].startswith("Screen") for u in meta)  # captions only
    text = markdown_of("02-anatomy")
    assert "hold all four kinds" not in text
    assert "Paragraphs 17 to 23 hold three of the four kinds" in text
    guide = " ".join((ROOT / "docs" / "teacher-guide.md").read_text(encoding="utf-8").split())
    assert "mark the four parts" not in guide


def test_lesson_3_puts_the_ibid_where_it_is():
    assert "(Ibid)" not in UNITS["p34s1"] and UNITS["p36s2"].endswith("(Ibid)")
    text = markdown_of("03-attribution")
    assert 'paragraph ends with "(Ibid)", pointing back to the BBC' not in text
    assert '"(Ibid)" (`p36s2`)' in text


def test_lesson_3_model_rewrite_keeps_what_the_source_said():
    """The BBC passage says a Western officer was present but took no "active part" (p36s1);
    the model rewrite says so, and no longer repeats the author's "did not take part"."""
    assert "was present for the negotiations" in UNITS["p36s1"]
    text = markdown_of("03-attribution")
    assert '"US officials said they had not taken part in the negotiations' not in text
    neutral = text.split("**Neutral:**")[1].split("\n")[0]
    assert "was present for the negotiations" in neutral and '"active part"' in neutral
    assert "`p36s1`" in neutral


def test_lesson_4_teaches_one_key_per_sentence():
    from readkit.course.labels import key_letters

    text = markdown_of("04-fact-claim-commentary")
    assert "arrow keys" not in text
    for digit, (label, letter) in enumerate(key_letters().items(), 1):
        assert f"| `{digit}` or `{letter}` | {label} |" in text
    assert "`Backspace` | clears" in text and "`u` | undoes" in text
    assert "moves you on to the next unlabelled sentence by itself" in text


def test_lesson_4_works_a_clean_claim_from_the_practice_half():
    table = next(cell.source for cell in cells("04-fact-claim-commentary")
                 if cell.cell_type == "markdown" and cell.source.startswith("| Unit |"))
    claims = [row for row in table.splitlines() if row.rstrip().endswith("|")
              and row.split("|")[-2].strip().startswith("`claim`")]
    (row,) = claims
    unit_id = re.search(r"`(p\d+s\d+)`", row).group(1)
    entry = KEY[unit_id]
    assert (entry.label, entry.accept, entry.split) == ("claim", (), "practice")


def test_lesson_4_works_the_authors_rhetorical_question_before_the_sorter():
    """Assignment 01 grades the author's rhetorical questions (p65s1, p69s1) as commentary:
    lesson 4 works one from the practice half first, step by step."""
    for graded in ("p65s1", "p69s1"):
        assert KEY[graded].label == "commentary" and KEY[graded].split == "assessment"
    assert KEY["p50s1"].label == "commentary" and UNITS["p50s1"].endswith("?")
    sources = [cell.source for cell in cells("04-fact-claim-commentary")]
    shown = next(i for i, s in enumerate(sources) if "show_units" in s and '"p50s1"' in s)
    worked = next(i for i, s in enumerate(sources) if "`p50s1`, step by step" in s)
    sorter = next(i for i, s in enumerate(sources) if "readkit.Sorter(" in s)
    assert shown < worked < sorter


def test_lesson_4_keeps_the_codebooks_exception_and_the_intention_rule():
    text = markdown_of("04-fact-claim-commentary")
    step_2 = text.split("2. **Does it pass on words")[1].split("3. **")[0]
    assert '"confirmed"' in step_2 and "it stays `sourced`" in step_2
    assert KEY["p13s3"].accept == ("claim",) and KEY["p52s2"].accept == ("claim",)
    assert 'show_units(["p09s1", "p13s3"]' in " ".join(
        cell.source for cell in cells("04-fact-claim-commentary"))
    for args, kwargs in self_checks("04-fact-claim-commentary"):
        if "intends" in args[0]:
            assert "p13s3" in kwargs["explanation"]


def claims_by_id() -> dict[str, dict[str, str]]:
    return {row["claim_id"]: row for row in CLAIMS}


def kunduz_men(word: str) -> list[float]:
    return [float(row["value"]) for row in CLAIMS if row["event"] == "kunduz-2001"
            and row["unit"] == "men" and word in row["counts_what"]]


def test_lesson_6_gives_the_threshold_the_figures_imply():
    """x - 3300 > 5000 exactly when x > 8300: the men in Kunduz beyond which the rest would
    exceed the high end of "unaccounted for"."""
    threshold = kunduz_men("surrendered")[0] + max(kunduz_men("unaccounted"))
    assert threshold == 8300
    text = markdown_of("06-numbers")
    assert f"If there had been more than {threshold:.0f}, the rest would exceed 5000" in text
    assert "8700" not in text


def chart_rows() -> list[tuple[str, str, str | None]]:
    import ast

    source = next(cell.source for cell in cells("06-numbers")
                  if cell.cell_type == "code" and cell.source.startswith("rows = ["))
    literal = source.split("rows = ", 1)[1].split("]\n", 1)[0] + "]"
    return ast.literal_eval(literal)


def test_lesson_6_chart_credits_each_figure_as_the_table_does():
    """No "(attributed to Hersh)" on a bar whose figure the table gives as the author's; a
    figure that reaches the article through Hersh says so."""
    claims, problems = claims_by_id(), []
    rows = chart_rows()
    assert len(rows) == 6
    for label, claim_id, _ in rows:
        chain = reporters(claims[claim_id])
        if chain[0] == AUTHOR and "Hersh" in label:
            problems.append(f"{claim_id} is the author's: {label!r}")
        if "hersh" in chain and "Hersh" not in label:
            problems.append(f"{claim_id} comes through Hersh: {label!r}")
    assert problems == []
    assert any(reporters(claims[c])[0] == AUTHOR for _, c, _ in rows)  # the check bites


def test_lesson_6_counts_the_kunduz_figures_by_reporter_as_the_table_does():
    kunduz = [row for row in CLAIMS if row["event"] == "kunduz-2001"]
    authors = sum(1 for row in kunduz if row["reported_by"] == AUTHOR)
    words = {6: "six", 7: "seven", 2: "two", 9: "nine"}
    text = markdown_of("06-numbers")
    assert f"Kunduz 2001 has the most numbers ({len(kunduz)}), and {words[authors]} of them " \
           "are the author's" in text
    assert "seven that the article attributes to Seymour Hersh's article" not in text


def test_lesson_7_says_who_decided_as_the_sources_say_it():
    """The Pakistanis' representations are the reason an official gives for approving the
    airlift (p59s1), not a different decider; the BBC's "now admits the part it played" is
    part of the Raqqa account."""
    assert "was approved because of representations by the Pakistanis" in UNITS["p59s1"]
    text = markdown_of("07-analogy")
    assert "the Pakistanis' representations for Kunduz" not in text
    weaken = text.split("**Weaken**")[1].split("**Where**")[0]
    assert "a reason given for the approval, not a different decider" in weaken
    assert "now admits the part it played" in weaken and "ordered the air corridor" in weaken
    guide = " ".join((ROOT / "docs" / "teacher-guide.md").read_text(encoding="utf-8").split())
    assert "(local officials; the Pakistanis' representations)" not in guide


def test_lesson_8_summary_keeps_what_the_coalition_admits():
    assert "the coalition now admits the part it played in the deal" in UNITS["p31s1"]
    model = markdown_of("08-trace-to-source").split("Show a model answer")[1]
    assert '"now admits the part it played in the deal"' in model
    assert "Col Ryan Dillon" in model  # the defence stays beside it


# -- assignment 02 ---------------------------------------------------------------------------------

ASSIGNMENT_02 = "02-trace-the-numbers/trace-the-numbers.ipynb"


def assignment_02(folder: str) -> list:
    return nbformat.read(ROOT / folder / ASSIGNMENT_02, as_version=4).cells


@pytest.mark.parametrize("folder", ["solutions", "exercises"])
def test_assignment_02_task_3_does_not_call_fighters_and_men_like_with_like(folder):
    task = next(cell.source for cell in assignment_02(folder)
                if cell.source.startswith("## Task 3"))
    assert "compare fighters with fighters" not in task
    assert "They do not count the same thing" in task


def test_assignment_02_model_answer_keeps_figures_apart_and_with_their_reporters():
    from readkit.grading.numbers import NUMBER_TASKS

    assert NUMBER_TASKS["compare"].title != "Compare like with like"
    answer = next(cell.source for cell in assignment_02("solutions")
                  if cell.metadata.get("nbgrader", {}).get("grade_id") == "written-answer")
    answer = " ".join(answer.split())
    assert not re.search(r"\b(sixteen|\d+) times\b", answer)
    assert "cannot say how much bigger one event was" in answer
    assert "attributes the Kunduz figures to Seymour Hersh" not in answer
    assert "based on Indian intelligence sources" in answer
    assert "in the author's square brackets" in answer


# -- the materials for a secondary class ----------------------------------------------------------

DOCS = ROOT / "docs"
GUIDE = DOCS / "teacher-guide.md"
# Materials with no label and no graded text: handed out, opened from lessons/, or shared.
SAFE_TO_SHARE = ["background-primer.md", "glossary.md", "sentence-frames.md", "extension.md",
                  "teaching-notes.md"]
INSTRUCTORS_ONLY = ["rubric-anchors.md"]
ANCHORS_WARNING = ("# Instructors only: sample answers for the written parts of assignments 01 "
                   "and 02; do not hand out before they are graded")


def guide_text() -> str:
    return GUIDE.read_text(encoding="utf-8")


@pytest.mark.parametrize("name", SAFE_TO_SHARE + INSTRUCTORS_ONLY)
def test_each_material_exists_and_the_teacher_guide_links_it(name):
    assert (DOCS / name).is_file()
    assert f"]({name})" in guide_text()


@pytest.mark.parametrize("name", SAFE_TO_SHARE)
def test_learner_facing_materials_give_away_no_assessment_label_or_rationale(name):
    from tests.test_docs import leaks, stated_labels

    text = (DOCS / name).read_text(encoding="utf-8")
    assert leaks(text) == []
    assert stated_labels(text) == []  # no unit's label is stated, practice or graded
    practice_rationales = [e.rationale for e in KEY.values() if e.split == "practice"]
    assert not [r for r in practice_rationales if r in text]


def test_the_leak_check_bites_on_a_learner_facing_material():
    from tests.test_docs import leaks

    text = (DOCS / "glossary.md").read_text(encoding="utf-8")
    assert "assessment unit id p65s1" in leaks(text + "\nSee p65s1.\n")
    assert leaks(text + "\n" + KEY["p69s1"].rationale + "\n")


def test_the_rubric_anchors_are_for_instructors_and_say_so():
    text = (DOCS / "rubric-anchors.md").read_text(encoding="utf-8")
    assert text.splitlines()[0] == ANCHORS_WARNING
    paragraph = next(p for p in guide_text().split("\n\n") if "](rubric-anchors.md)." in p)
    assert "Instructors only" in paragraph and "before both" in paragraph
    # a sample answer at each score level of both rubrics
    for rubric, top in (("Assignment 01, part 4", 4), ("Assignment 02, task 6", 3)):
        section = text.split(f"## {rubric}")[1].split("\n## ")[0]
        scores = set(re.findall(r"^\| (\d) \|", section, flags=re.M))
        assert scores >= {str(n) for n in range(top + 1)}, rubric


def test_no_material_reaches_the_released_exercises():
    released = " ".join(path.read_text(encoding="utf-8")
                        for path in (ROOT / "exercises").rglob("*") if path.is_file())
    for name in SAFE_TO_SHARE + INSTRUCTORS_ONLY:
        assert name not in released
    anchors = (DOCS / "rubric-anchors.md").read_text(encoding="utf-8")
    sample = re.search(r"^\| 4 \| (.{60})", anchors, flags=re.M).group(1)
    assert sample not in released


def test_the_primer_gives_a_source_for_every_fact_and_covers_the_actors():
    text = (DOCS / "background-primer.md").read_text(encoding="utf-8")
    for actor in ("Daesh", "SDF", "Northern Alliance", "ISI", "Operation Inherent Resolve"):
        assert actor in text, actor
    rows = [line for line in text.splitlines() if line.startswith("| ")
            and not line.startswith(("| Name", "| Who", "| When", "| ---"))]
    assert len(rows) >= 25
    assert all(line.rstrip().endswith("|") and line.split("|")[-2].strip() for line in rows)
    assert "### Afghanistan, 2001 to 2002" in text and "### Syria, 2014 to 2017" in text


def test_the_three_period_plan_teaches_before_it_grades_and_names_the_handout():
    guide = guide_text()
    plan = guide.split("### Three periods instead of ten")[1].split("\n### ")[0]
    assert "| Warm-up (5 min) | What to run (40 min) | Exit ticket (5 min) |" in plan
    rows = [line for line in plan.splitlines() if re.match(r"^\| \d\. ", line)]
    assert [row[2] for row in rows] == ["1", "2", "3"]
    graded = next(i for i, row in enumerate(rows) if "Assignment 01" in row)
    taught = " ".join(rows[:graded])
    for lesson in ("lesson 3", "Lesson 4", "lesson 5"):
        assert lesson in taught, lesson
    assert all(len([c for c in row.split("|") if c.strip()]) == 4 for row in rows)
    assert "readkit handout raqqa-2021" in guide
    assert "grading/handouts/raqqa-2021/raqqa-2021-answer-sheet.html" in guide


def test_assignment_01_rewrite_cell_as_released_does_what_its_instructions_say():
    """The released answer cell holds the stub line to type over, and the task says to replace
    that line with `chosen_unit = "..."`: doing exactly that is read as the learner's choice."""
    from readkit.grading.trusted import chosen_unit

    notebook = nbformat.read(ROOT / "exercises" / "01-sort-the-sources" / "sort-the-sources.ipynb",
                             as_version=4)
    cells = {cell.get("id"): cell for cell in notebook.cells}
    stub = "# YOUR ANSWER HERE: type it on this line (replace this comment)"
    answer = cells["rewrite-choice"].source
    assert answer.splitlines()[-1] == stub
    assert "can stay" not in answer + cells["rewrite-task"].source
    assert "replace the line `# YOUR ANSWER HERE ...`" in cells["rewrite-task"].source
    assert 'chosen_unit = ""' not in "\n".join(  # no second place to type the id
        line for line in answer.splitlines() if not line.startswith("#"))
    followed = answer.replace(stub, 'chosen_unit = "p65s1"')
    assert chosen_unit(followed) == "p65s1"
    assert chosen_unit(answer) is None  # left as released: nothing chosen


def test_lesson_7_gives_the_words_needed_to_get_out_to_the_pakistanis_not_the_official():
    """p59s1: the official reports the Pakistanis' representations; "needed to get out" is in
    them, so it is not the official's own reason."""
    assert '"there were guys-intelligence agents and underground guys-who needed to get out."' \
        in UNITS["p59s1"]
    notebook = nbformat.read(ROOT / "lessons" / "07-analogy.ipynb", as_version=4)
    text = "\n".join(cell.source for cell in notebook.cells)
    assert 'the official, that some "needed to get out"' not in text
    assert 'the official, that the Pakistanis represented that there were "guys" who\n  "needed ' \
           'to get out"' in text


def test_guide_and_anchors_credit_the_kunduz_figures_as_the_article_does():
    """Two kinds of Kunduz figure are attributed in the article: "roughly half" (the Hersh
    quotation) and the evacuated men and generals (Hersh's investigation, Indian sources)."""
    assert next(row for row in CLAIMS if row["claim_id"] == "c14")["reported_by"] == "hersh"
    for name in ("teacher-guide.md", "rubric-anchors.md"):
        text = " ".join((DOCS / name).read_text(encoding="utf-8").split())
        assert 'only the "at least 4000" evacuated' not in text, name
        assert '"roughly half"' in text and "Indian intelligence sources" in text, name


def test_p44s2_rationale_says_why_its_source_is_the_bbc():
    rationale = KEY["p44s2"].rationale
    assert "Why the BBC:" in rationale and "the passage around it names" in rationale
    assert '"brokered"' in rationale and "brokered" not in " ".join(
        UNITS[u] for u in ("p23s1", "p24s1", "p24s2"))


def test_the_learner_codebook_names_no_source_id_that_only_graded_units_use():
    """Which source a graded unit goes to is part of the key: the codebook (learners read it
    before assignment 01) states the rule; the graded examples are in the instructor notes."""
    practice = {entry.source for entry in KEY.values() if entry.split == "practice"}
    graded_only = {entry.source for entry in KEY.values()
                   if entry.split == "assessment" and entry.source} - practice
    assert {"indian-intelligence-hersh", "us-defense-official"} <= graded_only
    learner = (DOCS / "codebook.md").read_text(encoding="utf-8")
    instructor = (DOCS / "codebook-instructor.md").read_text(encoding="utf-8")
    assert [source for source in sorted(graded_only) if f"`{source}" in learner] == []
    assert all(f"`{source}`" in instructor for source in graded_only - {"hersh", "bush"})


def test_the_primer_states_the_september_11_facts_with_their_sources():
    """Neutral and accurate: the attacks as they happened, and who was found responsible by
    whom, each with a source (not only "the US government held it responsible")."""
    text = (DOCS / "background-primer.md").read_text(encoding="utf-8")
    assert "held it responsible" not in text and "held Al Qaeda responsible" not in text
    qaeda = next(line for line in text.splitlines() if line.startswith("| **Al Qaeda**"))
    assert "The 9/11 Commission Report" in qaeda and "said that he had ordered them" in qaeda
    day = next(line for line in text.splitlines() if line.startswith("| 11 September 2001"))
    assert "Pennsylvania" in day and "Nearly 3,000 people" in day and "Commission Report" in day


def test_each_sentence_frame_example_is_a_practice_sentence_the_key_labels_as_the_frame_says():
    text = (DOCS / "sentence-frames.md").read_text(encoding="utf-8")
    examples = re.findall(r"^- \*([^*]+)\* \(`(p\d\ds\d)`, ([a-z]+)", text, flags=re.M)
    assert [unit for _, unit, _ in examples] == ["p09s1", "p16s2", "p33s1"]
    frame_label = {"The author's own opinion": "commentary", "A source said it": "sourced",
                   "The author passes on what a source said, in his own words": "commentary"}
    for frame, unit, label in examples:
        entry = KEY[unit]
        assert entry.split == "practice" and entry.label == label == frame_label[frame], unit
    assert "sourced" in KEY["p33s1"].accept  # "with sourced also accepted", as the frame says


def test_the_teacher_guide_says_which_articles_the_kit_wrote_and_what_each_is_for():
    from readkit.course.course import Course

    course = Course.open(ROOT)
    disclaimer = ("This article was written for the readkit course; its people and places are "
                  "invented.")
    kit = [slug for slug in course.article_slugs
           if course.article(slug).units[-1].text == disclaimer]
    assert len(kit) == 4
    section = guide_text().split("## The kit's own articles")[1].split("\n## ")[0]
    assert disclaimer.split(";")[0] in section and "invented" in section
    rows = {line.split("`")[1]: line for line in section.splitlines() if line.startswith("| `")}
    assert sorted(rows) == sorted(kit)
    for form in course.forms:
        assert f"**form {form.form.upper()}**" in rows[form.slug]
    for slug in set(kit) - {form.slug for form in course.forms}:
        assignments = {s.assignment for s in course.article(slug).sections()}
        assert all(f"`{name}`" in rows[slug] for name in assignments), slug
        assert course.article(slug).key("practice"), slug  # "a practice half", as it says
    assert "readkit new-lesson" in section and "readkit new-assignment" in section


# -- issue 22, the teacher's second read -----------------------------------------------------------

def guide_flat() -> str:
    return " ".join(GUIDE.read_text(encoding="utf-8").split())


def test_lesson_7_says_the_kunduz_side_rests_largely_on_the_author():
    """Six of the nine Kunduz figures are the author's (lesson 6): the summary must not say
    that most facts on each side come from named sources."""
    text = markdown_of("07-analogy")
    assert "most of the **facts** on each side come from named sources" not in text
    assert "six of its nine figures (lesson 6)" in text


def test_lesson_8_model_summary_keeps_the_bbc_s_verbs_in_quotation_marks():
    summary = next(cell.source for cell in cells("08-trace-to-source")
                   if cell.source.startswith("<details><summary>Show a model answer"))
    model = summary.split("**Check your own summary")[0]
    outside_quotes = re.sub(r'"[^"]*"', "", model)
    assert not re.search(r"\b(confirms|maintains|admits)\b", outside_quotes), outside_quotes
    assert "said, according to the BBC" in " ".join(model.split())


def test_the_guide_schedules_both_tests():
    guide = guide_flat()
    assert "| 0 | **Pre-test** (`00-pre-test`) | 20 min |" in guide
    assert "| 7 | **Post-test** (`03-post-test`) | 15 min |" in guide
    assert "Before period 1: the pre-test" in guide and "After period 3: the post-test" in guide
    assert "about 15 min |" not in guide.split("| before lesson 1 (step 0 above) |")[1][:200]


def test_the_guide_says_where_learners_work_and_what_the_site_does_with_the_forms():
    guide, readme = guide_flat(), " ".join((ROOT / "README.md").read_text(encoding="utf-8").split())
    for text in (guide, readme):
        assert "never on a copy of" in text and "`make site ASSESSED=1`" in text
        assert "can see every key" in text or "can see them all" in text
        assert "form A on the pre-test and form B on the post-test" in text


def test_small_wordings_of_the_second_read():
    guide = guide_flat()
    assert "no label of the key" not in guide and "contain no assessment label" in guide
    assert "given with no source (the bracketed" not in guide
    assert "in a sentence that names no source" in guide
    assert "three and a half years" not in markdown_of("01-first-look")
    assert "**Estimated time.** 35 minutes." in markdown_of("01-first-look")
    assert "**Timing (35 min).**" in guide and "| 1 | Lesson 1: a first look | 35 min |" in guide
    assert "| [01-first-look](01-first-look.ipynb) | 35 min |" in (
        LESSONS / "README.md").read_text(encoding="utf-8")


def test_assignment_01_part_4_shows_no_real_sentence_id():
    notebook = nbformat.read(ROOT / "solutions" / "01-sort-the-sources" / "sort-the-sources.ipynb",
                             as_version=4)
    task = next(c for c in notebook.cells if c.get("id") == "rewrite-task").source
    stub = next(c for c in notebook.cells if c.get("id") == "rewrite-choice").source
    stub = stub.split("### BEGIN SOLUTION")[0]  # the solution's own id is stripped on release
    assert re.findall(r"\bp\d+s\d+\b", task + stub) == []
    assert 'chosen_unit = "pNNsM"' in task and 'chosen_unit = "pNNsM"' in stub


@pytest.mark.parametrize("slug", ["library-hours-2026", "school-sleep-study-2026"])
def test_the_forms_are_bylined_as_analysis(slug):
    """The forms carry judgements and a rhetorical question: their furniture says analysis."""
    article = Course.open(ROOT).article(slug)
    byline = next(unit.text for unit in article.units if unit.unit_id == "p02s1")
    assert byline.startswith("By ") and "Columnist (Analysis)" in byline
    assert not [e.unit_id for e in article.key().values() if "reporter" in e.rationale]
