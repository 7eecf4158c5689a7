"""Two speed patches of nbgrader's internals, applied in `readkit autograde`'s worker processes
only (never in plain `nbgrader` commands), and only on the nbgrader versions they were checked
on. They change how fast nbgrader works, not what it records (the grading benchmark and
tests/test_autograde_runner.py compare gradebooks with stock nbgrader's).

Why patches: nbgrader has no hook for either cost. Per submission, measured with
benchmarks/grading.py on nbgrader 0.9.6:
- `CheckCellMetadata` (run twice per submission) calls `jsonschema.validate(meta, schema)` for
  every cell, which checks the schema against its metaschema and builds a new validator each
  time: most of that step's time. `_CheckedSchemas` stands in for the jsonschema module in
  `nbgrader.nbgraderformat.common`: the same checks and errors, one checked validator per schema.
- every `nbgrader.api.Gradebook` (several per submission) calls sqlalchemy's `create_engine`,
  so every query is compiled again. `_one_engine_per_database` keeps one engine per database
  URL in the worker (its compiled-statement cache with it); `Gradebook.close()` still disposes
  of the engine's connections, so no connection stays open between submissions.

On another nbgrader version, or when the patched names are not what these patches assume,
nothing is patched and the log says so; grading is then as fast as stock nbgrader.
tests/test_autograde_runner.py fails when the assumptions no longer hold on the installed one.
"""

from __future__ import annotations

import inspect
import logging
import re
from importlib.metadata import PackageNotFoundError, version

# The versions these patches were checked on (the instructor extra's range).
CHECKED_VERSIONS = ((0, 9, 3), (0, 10, 0))  # from, up to (not included)
APPLIED = "readkit_patched"


def checked_version(text: str) -> bool:
    numbers = tuple(int(part) for part in re.findall(r"\d+", text)[:3])
    low, high = CHECKED_VERSIONS
    return low <= numbers < high


class _CheckedSchemas:
    """Stands in for the jsonschema module in nbgrader.nbgraderformat.common: `validate(meta,
    schema)` with one checked validator per schema; everything else is jsonschema's."""

    def __init__(self, module) -> None:
        self._module = module
        self._validators: dict[int, tuple[object, object]] = {}

    def __getattr__(self, name: str):
        return getattr(self._module, name)

    def validate(self, instance, schema, *args, **kwargs):
        if args or kwargs:
            return self._module.validate(instance, schema, *args, **kwargs)
        known = self._validators.get(id(schema))
        if known is None or known[0] is not schema:
            cls = self._module.validators.validator_for(schema)
            cls.check_schema(schema)
            known = self._validators[id(schema)] = (schema, cls(schema))
        error = self._module.exceptions.best_match(known[1].iter_errors(instance))
        if error is not None:
            raise error
        return None


def _one_engine_per_database(create_engine):
    """sqlalchemy's create_engine, giving the same engine again for the same arguments."""
    engines: dict[tuple, object] = {}

    def cached(url, *args, **kwargs):
        key = (str(url), args, tuple(sorted(kwargs.items())))
        if key not in engines:
            engines[key] = create_engine(url, *args, **kwargs)
        return engines[key]

    return cached


def broken_assumptions() -> list[str]:
    """What the installed nbgrader does differently from what the patches assume (empty: they
    fit). Reads nbgrader's source: the patched names must be used the way they are replaced."""
    import jsonschema
    import nbgrader.api
    import nbgrader.nbgraderformat.common as formats
    import sqlalchemy

    problems = []
    module = getattr(formats, "jsonschema", None)
    if not (module is jsonschema or isinstance(module, _CheckedSchemas)):
        problems.append("nbgrader.nbgraderformat.common.jsonschema is not the jsonschema module")
    source = inspect.getsource(formats.BaseMetadataValidator.validate_cell)
    if not re.search(r"\bjsonschema\.validate\([^,()]+,\s*self\.schema\)", source):
        problems.append("BaseMetadataValidator.validate_cell no longer calls "
                        "jsonschema.validate(metadata, self.schema)")
    engine = getattr(nbgrader.api, "create_engine", None)
    if engine is not sqlalchemy.create_engine and not getattr(engine, APPLIED, False):
        problems.append("nbgrader.api.create_engine is not sqlalchemy's create_engine")
    source = inspect.getsource(nbgrader.api.Gradebook.__init__)
    if "create_engine(db_url" not in source:
        problems.append("Gradebook.__init__ no longer calls create_engine(db_url, ...)")
    if "self.engine.dispose()" not in inspect.getsource(nbgrader.api.Gradebook.close):
        problems.append("Gradebook.close no longer disposes of its engine's connections")
    return problems


def apply(log: logging.Logger | None = None) -> bool:
    """Patch this process's nbgrader (a worker's); False, with a log line, when it is not a
    version the patches were checked on or their assumptions do not hold."""
    log = log or logging.getLogger(__name__)
    try:
        installed = version("nbgrader")
    except PackageNotFoundError:
        installed = "unknown"
    if not checked_version(installed):
        low, high = (".".join(map(str, v)) for v in CHECKED_VERSIONS)
        log.warning("readkit: nbgrader %s is outside %s to %s (not included), where its speed "
                    "patches were checked: grading without them", installed, low, high)
        return False
    problems = broken_assumptions()
    if problems:
        log.warning("readkit: nbgrader %s is not as its speed patches assume (%s): grading "
                    "without them", installed, "; ".join(problems))
        return False
    import nbgrader.api
    import nbgrader.nbgraderformat.common as formats

    if not isinstance(formats.jsonschema, _CheckedSchemas):
        formats.jsonschema = _CheckedSchemas(formats.jsonschema)
    if not getattr(nbgrader.api.create_engine, APPLIED, False):
        nbgrader.api.create_engine = _one_engine_per_database(nbgrader.api.create_engine)
        setattr(nbgrader.api.create_engine, APPLIED, True)
    return True
