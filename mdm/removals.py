"""A run that would remove much of a source stops before it publishes.

Extracts are full snapshots: a published record missing from its source's extract is taken as
gone from the source system, and the run that sees it rebuilds or retires its golden record and
tells every subscriber. A daily extract loses a few records; one that lost a fifth of them is
far more often truncated, filtered or the wrong file than a fifth of the customers leaving, and
publishing it would retire them all. So a run counts each source's published records missing
from its input before it links, and stops, with nothing changed, where that is more than the
source's ``max_removed_share`` allows, unless told the removals are meant. A source no longer in
the config removes all its records. Records its extract flags deleted (``deleted:``) count too:
a wrong flag column or value deletes as much as a truncated file.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from mdm.sources.config import SourcesConfig, SourceSpec

# Removals this small never stop a run: a source of a few dozen records loses a fifth of them
# in an ordinary week.
ALWAYS_ACCEPTED = 10
_DEFAULT_SHARE: float = SourceSpec.model_fields["max_removed_share"].default


@dataclass(frozen=True)
class Removal:
    source: str
    published: int  # the source's records in the published xref
    removed: int  # of those, the ones missing from the run's input
    max_share: float
    in_config: bool

    @property
    def refused(self) -> bool:
        return self.removed > ALWAYS_ACCEPTED and self.removed > self.max_share * self.published

    def describe(self, config: SourcesConfig, added: list[str]) -> str:
        """Why it stops; ``added``: the config's sources of no published record (a rename's new name)."""
        if not self.in_config:
            renamed = "" if not added else (
                f" (if {' or '.join(map(repr, added))} is it renamed, keep the name {self.source!r}:"
                " a source's name is part of its records' keys, so under a new one they are new records,"
                " a golden record they alone held gets a new id, and steward decisions naming them"
                " no longer hold)")
            return (f"source {self.source!r} is no longer in {config.path}: its {self.published:,} published"
                    f" records would be removed{renamed}")
        flagged = " or flagged deleted in it" if config.source(self.source).deleted else ""
        return (f"source {self.source!r}: {self.removed:,} of its {self.published:,} published records"
                f" ({self.removed / self.published:.0%}) are not in its extract{flagged}"
                f" ({config.source(self.source).path}), more than its max_removed_share"
                f" {self.max_share:g} allows")


def removals(counts: Mapping[str, tuple[int, int]], config: SourcesConfig) -> list[Removal]:
    """``counts`` gives each published source's (published, removed), as
    ``results.removed_by_source`` counts them."""
    limits = {s.name: s.max_removed_share for s in config.sources}
    return [
        Removal(source, published, removed, limits.get(source, _DEFAULT_SHARE), source in limits)
        for source, (published, removed) in sorted(counts.items())
    ]


def refusal(found: list[Removal], config: SourcesConfig, lapsing: int = 0) -> str | None:
    """Why a run removing ``found`` stops, or None; ``lapsing``: the steward decisions that
    accepting the removals would leave binding nothing (mdm/lapsed_decisions.py)."""
    refused = [r for r in found if r.refused]
    if not refused:
        return None
    published = {r.source for r in found}
    added = [s.name for s in config.sources if s.name not in published]
    lapse = "" if not lapsing else (
        f"; accepted, {lapsing:,} steward decision{'s' if lapsing != 1 else ''} would lapse with no pair"
        " of records left to bind (the run's report lists each, as a dry run's does)")
    return ("; ".join(r.describe(config, added) for r in refused)
            + ". Nothing was published: check the extract, or,"
            " if the records did leave their systems, run again accepting the removals (`--accept-removals`;"
            f" `accept_removals: true` in `POST /runs`){lapse}")

