"""Steward decisions: match, not a match, split, merge, and undo.

Each decision changes the live golden records at once and is stored as constraints between
source records (must-link / cannot-link) that every later batch run, retrained or not, and
every real-time post honours, so a "not the same person" said today still holds next month.
Each records the membership of the golden records it touched before and after, which is
what an undo restores.

The caller (the service's single writer) runs each operation in a transaction.
"""

from __future__ import annotations

import uuid
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import duckdb

from mdm import golden, regroup
from mdm.clustering import DIFFERENT, components, conflicting_identifier
from mdm.errors import ConflictError, InvalidInputError, NotFoundError
from mdm.ingest import clean_id
from mdm.realtime import RealtimeMatcher, identifiers
from mdm.standardise.record import record_key
from mdm.store import audit, records
from mdm.store import stewardship as sql
from mdm.store.database import now

DECISIONS = ("match", "not_a_match")


@dataclass
class Outcome:
    """A committed-to-be decision and the record keys it moved (golden id each now has)."""

    decision: dict[str, Any]
    moves: dict[str, str] = field(default_factory=dict)


def _new_decision_id() -> str:
    return "D" + uuid.uuid4().hex[:15].upper()


def _survivor(con: duckdb.DuckDBPyConnection, golden_ids: list[str]) -> str:
    """The golden record that keeps its id in a merge: the largest, then the oldest id."""
    sizes = sql.member_keys(con, golden_ids)
    return sorted(golden_ids, key=lambda g: (-len(sizes[g]), g))[0]


class Stewardship:
    def __init__(self, matcher: RealtimeMatcher) -> None:
        self.matcher = matcher

    def _golden_of(self, key: str) -> str:
        gid = self.matcher.golden_of.get(key)
        if gid is None:
            raise NotFoundError("source record", key)
        return gid

    def _apply(
        self,
        con: duckdb.DuckDBPyConnection,
        *,
        kind: str,
        moves: dict[str, str],
        touched: list[str],
        actor: str,
        comment: str | None,
        constraints: list[tuple[str, tuple[str, str]]],
        item_id: str | None = None,
        result: str | None = None,
        retire_into: dict[str, str | None] | None = None,
        change_as: dict[str, str] | None = None,
        golden_ids: list[str] | None = None,
    ) -> Outcome:
        """Move the records, rebuild the golden records ``touched`` (whose membership the decision
        records before and after, for an undo) and store the decision with its constraints.
        ``golden_ids``: the golden records it names, when more than those it rebuilds."""
        decision_id = _new_decision_id()
        at = now()
        affected = list(dict.fromkeys(touched + list(moves.values())))
        before = sql.member_keys(con, affected)
        sql.set_golden_of(con, moves)
        # Where no record moves (a not_a_match between records already apart, a match between
        # records already together) the golden records stay as they are: same version, no history
        # entry, nothing in the change feed (a steward's edit in hand is not a 412 for it).
        if moves:
            regroup.rebuild(
                con, affected, attributes=self.matcher.rules.attributes(), at=at, cause="decision",
                cause_id=decision_id, actor=actor, retire_into=retire_into, change_as=change_as,
                holders=self.matcher.override_holders,
            )
        after = sql.member_keys(con, affected)
        decision = {
            "decision_id": decision_id, "kind": kind, "item_id": item_id, "golden_ids": golden_ids or touched,
            "result_golden_id": result, "comment": comment, "actor": actor, "created_at": at,
            "undone_at": None, "undone_by": None, "before": before, "after": after,
        }
        sql.insert_decision(con, decision)
        for constraint_kind, pair in constraints:
            sql.add_constraints(con, decision_id, constraint_kind, [pair])
        # Items whose two records a decision has put in one golden record, or kept apart by a
        # constraint, are settled by it.
        settled = {item_id} if item_id else set()
        for keys in after.values():
            settled.update(sql.open_items_between(con, keys))
        for settled_id in settled:
            sql.set_item_status(con, settled_id, "decided", decision_id)
        audit.record(con, actor=actor, action=f"decision.{kind}", target=decision_id,
                     detail={"item_id": item_id, "comment": comment, "before": before, "after": after})
        return Outcome(decision, moves)

    # -- decisions ------------------------------------------------------------------------

    def decide_item(
        self, con: duckdb.DuckDBPyConnection, item_id: str, decision: str, *, actor: str, comment: str | None,
        admin: bool = False,
    ) -> Outcome:
        """``admin``: the actor may decide an item another steward has claimed."""
        if decision not in DECISIONS:
            raise InvalidInputError(f"field 'decision': must be one of {', '.join(DECISIONS)}")
        item = sql.get_item(con, item_id)
        if item is None:
            raise NotFoundError("review item", item_id)
        if item["status"] != "open":
            raise ConflictError(f"review item {item_id!r} is already {item['status']} ({item['decision_id']})")
        if not admin:
            _check_claim(item, actor)
        left, right = item["record_key_l"], item["record_key_r"]
        g_left, g_right = self._golden_of(left), self._golden_of(right)
        if decision == "match":
            if g_left != g_right:
                self._refuse_kept_apart(con, sql.member_keys(con, [g_left, g_right]))
            survivor = _survivor(con, [g_left, g_right]) if g_left != g_right else g_left
            loser = g_right if survivor == g_left else g_left
            moves = {} if g_left == g_right else dict.fromkeys(sql.member_keys(con, [loser])[loser], survivor)
            return self._apply(
                con, kind="match", moves=moves, touched=[g_left, g_right], actor=actor, comment=comment,
                constraints=[("must_link", (left, right))], item_id=item_id, result=survivor,
                retire_into={loser: survivor},
            )
        moves, result = {}, None
        if g_left == g_right:  # already together (linked since): take the right record out
            result = golden.new_golden_id()
            moves = {right: result}
        # It names both golden records (a listing by either finds it) but touches only the left
        # one, as nothing moves out of the right one: an undo has nothing of it to restore.
        return self._apply(
            con, kind="not_a_match", moves=moves, touched=[g_left], actor=actor, comment=comment,
            constraints=[("cannot_link", (left, right))], item_id=item_id, result=result,
            change_as={result: "split"} if result else None,
            golden_ids=list(dict.fromkeys([g_left, g_right])),
        )

    def split(
        self, con: duckdb.DuckDBPyConnection, golden_id: str, source: str, source_id: str, *, actor: str,
        comment: str | None,
    ) -> Outcome:
        source_id = clean_id(source_id) or source_id  # as a lookup or a post of the key trims it
        key = record_key(source, source_id)
        members = sql.member_keys(con, [golden_id])[golden_id]
        if not members:
            raise NotFoundError("active golden record", golden_id)
        self.matcher.check_source(source)
        if key not in members:
            raise InvalidInputError(f"field 'source_id': {source}/{source_id} is not a member of {golden_id}")
        if len(members) == 1:
            raise ConflictError(f"{source}/{source_id} is the only member of {golden_id}: nothing to split")
        self._refuse_held_together(con, members, key)
        new_id = golden.new_golden_id()
        return self._apply(
            con, kind="split", moves={key: new_id}, touched=[golden_id], actor=actor, comment=comment,
            constraints=[("cannot_link", (key, other)) for other in members if other != key], result=new_id,
            change_as={new_id: "split"},
        )

    def merge(self, con: duckdb.DuckDBPyConnection, golden_ids: list[str], *, actor: str, comment: str | None) -> Outcome:
        ids = list(dict.fromkeys(golden_ids))
        if len(ids) < 2:
            raise InvalidInputError("field 'golden_ids': give at least two different golden ids")
        members = sql.member_keys(con, ids)
        for gid, keys in members.items():
            if not keys:
                raise NotFoundError("active golden record", gid)
        self._refuse_kept_apart(con, members)
        survivor = _survivor(con, ids)
        anchor = members[survivor][0]
        moves = {k: survivor for gid in ids if gid != survivor for k in members[gid]}
        return self._apply(
            con, kind="merge", moves=moves, touched=ids, actor=actor, comment=comment,
            constraints=[("must_link", (anchor, members[gid][0])) for gid in ids if gid != survivor],
            result=survivor, retire_into={gid: survivor for gid in ids if gid != survivor},
        )

    def links(self, con: duckdb.DuckDBPyConnection, golden_id: str) -> list[dict[str, Any]]:
        """Why a golden record's members are together: every pair of them scored by the live model,
        strongest first, with what the last batch run did with the pair (if it scored it) and any
        steward decision between the two. Members are held together through others too: not every
        pair links."""
        members = [m["record_key"] for m in records.member_rows(con, golden_id)]
        if not members:
            raise NotFoundError("active golden record", golden_id)
        stored = sql.stored_pairs(con, members)
        decided = {frozenset((left, right)): (kind, decision)
                   for kind, left, right, decision in sql.constraints_between(con, members)}
        out = []
        for left, right, score in self.matcher.pairwise(members):
            run_id, outcome = stored.get((left, right)) or stored.get((right, left)) or (None, None)
            kind, decision = decided.get(frozenset((left, right)), (None, None))
            out.append({"left": left, "right": right, "match_weight": score.match_weight,
                        "match_probability": score.match_probability, "explanation": score.explanation,
                        "batch_outcome": outcome, "run_id": run_id, "decision": kind,
                        "decision_id": decision})
        return sorted(out, key=lambda p: -p["match_weight"])

    def _identifiers(self, members: list[dict[str, Any]]) -> dict[str, set[str]]:
        return identifiers(members, list(self.matcher.rules.matching.clustering.cannot_link_when_different))

    def _conflict(self, held: dict[str, dict[str, set[str]]], a: str, b: str) -> dict[str, Any] | None:
        """Why golden records ``a`` and ``b`` (their identifiers in ``held``) cannot be one customer."""
        fields = list(self.matcher.rules.matching.clustering.cannot_link_when_different)
        why = conflicting_identifier(held[a], held[b], fields)
        if why is None:
            return None
        field = why.removeprefix(DIFFERENT)
        values = {g: sorted(held[g].get(field, ())) for g in (a, b)}
        return {"golden_ids": [a, b], "conflict": why, "values": values}

    def _kept_apart(
        self, con: duckdb.DuckDBPyConnection, members: dict[str, list[str]]
    ) -> list[dict[str, str]]:
        """The cannot-links in force between records of two of these golden records (golden id ->
        its members' keys): the steward decisions that joining them would overrule."""
        golden_of = {key: gid for gid, keys in members.items() for key in keys}
        return [{"record_key_l": left, "record_key_r": right, "decision_id": decision}
                for kind, left, right, decision in sql.constraints_between(con, list(golden_of))
                if kind == "cannot_link" and golden_of[left] != golden_of[right]]

    def _refuse_kept_apart(self, con: duckdb.DuckDBPyConnection, members: dict[str, list[str]]) -> None:
        """Refuse to join golden records that steward decisions keep apart, naming the decisions:
        a batch run never crosses a cannot-link, so the next one would part the joined records
        again (and leave a merged-away id redirecting to a record that lost the customer)."""
        decisions = list(dict.fromkeys(r["decision_id"] for r in self._kept_apart(con, members)))
        if decisions:
            raise ConflictError(
                f"steward decisions keep records of {' and '.join(members)} apart; undo them first:"
                f" {', '.join(decisions)}")

    def _refuse_held_together(self, con: duckdb.DuckDBPyConnection, members: list[str], key: str) -> None:
        """Refuse to split ``key`` off the other ``members`` when must-links in force (a merge, a
        match, records kept together) bind it to any of them, naming the decisions: a batch run
        joins must-links before it honours any cannot-link, so the next one would put the records
        back together (and merge the split-off golden record away again)."""
        constraints = sql.constraints_between(con, members)
        must = [(left, right, decision) for kind, left, right, decision in constraints if kind == "must_link"]
        group = components(members, [(left, right) for left, right, _d in must])
        if not any(group[other] == group[key] for other in members if other != key):
            return
        decisions = list(dict.fromkeys(d for left, _r, d in must if group[left] == group[key]))
        raise ConflictError(f"steward decisions hold {key} together with the other records; undo them first:"
                            f" {', '.join(decisions)}")

    def conflicts_with(
        self, con: duckdb.DuckDBPyConnection, golden_id: str, others: list[str]
    ) -> dict[str, list[dict[str, Any]]]:
        """For each of ``others``, the identifiers it disagrees with ``golden_id`` on, as the merge
        preview says them; this record's are read once for all."""
        held = {g: self._identifiers(records.member_rows(con, g))
                for g in dict.fromkeys([golden_id, *others])}
        return {other: [c] if (c := self._conflict(held, golden_id, other)) else [] for other in others}

    def merge_preview(self, con: duckdb.DuckDBPyConnection, golden_ids: list[str]) -> dict[str, Any]:
        """What :meth:`merge` would make, changing nothing: the survivor's golden record row (its
        document built from every member, with the overrides it would hold), the identifiers on
        which two of the golden records disagree, and the steward decisions that keep them apart
        (:meth:`merge` refuses to overrule them)."""
        ids = list(dict.fromkeys(golden_ids))
        if len(ids) < 2:
            raise InvalidInputError("field 'golden_ids': give at least two different golden ids")
        rows = {gid: records.member_rows(con, gid) for gid in ids}
        for gid, members in rows.items():
            if not members:
                raise NotFoundError("active golden record", gid)
        survivor = _survivor(con, ids)
        held = {gid: self._identifiers(members) for gid, members in rows.items()}
        conflicts = [c for i, a in enumerate(ids) for b in ids[i + 1:] if (c := self._conflict(held, a, b))]
        ruled_out = self._kept_apart(con, {gid: [m["record_key"] for m in members]
                                           for gid, members in rows.items()})
        attributes = self.matcher.rules.attributes()
        overrides, _moves = golden.carry_overrides(regroup.held_overrides(con, ids),
                                                   {g: survivor for g in ids if g != survivor})
        everyone = sorted((m for members in rows.values() for m in members), key=lambda m: m["record_key"])
        values, lineage = golden.survive(attributes, everyone, overrides.get(survivor, ()))
        current = records.golden_row(con, survivor)
        assert current is not None
        row = golden.golden_row(survivor, everyone, attributes, created_at=current["created_at"],
                                updated_at=now(), run_id=None, values=values, lineage=lineage)
        return {"golden_id": survivor, "golden_record": row, "conflicts": conflicts, "ruled_out": ruled_out}

    def undo(self, con: duckdb.DuckDBPyConnection, decision_id: str, *, actor: str) -> Outcome:
        """Lift the decision's constraints and put its records back where they were."""
        decision = sql.get_decision(con, decision_id)
        if decision is None:
            raise NotFoundError("decision", decision_id)
        if decision["undone_at"] is not None:
            raise ConflictError(f"decision {decision_id!r} was already undone")
        touched = sorted(set(decision["before"]) | set(decision["after"]))
        if decision["kind"] == "kept_together":
            holders, merged_away = self._holders(decision), {}
        else:
            merged_away = self._merged_away(con, decision)
            holders = sorted(set(merged_away.values()))
        later = sql.later_decisions(con, decision_id, sorted({*touched, *holders}))
        if later:
            raise ConflictError(f"undo the later decisions on the same golden records first: {', '.join(later)}")
        at = now()
        sql.mark_undone(con, decision_id, at, actor)
        before, made, repoint = decision["before"], set(), {}
        if decision["kind"] == "kept_together":
            before, made = self._parted(con, holders)
        elif merged_away:
            before, repoint = self._parted_in(con, before, merged_away)
        if before != decision["before"]:
            sql.set_before(con, decision_id, before)
            touched = sorted(set(before) | set(decision["after"]))
        moves = {
            key: gid
            for gid, keys in before.items()
            for key in keys
            if key in self.matcher.golden_of and self.matcher.golden_of[key] != gid
        }
        # A record a later post or run moved to a golden record the decision never touched comes
        # back from there too (unless a run merged the golden record it left the record in into
        # that one: see _parted_in): that one is rebuilt, or retired into where its records went,
        # so no golden record keeps listing a record the xref gives to another.
        left: dict[str, Counter[str]] = {}
        for key, gid in moves.items():
            left.setdefault(self.matcher.golden_of[key], Counter())[gid] += 1
        emptied = Counter(moves.values())
        retire_into = {g: emptied.most_common(1)[0][0] if emptied else None for g in touched}
        retire_into.update({g: went.most_common(1)[0][0] for g, went in left.items() if g not in retire_into})
        sql.set_golden_of(con, moves)
        homes, unmerged = self._gone_home(con, decision, before)
        records.return_departed(con, homes)
        # Where nothing moves (as nothing moved when it was made, or its records have all gone
        # since) nothing is rebuilt but the golden records it merged away whose records have gone.
        rebuilt = [*touched, *(g for g in left if g not in touched)] if moves else unmerged
        if rebuilt:
            regroup.rebuild(
                con, rebuilt, attributes=self.matcher.rules.attributes(), at=at, cause="undo",
                cause_id=decision_id, actor=actor, retire_into=retire_into,
                holders=self.matcher.override_holders, change_as=dict.fromkeys(made, "split"),
                repoint={**repoint, **dict.fromkeys(unmerged)},
            )
        # Its item's pair waits again, and so does each pair it settled by the way (a merge's, a
        # match's joining two larger golden records), unless a record of it has gone since: then
        # it goes, as a deleted record's open items do (a steward could only be told it is gone).
        held = self.matcher.golden_of
        for item in sql.items_settled_by(con, decision_id):
            if item["record_key_l"] in held and item["record_key_r"] in held:
                sql.set_item_status(con, item["item_id"], "open", None)
            else:
                sql.delete_item(con, item["item_id"])
        audit.record(con, actor=actor, action="decision.undo", target=decision_id,
                     detail={"kind": decision["kind"], "restored": before})
        return Outcome(sql.get_decision(con, decision_id) or decision, moves)

    def _gone_home(
        self, con: duckdb.DuckDBPyConnection, decision: dict[str, Any], before: dict[str, list[str]]
    ) -> tuple[dict[str, tuple[str, str]], list[str]]:
        """The golden records the decision merged away whose records have all been deleted since:
        undone, they redirect no more to where it put them (to a customer they were never one
        with, the undo says) but are retired, as the deletions would have retired them without
        it. Also where each of those records left from (key -> (the golden id the decision put it
        in, the one it had before)), to take back that one if it comes back."""
        held, placed = self.matcher.golden_of, {k: g for g, keys in decision["after"].items() for k in keys}
        unmerged = [gid for gid, keys in before.items() if keys and not any(k in held for k in keys)
                    and (row := records.golden_row(con, gid)) is not None
                    and row["merged_into"] in {placed[k] for k in keys if k in placed}]
        homes = {k: (placed[k], gid) for gid in unmerged for k in before[gid] if k in placed}
        return homes, unmerged

    def _holders(self, decision: dict[str, Any]) -> list[str]:
        """The golden records holding a kept_together's records now: its own, or the one a later
        run merged it into."""
        kept = [k for keys in decision["after"].values() for k in keys]
        return sorted({g for k in kept if (g := self.matcher.golden_of.get(k)) is not None})

    def _merged_away(self, con: duckdb.DuckDBPyConnection, decision: dict[str, Any]) -> dict[str, str]:
        """The golden records a decision left holding records that a later run merged into another
        since: id -> the golden record holding most of those records now."""
        out = {}
        for gid, keys in decision["after"].items():
            row = records.golden_row(con, gid) if keys else None
            if row is None or row["status"] != "retired" or row["merged_into"] is None:
                continue
            now_in = Counter(g for k in keys if (g := self.matcher.golden_of.get(k)) is not None)
            if now_in:
                out[gid] = now_in.most_common(1)[0][0]
        return out

    def _parted_in(
        self, con: duckdb.DuckDBPyConnection, before: dict[str, list[str]], merged_away: dict[str, str]
    ) -> tuple[dict[str, list[str]], dict[str, str]]:
        """What undoing a decision restores where a later run merged a golden record it left
        (``merged_away``) into another: there the groups of records it joined part again, and the
        group that the run's own records hold to stays with them, under that golden record's id
        (restoring the id the run merged away would have the next run merge it in again). The
        other groups take back their ids, as they do where no run came between. Also the ids of
        the groups that stay, each to redirect to the golden record holding it."""
        out, repoint = dict(before), {}
        for holder in sorted(set(merged_away.values())):
            members = sql.member_keys(con, [holder])[holder]
            inside = {g: [k for k in keys if self.matcher.golden_of.get(k) == holder]
                      for g, keys in before.items()}
            group_of = {k: g for g, keys in inside.items() for k in keys}
            links = [(a, b) for a, b in self.matcher.held_links(con, members)
                     if a not in group_of or b not in group_of or group_of[a] == group_of[b]]
            root = components(members, links)
            theirs = Counter(root[k] for k in members if k not in group_of)
            # How many of the run's records hold to each group; then the one merged away, the largest.
            held = {g: (sum(theirs[r] for r in {root[k] for k in keys}), merged_away.get(g) == holder,
                        len(keys), g) for g, keys in inside.items() if keys}
            if held:
                keeper = max(held, key=held.__getitem__)
                out[holder] = [*out.get(holder, []), *out.pop(keeper)]
                repoint[keeper] = holder
        return out, repoint

    def _parted(
        self, con: duckdb.DuckDBPyConnection, holders: list[str]
    ) -> tuple[dict[str, list[str]], set[str]]:
        """What undoing a kept_together restores, and the new golden ids it makes: the records of
        the golden records ``holders`` holding its records in the groups that hold together
        without it, as the next batch run would part them, the largest keeping the id and each
        other a new golden record (it moved nothing, so it was stored with its ``after`` as its
        ``before``; the undo stores these in its place)."""
        before: dict[str, list[str]] = {}
        made: set[str] = set()
        for holder, members in sql.member_keys(con, holders).items():
            for i, part in enumerate(self.matcher.held_together(con, members)):
                gid = holder if i == 0 else golden.new_golden_id()
                before[gid] = part
                made |= {gid} - {holder}
        return before, made

    def claim(
        self, con: duckdb.DuckDBPyConnection, item_id: str, *, actor: str, release: bool, admin: bool = False
    ) -> dict[str, Any]:
        """Claim the item, or release it; ``admin``: the actor may release another steward's claim
        (one who has left, say)."""
        item = sql.get_item(con, item_id)
        if item is None:
            raise NotFoundError("review item", item_id)
        if not (release and admin):
            _check_claim(item, actor, claiming=not release)
        sql.claim_item(con, item_id, None if release else actor, now())
        return sql.get_item(con, item_id) or item


def _check_claim(item: dict[str, Any], actor: str, *, claiming: bool = False) -> None:
    """A claim is its steward's: only they, or an admin, decide the pair or release it meanwhile,
    so that two stewards never work one pair at once."""
    holder = item["claimed_by"]
    if holder in (None, actor):
        return
    also = "" if claiming else ": only they, or an admin, may decide it or release the claim"
    raise ConflictError(f"review item {item['item_id']!r} is claimed by {holder!r}{also}")
