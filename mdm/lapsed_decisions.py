"""Steward decisions and overrides that a batch run finds binding nothing are said, not lost.

A decision binds pairs of source records (mdm/carry_decisions.py carries it to a stand-in when
one of them leaves). Where no pair is left whole, a source renamed or removed from the config (a
renamed source's records are new keys) or a record of each pair gone from its extract, it binds
nothing: the next run links those customers as if no steward had looked, and an override held
by a golden record whose records all left is held by a retired record. Accepting a removal did
that without a word. So the run that finds it says so: it marks each such decision lapsed with
its id, writes why to the audit log, and counts them in its report, without failing. Nothing is
undone: a decision whose records come back (the source listed again under its name) binds
again, and an override comes back with its golden record's id (mdm/golden.py), each said in the
report of the run that sees it. A dry run says the same without marking or auditing anything
(:func:`preview`): it is where an operator deciding to accept a removal, or to rename a source,
looks first.

Records deleted or erased through the API leave between runs, and a decision they alone bound
showed in force until the next run marked it. So the deletion marks it at once, in its name
(:func:`note_deleted`), and a post of one of its records back makes it bind again
(:func:`note_posted`). A run judges what binds by what it publishes, with the records deleted
while it computed taken out and those posted meanwhile counted (the replay brings them back):
it clears no lapse a deletion marked, and marks none a post cleared. A deletion that retires a
golden record, and a post that takes its id back, say its overrides as a run would
(:func:`note_overrides`); an erasure removes them with the golden record's values. Likewise a
run says nothing of the overrides of a golden record it retires that a record posted meanwhile
was in, nor does the replay's post taking the id back: at one publish, nothing changed for them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

import duckdb
import pyarrow as pa

from mdm.sources.config import SourcesConfig
from mdm.standardise.record import record_key
from mdm.store import audit, records
from mdm.store import stewardship as steward_sql
from mdm.store.database import now


@dataclass
class Lapsed:
    """What a run found binding nothing, or binding again, for its report; a dry run's, what a
    run publishing would find (``previewed``: nothing marked or audited)."""

    decisions: list[dict[str, Any]] = field(default_factory=list)  # lapsed in it: id, kind, records, why
    decisions_again: list[str] = field(default_factory=list)  # lapsed before, binding again in it
    overrides: list[dict[str, Any]] = field(default_factory=list)  # held by a golden record it retired
    overrides_again: list[dict[str, Any]] = field(default_factory=list)  # by one it restored
    previewed: bool = False

    @classmethod
    def of(cls, run_report: Mapping[str, Any]) -> Lapsed:
        """As a run's report (:meth:`report`) says it."""
        return cls(run_report.get("decisions_lapsed", []), run_report.get("decisions_binding_again", []),
                   run_report.get("overrides_lapsed", []), run_report.get("overrides_binding_again", []))

    def report(self) -> dict[str, Any]:
        return {"decisions_lapsed": self.decisions, "decisions_binding_again": self.decisions_again,
                "overrides_lapsed": self.overrides, "overrides_binding_again": self.overrides_again}

    def warnings(self) -> list[str]:
        """What ``mdm reconcile``'s summary warns of (and the service logs, for a run it starts)."""
        said = []
        lapse, kept = (("would lapse,", "A run publishing would keep them") if self.previewed
                       else ("with", "Kept"))
        for why in dict.fromkeys(d["why"] for d in self.decisions):
            ids = [d["decision_id"] for d in self.decisions if d["why"] == why]
            said.append(f"{_many(len(ids), 'steward decision')} {lapse} no pair of records left to bind"
                        f" ({_listed(ids)}): {why}. {kept}, marked lapsed (`lapsed_at` in"
                        " GET /decisions/{id}, `decision.lapsed` in the audit log): undo what should not"
                        " come back")
        if self.overrides:
            held = [f"{o['golden_id']} {o['attribute']}" for o in self.overrides]
            retires = "would retire" if self.previewed else "retired"
            said.append(f"{_many(len(held), 'steward override')} held by a golden record this run {retires},"
                        f" all its records gone ({_listed(held)}): each applies again if they come back")
        return said

    def binding_again(self) -> str | None:
        """What the summary says of the decisions and overrides that bind again, their records back."""
        said = [f"{_many(len(ids), what)} ({_listed(ids)})" for ids, what in (
            (self.decisions_again, "steward decision"),
            ([f"{o['golden_id']} {o['attribute']}" for o in self.overrides_again], "steward override"))
            if ids]
        if not said:
            return None
        return (f"{' and '.join(said)} lapsed before {'would bind' if self.previewed else 'bind'} again,"
                " their records back")


def _many(n: int, what: str) -> str:
    return f"{n:,} {what}{'s' if n != 1 else ''}"


def _listed(items: list[str], most: int = 5) -> str:
    return ", ".join(items[:most]) + (f" and {len(items) - most:,} more" if len(items) > most else "")


def binding(
    constraints: Collection[tuple[str, str, str, str]], present: Collection[str]
) -> tuple[set[str], set[str]]:
    """The decisions of ``constraints`` (kind, left, right, decision id; carried ones included) one of
    whose constraints names two records of ``present``, and the others: they bind nothing."""
    binds = {d for _kind, left, right, d in constraints if left in present and right in present}
    return binds, {d for *_x, d in constraints} - binds


def preview(
    con: duckdb.DuckDBPyConnection, *, run_id: str, lapsing: Collection[str], binds: Collection[str],
    config: SourcesConfig, history: pa.Table, held: pa.ChunkedArray, posted_since: dt.datetime | None,
    carried: Collection[tuple[str, str, str, str]],
) -> Lapsed:
    """What :func:`note` would say of a run that publishes nothing (dry run ``run_id``), read and
    nothing written: an operator deciding to accept a removal or rename a source sees what lapses
    first. ``history``: the run's golden history (the golden records it would retire and restore;
    restored, as :func:`note` judges it: retired still, a post may have taken one back meanwhile).
    What binds is judged as :func:`note` judges it: the records the run holds (``held``: its record
    keys; the xref is not its own), with those posted from ``posted_since`` on, which the replay of
    a publish brings back, and without those deleted since, which the publish takes out (judged
    again: the decisions lapsing, and those binding that name a record deleted), on the constraints
    the publish judges: those stored and those the run ``carried`` to stand-ins, which it stores.
    Nor does it say the overrides of a golden record it would retire that a record posted since is in."""
    posted = _posted(con, config, since=posted_since)
    deleted = {record_key(source, source_id) for source, source_id, _by
               in records.deleted_records(con, since=posted_since)} if binds else set()
    if (posted and lapsing) or deleted:
        constraints = [*steward_sql.active_constraints(con), *carried]
        named = set(binds) & {d for _kind, left, right, d in constraints if {left, right} & deleted}
        judged = {*lapsing, *named}
        present = {*held.to_pylist(), *posted} - deleted
        back, lapsing = binding([c for c in constraints if c[3] in judged], present)
        binds = {*(set(binds) - named), *back}
    changes = history.select(["golden_id", "change"]).to_pylist()
    retired, restored = ({h["golden_id"] for h in changes if h["change"] == change}
                         for change in ("retired", "restored"))
    # But those a record posted since is in: the publish's replay takes them back (_retired_for_good).
    retired -= set(steward_sql.golden_of(con, posted).values())
    return _said(con, steward_sql.bound_among(con, lapsing), steward_sql.lapsed_among(con, binds), config,
                 steward_sql.overrides_held(con, retired),
                 steward_sql.overrides_held(con, steward_sql.retired_before(con, restored, run_id)),
                 previewed=True)


def note(
    con: duckdb.DuckDBPyConnection, *, run_id: str, lapsing: Collection[str], binds: Collection[str],
    config: SourcesConfig, posted_since: dt.datetime | None,
) -> Lapsed:
    """Mark the decisions ``lapsing`` (in force, binding nothing in run ``run_id``) lapsed where they
    bound until now, clear the lapse of those that ``binds``, and say both, and the overrides the
    run's retired or restored golden records hold (restored: retired as it published; a post may
    have taken one back while it computed, and said so; retired: but those a record posted
    meanwhile was in, which its replay takes back), in the audit log; in the publish's
    transaction, after the run's history is written and the records deleted or erased meanwhile
    are taken out.
    What binds is what the publish holds, and the records of the config's sources posted through
    the API from ``posted_since`` on (every one for None), which the replay brings back."""
    judged = {*lapsing, *binds}
    posted = _posted(con, config, since=posted_since)
    bound = steward_sql.binding_among(con, judged, also_present=posted)
    actor = f"run {run_id}"
    out = _said(con, steward_sql.mark_lapsed(con, judged - set(bound), at=now(), by=actor, run_id=run_id),
                steward_sql.mark_binding(con, bound), config,
                steward_sql.overrides_held(con, _retired_for_good(con, run_id, posted_since, posted)),
                steward_sql.overrides_held(con, steward_sql.retired_before(
                    con, steward_sql.run_changed(con, run_id, "restored"), run_id)))
    for entry in out.decisions:
        audit.record(con, actor=actor, action="decision.lapsed", target=entry["decision_id"],
                     detail={"run_id": run_id, "records": entry["records"], "why": entry["why"]})
    for decision_id in out.decisions_again:
        audit.record(con, actor=actor, action="decision.binding_again", target=decision_id,
                     detail={"run_id": run_id})
    _audit_overrides(con, out.overrides, out.overrides_again, actor=actor, detail={"run_id": run_id})
    return out


def _retired_for_good(
    con: duckdb.DuckDBPyConnection, run_id: str, posted_since: dt.datetime | None, posted: Collection[str]
) -> list[str]:
    """The golden records run ``run_id`` retired but those a record ``posted`` (of a source the
    replay posts again) from ``posted_since`` on was in before its publish: the replay's post takes
    the id back (or its overrides with it into the golden record it joins), and says nothing of
    them either (mdm/service.py)."""
    replayed = set(posted)
    taken_back = {g for k, g in records.departed_posts(con, since=posted_since).items() if k in replayed}
    return [g for g in steward_sql.run_changed(con, run_id, "retired") if g not in taken_back]


def _posted(con: duckdb.DuckDBPyConnection, config: SourcesConfig, *, since: dt.datetime | None) -> list[str]:
    """The keys of the records of the config's sources posted through the API from ``since`` on
    (every one for None): a run's input lacks them, its publish's replay brings them back."""
    return records.posted_keys(con, sources=[s.name for s in config.sources], since=since)


def note_overrides(
    con: duckdb.DuckDBPyConnection, *, retired: Collection[str] = (), restored: Collection[str] = (),
    actor: str, detail: Mapping[str, Any],
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The overrides held by golden records a deletion through the API ``retired`` (all their
    records gone) or a post ``restored`` (its golden id taken back), audited as a run audits those
    of the golden records it retires or restores, with ``detail`` (the key deleted or posted); in
    the write's transaction, after it. (lapsed, binding again)."""
    lapsed, again = (steward_sql.overrides_held(con, ids) if ids else [] for ids in (retired, restored))
    _audit_overrides(con, lapsed, again, actor=actor, detail=detail)
    return lapsed, again


def _audit_overrides(
    con: duckdb.DuckDBPyConnection, lapsed: list[dict[str, Any]], again: list[dict[str, Any]], *, actor: str,
    detail: Mapping[str, Any],
) -> None:
    for overrides, action in ((lapsed, "golden.override_lapsed"), (again, "golden.override_binding_again")):
        for o in overrides:
            audit.record(con, actor=actor, action=action, target=o["golden_id"], detail={
                **detail, "override_id": o["override_id"], "attribute": o["attribute"]})


def note_deleted(
    con: duckdb.DuckDBPyConnection, keys: Collection[str], *, actor: str, erasure_id: str | None = None
) -> list[str]:
    """Mark lapsed, in ``actor``'s name, the decisions in force that bound until now and bind
    nothing once these records are deleted (by erasure ``erasure_id``), and audit why; in the
    deletion's transaction, after it. Their ids."""
    named = steward_sql.naming(con, keys, lapsed=False)
    bound = steward_sql.binding_among(con, named)
    lapsed = steward_sql.mark_lapsed(con, set(named) - set(bound), at=now(), by=actor)
    how = f"erased (erasure {erasure_id})" if erasure_id else "deleted through the API"
    for decision_id, _kind, named_records in steward_sql.records_named(con, lapsed):
        gone = sorted(set(named_records) & set(keys))
        audit.record(con, actor=actor, action="decision.lapsed", target=decision_id, detail={
            "deleted": gone, "records": named_records,
            "why": f"{_listed(gone)} {how}: it binds no pair of records left; posted again, it binds again"}
            | ({"erasure_id": erasure_id} if erasure_id else {}))
    return lapsed


def note_posted(con: duckdb.DuckDBPyConnection, key: str, *, actor: str) -> list[str]:
    """Clear the lapse of the decisions marked lapsed that record ``key``, just posted, makes bind
    again, and audit it; in the post's transaction, after it. Their ids."""
    again = steward_sql.mark_binding(
        con, steward_sql.binding_among(con, steward_sql.naming(con, [key], lapsed=True)))
    for decision_id in again:
        audit.record(con, actor=actor, action="decision.binding_again", target=decision_id,
                     detail={"posted": key})
    return again


def _said(
    con: duckdb.DuckDBPyConnection, lapsed: Collection[str], again: list[str], config: SourcesConfig,
    overrides: list[dict[str, Any]], overrides_again: list[dict[str, Any]], *, previewed: bool = False,
) -> Lapsed:
    """The report of the decisions ``lapsed`` (each with its kind, records and why) and ``again``,
    and of the overrides."""
    decisions = [{"decision_id": decision_id, "kind": kind, "records": records, "why": _why(records, config)}
                 for decision_id, kind, records in steward_sql.records_named(con, lapsed)]
    return Lapsed(decisions, again, overrides, overrides_again, previewed=previewed)


def _why(records: list[str], config: SourcesConfig) -> str:
    """Why no pair of ``records`` that the decision binds is left: a source is no longer in the
    config (named), or a record of each pair left its extract (or was deleted); one side gone
    is enough, the other may be held still."""
    listed = {s.name for s in config.sources}
    unlisted = sorted({k.split(":", 1)[0] for k in records} - listed)
    if unlisted:
        names = " and ".join(repr(s) for s in unlisted)
        said = f"source {names} is" if len(unlisted) == 1 else f"sources {names} are"
        return (f"{said} no longer in {config.path} (renamed or removed), and a record's source is part"
                " of its key: listed again under that name, its records bind the decision again")
    return ("a record of each pair it binds is gone (left its extract or deleted); it binds two records"
            " only while both are held")
