"""What learners see in a notebook: the Sorter, the self-checks and the verbatim text views.
Each widget's JavaScript and CSS sit beside its Python module."""
