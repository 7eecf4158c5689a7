"""The course: its folders, nbgrader_config.py, the annotated article (data contract) and the
answers store. Learner-side: never imports instructor code or a front end."""
