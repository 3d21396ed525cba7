"""Declarative matching and survivorship rules, validated by strict pydantic models."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from pydantic import ValidationError

from matching_rules.schema import (
    GOLDEN_FIELDS,
    MATCH_COLUMNS,
    AttributeSpec,
    BlockingRuleSpec,
    ComparisonSpec,
    MatchingSpec,
    RulesSpec,
    SharedValuesSpec,
)
from matching_rules.yaml_file import YamlFileError, problem, read_yaml

DEFAULT_RULES = Path(__file__).with_name("default.yaml")

__all__ = [
    "DEFAULT_RULES",
    "GOLDEN_FIELDS",
    "MATCH_COLUMNS",
    "AttributeSpec",
    "BlockingRuleSpec",
    "ComparisonSpec",
    "MatchingSpec",
    "RulesError",
    "RulesSpec",
    "SharedValuesSpec",
    "load_rules",
    "matching_fingerprint",
]


class RulesError(ValueError):
    """A rules file is invalid; the message names the file and the key."""


def load_rules(path: str | Path | None = None) -> RulesSpec:
    """Read and validate a rules YAML file (the packaged default when ``path`` is None)."""
    path = Path(path) if path is not None else DEFAULT_RULES
    try:
        raw = read_yaml(path, "rules file")
    except YamlFileError as e:
        raise RulesError(str(e)) from None
    try:
        return RulesSpec.model_validate(raw)
    except ValidationError as e:
        lines = []
        for err in e.errors():
            key = ".".join(str(p) for p in err["loc"] if not str(p).startswith("function-"))
            lines.append(f"{path}: key {key!r}: {problem(err)}")
        raise RulesError("\n".join(lines)) from None


def matching_fingerprint(spec: MatchingSpec) -> str:
    """A digest of what a trained model depends on: comparisons and training, not thresholds."""
    payload = spec.model_dump(include={"comparisons", "training"}, mode="json")
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()[:16]
