"""readkit bench ...: measurements run from the course repository (not in the installed wheel).

A regular package, not a namespace one: pysbd installs a top-level `benchmarks` package of its
own, which would otherwise win over this folder on import."""
