"""readkit's part of nbgrader: the preprocessors in its autograde pipeline (sandboxed kernels,
trusted Sorter points, refused submissions), the exchange, the parallel autograde runner,
release, and the reader of nbgrader's gradebook. Needs the `instructor` extra."""
