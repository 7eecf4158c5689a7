"""The instructor's commands: validate, release, autograde (sandboxed), grade, report, demo.
Needs the `instructor` extra (nbgrader); learners' installs never import it."""
