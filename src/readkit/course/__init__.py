"""The course: its folders, nbgrader_config.py, the annotated articles, the one parser and the
one validator of the data contract, and the answers store. Learner-side: imports no other stage
and no front end."""
