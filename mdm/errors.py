"""The one exception hierarchy of the product.

Every error the core raises on purpose is an :class:`MDMError`; the CLI turns it into a clean
message and exit code, and the API maps each subclass to an HTTP status in one place.
"""

from __future__ import annotations


class MDMError(Exception):
    """Base class: a problem the user can act on, with a message that says what and where."""

    code = "mdm_error"


class ConfigError(MDMError):
    """A source config or matching-rules file is invalid (names the file, source and key)."""

    code = "config_error"


class SourceReadError(MDMError):
    """A source extract cannot be read at all (missing file, unknown encoding, not a table)."""

    code = "source_read_error"


class NotFoundError(MDMError):
    """A golden record, source key, run or other object does not exist."""

    code = "not_found"

    def __init__(self, kind: str, key: str, why: str | None = None) -> None:
        super().__init__(f"{kind} {key!r} not found" + (f": {why}" if why else ""))
        self.kind = kind
        self.key = key


class ConflictError(MDMError):
    """The request conflicts with the current state (e.g. a run is already going)."""

    code = "conflict"


class RemovalsRefusedError(ConflictError):
    """A run would remove more of a source's published records than its config allows: more
    often a truncated or wrong extract than customers leaving. Nothing was published."""

    code = "removals_refused"


class InvalidInputError(MDMError):
    """A value given by the user (a truth file, a request field) cannot be used as it is."""

    code = "invalid_input"


class ModelError(MDMError):
    """Training or applying the Splink model failed."""

    code = "model_error"


class ChangedSinceError(ConflictError):
    """A write made on condition of a golden record's version (HTTP If-Match) found it changed."""

    code = "precondition_failed"


class RunFailedError(MDMError):
    """A batch run failed; the previous golden records are untouched."""

    code = "run_failed"


class RunInterruptedError(RunFailedError):
    """A batch run was stopped by Ctrl-C or SIGINT; the previous golden records are untouched."""

    code = "run_interrupted"


class RunCancelledError(RunFailedError):
    """A batch run was cancelled (the service stopping); it published nothing."""

    code = "run_cancelled"


class EngineUnavailableError(MDMError):
    """An engine's prerequisite (pyspark, Java) is missing; the message names it and the fix."""
