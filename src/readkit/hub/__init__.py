"""A class on JupyterHub on one machine (`readkit hub`): real system users, nbgrader's exchange,
a PostgreSQL gradebook. The Jupyter config files it installs are package data in config/."""
