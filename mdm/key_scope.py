"""The sources a writer key may write to, checked when the key is made: a misspelt source fails
then, naming the sources there are, not at the source system's first post."""

from __future__ import annotations

from collections.abc import Collection, Sequence

from mdm.errors import InvalidInputError


def key_scope(role: str, sources: Sequence[str] | None, known: Collection[str] | None) -> list[str] | None:
    """The key's sources, sorted and distinct; None (every source) when none are given. ``known``
    is the source config's names, None before the first run (nothing to check them against).
    The error names no field: the API's is ``sources``, the command line's ``--source``."""
    if not sources:
        return None
    if role != "writer":
        raise InvalidInputError(f"only a writer key is limited to sources, not a {role} key")
    unknown = sorted(set(sources) - set(known)) if known is not None else []
    if unknown:
        raise InvalidInputError(f"no source named {unknown[0]!r}"
                                f" (the sources: {', '.join(sorted(known or ()))})")
    return sorted(set(sources))
