"""nbgrader configuration for the readkit course. Run nbgrader from this folder (the course root).

Every setting below fixes a default that would otherwise give wrong grades or leak answers;
see docs/teacher-guide.md and the measured notes in the design folder.
"""

import os

COURSE_ROOT = os.path.dirname(os.path.abspath(__file__))
GRADING = os.path.join(COURSE_ROOT, "grading")
# On a fresh checkout grading/ does not exist yet and SQLite cannot create the gradebook in it.
os.makedirs(GRADING, exist_ok=True)

c = get_config()  # noqa: F821 (injected by traitlets when nbgrader loads this file)

# The course id names the course in the exchange; the JupyterLab assignment panels need it.
c.CourseDirectory.course_id = "readkit"
c.CourseDirectory.root = COURSE_ROOT

# solutions/ is the only place graded answers are defined; exercises/ is what learners get.
c.CourseDirectory.source_directory = "solutions"
c.CourseDirectory.release_directory = "exercises"
# Everything learners hand in, and everything derived from it, stays in one ignored folder.
c.CourseDirectory.submitted_directory = os.path.join("grading", "submitted")
c.CourseDirectory.autograded_directory = os.path.join("grading", "autograded")
c.CourseDirectory.feedback_directory = os.path.join("grading", "feedback")
c.CourseDirectory.solution_directory = os.path.join("grading", "solution")
# SQLite is enough for a class; a large course can point this at PostgreSQL
# (e.g. "postgresql://user@host/readkit"), see docs/teacher-guide.md.
c.CourseDirectory.db_url = "sqlite:///" + os.path.join(GRADING, "gradebook.db")

# Autograde copies files of the source assignment over the submission. answers.json is the
# learner's work (written by the Sorter widget): it must never be replaced by the source's copy,
# in any assignment (a generated one too: readkit new-assignment), so every folder of solutions/.
SOURCE = os.path.join(COURSE_ROOT, "solutions")
c.Autograde.exclude_overwriting = {
    name: ["answers.json"]
    for name in (sorted(os.listdir(SOURCE)) if os.path.isdir(SOURCE) else [])
    if os.path.isdir(os.path.join(SOURCE, name)) and not name.startswith(".")
}

# Learner code runs during autograde. readkit's two steps make that safe (docs/grading.md):
# SandboxedExecute runs every learner kernel in a bubblewrap sandbox that sees only that
# learner's copy (no key, no gradebook, no other learner, no network, memory and time limits);
# TrustedScores then gives the Sorter parts' grade cells the points readkit computes outside
# every kernel, from the submission as handed in. The rest is nbgrader's default pipeline.
c.Autograde.autograde_preprocessors = [
    "readkit.nbgrader.preprocessors.SandboxedExecute",
    "nbgrader.preprocessors.IgnorePattern",
    "nbconvert.preprocessors.ClearMetadataPreprocessor",
    "nbgrader.preprocessors.LimitOutput",
    "readkit.nbgrader.preprocessors.TrustedScores",
    "nbgrader.preprocessors.SaveAutoGrades",
    "nbgrader.preprocessors.AssignLatePenalties",
    "nbgrader.preprocessors.CheckCellMetadata",
]

# A submission that holds a link, a named pipe or a device is refused before its code runs
# (nbgrader's copy would follow a link to the key into the learner's folder).
c.Autograde.sanitize_preprocessors = [
    "readkit.nbgrader.preprocessors.SafeSubmission",
    "nbgrader.preprocessors.ClearOutput",
    "nbgrader.preprocessors.DeduplicateIds",
    "nbgrader.preprocessors.OverwriteKernelspec",
    "nbgrader.preprocessors.OverwriteCells",
    "nbgrader.preprocessors.CheckCellMetadata",
]

# What replaces a solution in the released notebook: a line to type over, not nbgrader's
# default `raise NotImplementedError()`, so that a learner who does not code only types values
# (each answer cell's comment shows the form). A cell left as released just sets nothing: its
# check says the name is not defined yet, and it scores 0.
c.ClearSolutions.code_stub = {"python": "# YOUR ANSWER HERE: type it on this line (replace this comment)"}

# A learner who deletes a grade cell still gets it graded: nbgrader puts it back.
c.OverwriteCells.add_missing_cells = True

# A cell that never ends (an infinite loop) is interrupted after this many seconds; that cell
# scores 0 and grading goes on with the next cell and the next learner.
c.Execute.timeout = 20
c.SandboxedExecute.timeout = 20

# Feedback and the formgrader show learners' notebooks as HTML, which runs for whoever opens it
# (the instructor too, from disk or in the formgrader): markdown and outputs are sanitized,
# JavaScript and widget outputs are shown as text (readkit.nbgrader.safe_html.exporter_config,
# which readkit's formgrader extension applies in any case).
c.HTMLExporter.sanitize_html = True
c.HTMLExporter.skip_svg_encoding = False
c.HTMLExporter.preprocessors = ["readkit.nbgrader.safe_html.InertOutputs"]
c.HTMLExporter.filters = {"markdown2html": "readkit.nbgrader.safe_html.markdown2html",
                          "clean_html": "readkit.nbgrader.safe_html.clean"}

# The default feedback shows hidden tests; strip them before the HTML is written.
c.GenerateFeedback.preprocessors = [
    "nbgrader.preprocessors.GetGrades",
    "nbgrader.preprocessors.ClearHiddenTests",
    "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor",
]

# The exchange is where released, submitted and feedback files travel between instructor and
# learners. A course-local folder works for one machine (trying the course, a single-user hub);
# on a shared JupyterHub set READKIT_EXCHANGE to a folder every user can reach.
c.Exchange.root = os.environ.get("READKIT_EXCHANGE", os.path.join(GRADING, "exchange"))

# Collect only what each named learner handed in: a hand-in counts for a learner only when its
# files are that learner's own (on a shared exchange anyone can create one in another's name),
# holds plain files and folders only (no link to the key), within size limits, and is copied
# without following links. Used by `nbgrader collect` and the formgrader's Collect alike.
c.ExchangeFactory.collect = "readkit.nbgrader.collect.SafeCollect"
