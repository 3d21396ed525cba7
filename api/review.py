"""Review items as stewards see them: both records side by side and the score explained."""

from __future__ import annotations

import json
import math
from typing import Any

import duckdb

from mdm.clustering import (
    DIFFERENT,
    DISAGREEING,
    HELD_BACK_REASONS,
    JOINED_ANOTHER,
    KEPT_APART,
    SOURCE_STRUCTURE,
    conflict_field,
)
from mdm.golden import FIELD_COLUMNS
from mdm.linking.labels import plain_label
from mdm.linking.model import level_labels
from mdm.service import Service
from mdm.store import stewardship as steward_sql
from mdm.store.documents import mask_email, mask_phone

# How the steward's pages name what held a pair back ("different <field>" reads as itself).
_HELD_BACK_LABELS = {KEPT_APART: "a steward's decision", SOURCE_STRUCTURE: "the source structure",
                     JOINED_ANOTHER: "another golden record"}


def held_back_label(held_back_by: str | None) -> str:
    """A short name for an item's ``held_back_by``; "the clustering" when it was not stored."""
    if held_back_by is None:
        return "the clustering"
    return _HELD_BACK_LABELS.get(held_back_by, held_back_by.replace("_", " "))


def held_back_reasons(service: Service) -> list[str]:
    """Every reason a pair can be held back for under the loaded rules."""
    rules = service.matcher.rules if service.matcher else None
    fields = rules.matching.clustering.cannot_link_when_different if rules else []
    guarded = [c.name for c in rules.matching.comparisons if c.must_agree] if rules else []
    reasons = [f"{DISAGREEING}{c}" for c in guarded] + [f"{DIFFERENT}{f}" for f in fields]
    return reasons + list(HELD_BACK_REASONS)


FIELDS = (
    "full_name", "email", "phone", "date_of_birth", "address", "city", "postcode", "country", "company",
    "tax_id", "national_id", "updated_at", "dq_flags",
)


# The field a comparison of each kind that takes no column reads (email_birth_date reads two: no
# one field's); one that takes a column reads the field that column is the comparable form of.
_KIND_FIELDS = {"person_name": "full_name", "date_of_birth": "date_of_birth", "phone": "phone",
                "email": "email", "address": "address"}
_COLUMN_FIELDS = {comparable: field for field, (_shown, comparable, _valid) in FIELD_COLUMNS.items()}


def verdict(weight: float) -> str:
    """What a match weight says of a pair, in words, as its colour does: by its sign as shown (to two
    places). Not "agrees": a shared family name alone may count a little for a match, where the
    name guard calls the names different."""
    shown = round(weight, 2)
    return "for a match" if shown > 0 else "against a match" if shown < 0 else "no evidence"


def fields_weighed(service: Service, item: dict[str, Any]) -> dict[str, float | None]:
    """Each field of a presented ``item`` a comparison of the model reads, with the match weight
    its comparisons gave the pair (None: a value missing, or no evidence either way): the steward
    reads whether "HA NOI" and "Hà Nội" agree by the model's reading of them, not by their letters."""
    specs = comparisons(service)
    weighed: dict[str, float | None] = {}
    for part in item["explanation"]:
        spec = specs.get(part["comparison"])
        if spec and (field := _KIND_FIELDS.get(spec.kind) or _COLUMN_FIELDS.get(spec.column or "")):
            before = weighed.get(field)
            weight = None if part["gamma"] == -1 else part["match_weight"]
            weighed[field] = weight if before is None else before + (weight or 0.0)
    return weighed


def comparisons(service: Service) -> dict[str, Any]:
    """The loaded rules' comparisons by name: what a level's label reads as, and which field."""
    rules = service.matcher.rules if service.matcher else None
    return {c.name: c for c in rules.matching.comparisons} if rules else {}


def _record(key: str, row: dict[str, Any] | None, golden_id: str | None, sizes: dict[str, int],
            pii: bool) -> dict[str, Any]:
    source, source_id = key.split(":", 1)
    fields = {f: (row or {}).get(f) for f in FIELDS}
    if not pii:
        fields["email"] = fields["email"] and mask_email(fields["email"])
        fields["phone"] = fields["phone"] and mask_phone(fields["phone"])
    return {"source": source, "source_id": source_id, "golden_id": golden_id,
            "golden_record_count": sizes.get(golden_id or "", 0), "fields": fields}


def present(service: Service, items: list[dict[str, Any]], *, pii: bool, in_full: bool = True,
            ) -> list[dict[str, Any]]:
    """``in_full``: each level a stored gamma -1 stands for, by the live model (the pairs scored
    again), and the values in conflict: as a pair's page and the API show them. The queue page
    shows neither, and a page of a long queue scored its 100 pairs again for nothing."""
    con = service.reader()
    matcher = service.matcher
    settings = matcher.model.settings if matcher else {}
    labels = level_labels(settings)
    specs = comparisons(service)
    prior = settings.get("probability_two_random_records_match")
    prior_weight = math.log2(prior / (1 - prior)) if prior else None
    keys = sorted({k for i in items for k in (i["record_key_l"], i["record_key_r"])})
    rows = {r["record_key"]: r for r in steward_sql.std_rows(con, keys)}
    golden_of = {k: service.golden_id_for(*k.split(":", 1)) for k in keys}
    members = steward_sql.member_keys(con, sorted({g for g in golden_of.values() if g}))
    sizes = {g: len(ks) for g, ks in members.items()}
    values = _conflicting_values(con, items, golden_of, members, rows) if in_full else {}
    explained = [json.loads(item["explanation"]) if item["explanation"] else {} for item in items]
    # A stored gamma -1 is "missing" or "no evidence: ..."; the live model tells which, where it can.
    pairs = [(item["record_key_l"], item["record_key_r"]) for item in items]
    lives = matcher.unweighed_labels(pairs) if matcher and in_full else [{} for _ in items]
    out = []
    for item, explanation, live in zip(items, explained, lives, strict=True):
        unweighed = {name for name, part in explanation.items() if part["gamma"] == -1}
        held_back_by = item.get("held_back_by")
        why = matcher.why_queued(item["match_probability"], explanation, held_back_by) if matcher else None
        conflict = values.get(item["item_id"])
        out.append({
            **{k: item.get(k) for k in ("item_id", "status", "match_probability", "match_weight", "impact",
                                        "claimed_by", "claimed_at", "decision_id", "created_at")},
            "prior_match_weight": prior_weight,
            "queued_because": why and {"kind": why[0], "detail": why[1], "held_back_by": held_back_by,
                                       "conflict": conflict},
            "explanation": [
                {"comparison": name, "gamma": part["gamma"], "match_weight": part["match_weight"],
                 "level": plain_label((live.get(name) if name in unweighed else None) or labels.get(name, {})
                                      .get(part["gamma"], part.get("label") or f"level {part['gamma']}"),
                                      name, specs.get(name))}
                for name, part in explanation.items()
            ],
            **{side: _record(key, rows.get(key), golden_of[key], sizes, pii)
               for side, key in (("left", item["record_key_l"]), ("right", item["record_key_r"]))},
        })
    return out


def _conflicting_values(
    con: duckdb.DuckDBPyConnection,
    items: list[dict[str, Any]],
    golden_of: dict[str, str | None],
    members: dict[str, list[str]],
    rows: dict[str, dict[str, Any]],
) -> dict[str, dict[str, Any]]:
    """For each item held back by an identifier that differs ("different date_of_birth"), the
    values of it each golden record holds: the conflict may come from records other than the
    pair's own, which the pair's side-by-side view does not show. ``rows``: the standardised
    rows already read (the pairs' own); the other members' are read here."""
    field_of = {i["item_id"]: field for i in items if (field := conflict_field(i.get("held_back_by")))}
    if not field_of:
        return {}
    sides = {i["item_id"]: [golden_of[i["record_key_l"]], golden_of[i["record_key_r"]]]
             for i in items if i["item_id"] in field_of}
    keys = {k for golden_ids in sides.values() for g in golden_ids if g for k in members.get(g, [])}
    rows = {**rows, **{r["record_key"]: r for r in steward_sql.std_rows(con, sorted(keys - rows.keys()))}}

    def held_by(golden_id: str | None, field: str) -> list[str]:
        found = (rows[k].get(field) for k in members.get(golden_id or "", []) if k in rows)
        return sorted({str(v) for v in found if v is not None})

    return {item_id: {"field": field, "left": held_by(sides[item_id][0], field),
                      "right": held_by(sides[item_id][1], field)}
            for item_id, field in field_of.items()}

