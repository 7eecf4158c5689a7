"""nbgrader settings for every user of a readkit hub (learners and instructor alike).

`readkit hub` copies this file into the hub environment as <env>/etc/jupyter/nbgrader_config.py,
the sys-prefix level every single-user server and every `nbgrader` command there reads first.
The instructor's course folder has its own nbgrader_config.py, which wins for course settings.
"""

import os

c = get_config()  # noqa: F821 (injected by traitlets when nbgrader loads this file)

# One course on this hub. Learners have no course folder of their own: the Assignment List
# lists (and fetches from) this course id in the exchange.
c.CourseDirectory.course_id = "readkit"

# The exchange is one folder every hub user can reach (the spawner sets READKIT_EXCHANGE for
# every server; `readkit hub` makes it 1777 like /tmp, and the course's folders in it for the
# instructor before anyone can log in). Without this nbgrader looks in /srv/nbgrader/exchange.
c.Exchange.root = os.environ.get("READKIT_EXCHANGE", "/srv/nbgrader/exchange")

# nbgrader's submit leaves each submission readable by every user who knows its folder name
# (nbgrader issue 978): this one narrows it to the learner and the instructor's group.
c.ExchangeFactory.submit = "readkit.nbgrader.exchange.PrivateSubmit"

# nbgrader's collect takes a hand-in that learner A made in learner B's name ("cheating
# attempt?" is only a warning) and follows links in it (a link to the key becomes a file).
# This one collects only hand-ins that belong to the learner they name, with plain files only,
# bounded in size, copied without following links (readkit.nbgrader.collect).
c.ExchangeFactory.collect = "readkit.nbgrader.collect.SafeCollect"
