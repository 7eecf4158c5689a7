"""Jupyter server settings for every single-user server of a readkit hub.

`readkit hub` copies this file into the hub environment as <env>/etc/jupyter/
jupyter_server_config.py (sys-prefix level: learners cannot edit it, and JupyterHub's
disable_user_config keeps their own ~/.jupyter settings out).
"""

c = get_config()  # noqa: F821 (injected by traitlets when the server loads this file)

# Every server of the hub is on one origin: a frame-ancestors 'self' would let any learner's
# page frame the instructor's server and read it (the red team did: key.csv through the
# contents API). Nothing of a hub server may be framed, JupyterHub's own default, said here so
# that readkit's formgrader policy follows it; the Formgrader panel opens the formgrader in its
# own tab instead (readkit.hub.singleuser). A path in a frame-ancestors source would not help:
# browsers match the framing page's origin only.
c.ServerApp.tornado_settings = {
    "headers": {"Content-Security-Policy": "frame-ancestors 'none'"},
}
# Kernels talk to the server over unix sockets in the user's runtime folder (0700), not TCP
# ports on 127.0.0.1 that every other user can connect to and listen on (JupyterHub's
# security overview).
c.KernelManager.transport = "ipc"

# Kernels that are left running (a learner closes the tab) are shut down after an hour idle, so
# a class of servers does not hold a kernel per notebook ever opened.
c.MappingKernelManager.cull_idle_timeout = 3600
c.MappingKernelManager.cull_interval = 300

# --- every hub user's terminal and JupyterLab's calls home (readkit hub, issue 26) --------------
import os  # noqa: E402
import shlex  # noqa: E402
import sys  # noqa: E402

# JupyterLab's terminal runs a login shell, whose /etc/profile resets PATH: the hub environment's
# commands (readkit, nbgrader, jupyter) were not found there, and no documented instructor step
# worked as written. The login shell still reads the profiles; then this environment's bin/
# (the Python that runs this server) goes first on PATH and an interactive shell takes over.
_bin = os.path.join(sys.prefix, "bin")
c.ServerApp.terminado_settings = {"shell_command": [
    "/bin/bash", "-l", "-c", f'PATH={shlex.quote(_bin)}:"$PATH"; export PATH; exec /bin/bash -i']}
# No news and no update checks from JupyterLab (a classroom may have no internet); the news
# question itself is off through labconfig/default_setting_overrides.json (readkit hub).
c.LabApp.news_url = None
c.LabApp.check_for_updates_class = "jupyterlab.NeverCheckForUpdate"
