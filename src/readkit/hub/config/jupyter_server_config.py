"""Jupyter server settings for every single-user server of a readkit hub.

`readkit hub` copies this file into the hub environment as <env>/etc/jupyter/
jupyter_server_config.py (sys-prefix level: learners cannot edit it; their own ~/.jupyter
settings still load after it).
"""

c = get_config()  # noqa: F821 (injected by traitlets when the server loads this file)

# JupyterHub >= 4.1 sends "Content-Security-Policy: frame-ancestors 'none'" from single-user
# servers, and JupyterLab's formgrader panel shows the formgrader in an iframe of the same
# server: the panel stays blank (nbgrader issues 1870, 1910, 1919). 'self' lets the server frame
# its own pages and still refuses every other site (clickjacking stays blocked).
c.ServerApp.tornado_settings = {
    "headers": {"Content-Security-Policy": "frame-ancestors 'self'"},
}

# Kernels that are left running (a learner closes the tab) are shut down after an hour idle, so
# a class of servers does not hold a kernel per notebook ever opened.
c.MappingKernelManager.cull_idle_timeout = 3600
c.MappingKernelManager.cull_interval = 300
