"""A comparison level's label as a steward reads it: "different names", "same city".

The labels a model stores are Splink's ("All other comparisons", its level below every other)
and name our columns ("same city_norm"). They are keys too: training finds levels by them, and a
model trained before keeps its own. So they are put in plain words where shown, not changed.
"""

from __future__ import annotations

import re

from matching_rules.schema import ComparisonSpec

# Splink's label of a comparison's last level: values that reached no other level.
ELSE_LABEL = "All other comparisons"

# The else level of each kind of comparison that reads no one column, in words.
_DIFFERENT = {"person_name": "different names", "date_of_birth": "different dates of birth",
              "phone": "different numbers", "email": "different emails", "address": "different addresses",
              "email_birth_date": "neither email holds the other's birth date"}

# A column a label names, as the steward knows its field; other columns lose their underscores.
_FIELDS = {"city_norm": "city", "company_key": "company", "address_norm": "address", "email_key": "email",
           "name_key": "name"}
_COLUMN = re.compile(r"\b(" + "|".join(_FIELDS) + r")\b")
_SIMILAR = re.compile(r"(\w+) Jaro-Winkler >= ([0-9.]+)")


def plain_label(label: str, comparison: str, spec: ComparisonSpec | None) -> str:
    """``label`` of a level of ``comparison`` (``spec``: as the loaded rules define it, None when
    they have no such comparison): "different city" for Splink's "All other comparisons", "similar
    street (similarity 0.9 or more)" for "street Jaro-Winkler >= 0.9"."""
    if label == ELSE_LABEL:
        kind, subject = (spec.kind, spec.column or comparison) if spec else ("", comparison)
        return _DIFFERENT.get(kind) or f"different {_words(subject)}"
    return _words(_SIMILAR.sub(r"similar \1 (similarity \2 or more)", label))


def _words(text: str) -> str:
    return _COLUMN.sub(lambda m: _FIELDS[m[1]], text).replace("_", " ")
