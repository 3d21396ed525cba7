"""Strict models for the matching and survivorship rules.

This package only declares; :mod:`mdm.linking` compiles the spec into Splink settings and
:mod:`mdm.survivorship` applies the survivorship rules. It imports nothing but pydantic, so a
steward can validate a rules file without the heavy dependencies.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

# Columns of the standardised record that comparisons and blocking rules may use. The
# standardisation step in mdm produces exactly these (a test holds the two together).
MATCH_COLUMNS: tuple[str, ...] = (
    "name_key",  # folded name tokens, sorted: order-insensitive
    "name_nospace",  # folded name in family-middle-given order without spaces
    "name_parts",  # name_key's words and the parts of hyphenated ones (davisyarwell davis yarwell)
    "family",
    "given",
    "middles",
    "given_accented",  # the given name with its diacritics, where the name is written with them
    "name_skeleton",  # family and given names' consonants, one key for Arabic-script and Latin spellings
    "email_key",  # canonical matching form of a valid email
    "email_local_digits",  # whether the local part has digits (name-only addresses are shared)
    "email_alone",  # email_key again, with frequencies of its own: the email where it is all a pair compares
    "phone",  # E.164
    "phone_type",  # mobile | fixed_line | other
    "phone_extension",  # the extension written after the number: a switchboard's employees differ in it
    "phone_head",  # the phone without its last three digits,
    "phone_gap",  # ... without the three before them,
    "phone_tail",  # ... and its last six alone: a typo leaves two of the three whole
    "date_of_birth",  # ISO yyyy-mm-dd text
    "birth_year",
    "address_norm",
    "house_number",
    "street",
    "city_norm",
    "postcode",
    "country",
    "national_id",
    "tax_id",
    "company_key",
)

# Golden-record attributes and the standardised field each takes its candidates from.
GOLDEN_FIELDS: tuple[str, ...] = (
    "full_name",
    "email",
    "phone",
    "date_of_birth",
    "address",
    "city",
    "postcode",
    "country",
    "company",
    "tax_id",
    "national_id",
)

RuleName = Literal[
    "valid_only",
    "prefer_valid",
    "source_priority",
    "most_recent",
    "most_frequent",
    "most_complete",
    "most_specific",
    "collect_all",
]

MatchColumn = Literal[MATCH_COLUMNS]  # type: ignore[valid-type]
Probability = Annotated[float, Field(gt=0.0, lt=1.0)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ComparisonSpec(_Strict):
    """One comparison: a kind with fixed levels over known standardised columns."""

    name: str = Field(pattern=r"^[a-z_][a-z0-9_]*$")
    kind: Literal[
        "person_name", "date_of_birth", "phone", "email", "email_birth_date", "address", "exact", "city",
        "postcode", "jaro_winkler", "identifier",
    ]
    column: MatchColumn | None = None
    term_frequency: bool = False
    # The value's frequency among different people of the same name, not among all records,
    # for a value that depends on the name (a city: names and where their holders live go
    # together). Needs term_frequency.
    frequency_among_namesakes: bool = False
    # The value's frequency among the records of other people than its holder, for a value
    # that says who someone is (a name): a rare name's other holders are mostly the same
    # customer's other records. Witnessed by birth dates and mobile numbers. Needs term_frequency.
    frequency_among_other_people: bool = False
    # ... and a pair sharing a value n records hold is worth the odds its holders' pairs are one
    # customer at, whatever n (an e-mail three newsletter records of one subscriber hold), not
    # those odds shared among the n - 1 other holders. Needs frequency_among_other_people.
    odds_from_holders: bool = False
    thresholds: tuple[float, ...] = ()
    # A column whose difference counts this one's too (exact, city or postcode kind): where both records hold
    # both and both differ, this difference is no further evidence. A customer who moved has
    # another address, city and postcode: one fact, counted once (by the address), not three
    # times as though they were independent.
    difference_counted_by: MatchColumn | None = None
    # A pair whose values disagree here is never linked automatically, however much else
    # agrees; it goes to review. For names: family members share an address, a landline and
    # sometimes an email, and must not be merged for that.
    must_agree: bool = False
    # ... unless one of these comparisons agrees exactly (reaches its top level): the same
    # national id outweighs a replaced or misspelt name. Names of other comparisons, or lists
    # of names that must all agree: a household shares a mobile or an email at times, seldom
    # both with a birthday or with each other.
    unless_agree: list[str | list[str]] = Field(default_factory=list)
    # ... or unless one of these agrees exactly and the values here share nothing at all (the
    # else level, not a partial one): the same birthday outweighs a changed family name, but
    # not a sibling's name, since twins share a birthday and a home.
    unless_agree_unrelated: list[str] = Field(default_factory=list)

    @property
    def unless_agree_groups(self) -> list[list[str]]:
        """``unless_agree`` with each name alone written as a group of one."""
        return [[entry] if isinstance(entry, str) else entry for entry in self.unless_agree]

    @model_validator(mode="after")
    def _column_when_needed(self) -> ComparisonSpec:
        generic = self.kind in ("exact", "city", "postcode", "jaro_winkler", "identifier")
        if generic and self.column is None:
            raise ValueError(f"comparison {self.name!r} of kind {self.kind!r} needs 'column'")
        if not generic and self.column is not None:
            raise ValueError(f"comparison {self.name!r} of kind {self.kind!r} takes no 'column'")
        if self.frequency_among_namesakes and not (generic and self.term_frequency):
            raise ValueError(
                f"comparison {self.name!r}: frequency_among_namesakes needs a column and term_frequency: true"
            )
        if self.difference_counted_by is not None and self.kind not in ("exact", "city", "postcode"):
            raise ValueError(
                f"comparison {self.name!r}: difference_counted_by needs kind 'exact', 'city' or 'postcode'"
            )
        if self.frequency_among_other_people and not self.term_frequency:
            raise ValueError(f"comparison {self.name!r}: frequency_among_other_people needs term_frequency: true")
        if self.odds_from_holders and not self.frequency_among_other_people:
            raise ValueError(f"comparison {self.name!r}: odds_from_holders needs frequency_among_other_people: true")
        if self.frequency_among_other_people and self.frequency_among_namesakes:
            raise ValueError(
                f"comparison {self.name!r}: frequency_among_other_people and frequency_among_namesakes exclude each other"
            )
        if any(not 0 < t < 1 for t in self.thresholds) or list(self.thresholds) != sorted(
            self.thresholds, reverse=True
        ):
            raise ValueError(f"comparison {self.name!r}: thresholds must be in (0, 1), highest first")
        return self


class BlockingRuleSpec(_Strict):
    """Records equal on every column (none null) are compared.

    ``max_block_size`` leaves out blocks larger than that: a value shared by hundreds of
    records (a common name in a big city, a shop's landline, a name-only email) does not
    identify anyone, and its pairs grow with the square of the data. Those records are still
    compared through the other rules.
    """

    columns: list[MatchColumn] = Field(min_length=1)  # type: ignore[valid-type]
    max_block_size: int | None = Field(default=None, ge=2)


class SharedValuesSpec(_Strict):
    """A value that records of many different given names hold is nobody's: an agent's own phone
    or e-mail typed in for each customer who gave none, a shop's landline, a company's tax id.
    Matching leaves it out (it is neither evidence for nor against a match); the records keep it.

    ``min_given_names``: how many distinct given names among its holders make a value shared.
    One customer's records write one given name, now and then misspelt; a household has a few.
    """

    columns: list[Literal["phone", "email_key", "national_id", "tax_id"]] = Field(min_length=1)
    min_given_names: int = Field(ge=2)


class ThresholdsSpec(_Strict):
    """Where a rules file leaves them out, cautious thresholds: the packaged rules' 0.85 / 0.6
    were measured for the packaged comparisons (bench/NOTES.md), not for a model of one's own."""

    auto_link: Probability = 0.95
    review: Probability = 0.5

    @model_validator(mode="after")
    def _ordered(self) -> ThresholdsSpec:
        if self.review >= self.auto_link:
            raise ValueError("thresholds.review must be below thresholds.auto_link")
        return self


class TrainingSpec(_Strict):
    """Unsupervised training: prior from deterministic rules, u by sampling, m by EM."""

    prior_rules: list[list[MatchColumn]] = Field(min_length=1)
    prior_recall: Probability = 0.7
    u_max_pairs: float = Field(default=1e7, gt=0)
    em_blocking: list[list[MatchColumn]] = Field(min_length=1)
    em_max_pairs: float = Field(default=2e6, gt=0)
    seed: int = 1


class ClusteringSpec(_Strict):
    """Two clusters never join when these strong identifiers contradict each other."""

    cannot_link_when_different: list[Literal["date_of_birth", "national_id", "tax_id"]] = Field(
        default_factory=list
    )
    # A pair that compared the two differing values itself and still scored at least this match
    # weight links anyway: the model has weighed the difference (a mistyped date, a re-keyed id).
    # Conflicts it did not see, through other records of the two clusters, still refuse.
    seen_conflict_min_weight: float | None = None
    # Weigh each join by the source systems of the two clusters: one customer seldom has two
    # records in one system, two customers' records mostly share their systems. How much that
    # counts is measured on each run's own near-certain links (mdm.clustering); a pair in the
    # review band may then link, and an automatic link that would put two records of one
    # system together may wait for a steward instead.
    source_structure: bool = False


class MatchingSpec(_Strict):
    comparisons: list[ComparisonSpec] = Field(min_length=1)
    blocking: list[BlockingRuleSpec] = Field(min_length=1)
    training: TrainingSpec
    shared_values: SharedValuesSpec | None = None
    thresholds: ThresholdsSpec = ThresholdsSpec()
    clustering: ClusteringSpec = ClusteringSpec()

    @field_validator("blocking", mode="before")
    @classmethod
    def _blocking_shorthand(cls, rules: Any) -> Any:
        """``[phone]`` is ``{columns: [phone]}``, expanded before validation so that a mistake in
        either form is reported once, at its own key."""
        if not isinstance(rules, list):
            return rules
        return [{"columns": r} if isinstance(r, list) else r for r in rules]

    def blocking_rules(self) -> list[BlockingRuleSpec]:
        return list(self.blocking)

    @model_validator(mode="after")
    def _unique_names(self) -> MatchingSpec:
        names = [c.name for c in self.comparisons]
        dupes = {n for n in names if names.count(n) > 1}
        if dupes:
            raise ValueError(f"comparison names used twice: {', '.join(sorted(dupes))}")
        for c in self.comparisons:
            named_by = {"unless_agree": [n for group in c.unless_agree_groups for n in group],
                        "unless_agree_unrelated": c.unless_agree_unrelated}
            for key, named in named_by.items():
                unknown = [n for n in named if n not in names or n == c.name]
                if unknown:
                    raise ValueError(f"comparison {c.name!r}: {key} names no other comparison: {', '.join(unknown)}")
        return self


class AttributeSpec(_Strict):
    """How one golden attribute is chosen; ``field`` defaults to the attribute's own name."""

    field: Literal[GOLDEN_FIELDS] | None = None  # type: ignore[valid-type]
    rules: list[RuleName] = Field(min_length=1)
    # This attribute's own trust in the sources, most trusted first, for source_priority: the
    # shipping system for addresses, say, where the billing one is trusted most overall. Sources
    # not named follow, by their `priority` in the source config.
    source_order: list[Annotated[str, Field(min_length=1)]] | None = Field(default=None, min_length=1)

    @model_validator(mode="after")
    def _rules_agree(self) -> AttributeSpec:
        if "collect_all" in self.rules and self.rules[-1] != "collect_all":
            raise ValueError("collect_all must be the last rule (it keeps every remaining value)")
        if self.source_order is not None:
            if "source_priority" not in self.rules:
                raise ValueError(
                    "source_order orders the sources for source_priority, which rules does not name")
            twice = sorted({s for s in self.source_order if self.source_order.count(s) > 1})
            if twice:
                raise ValueError(f"source_order names {', '.join(twice)} twice")
        return self


class RulesSpec(_Strict):
    matching: MatchingSpec
    survivorship: dict[str, AttributeSpec]

    @field_validator("survivorship", mode="before")
    @classmethod
    def _rules_shorthand(cls, attributes: Any) -> Any:
        """``phone: [most_recent]`` is ``phone: {rules: [most_recent]}``, expanded before
        validation: an empty list or a misspelt rule is refused when the file is read, not at
        the golden stage of a run."""
        if not isinstance(attributes, dict):
            return attributes
        return {name: {"rules": v} if isinstance(v, list) else v for name, v in attributes.items()}

    @field_validator("survivorship")
    @classmethod
    def _golden_fields(cls, attributes: dict[str, AttributeSpec]) -> dict[str, AttributeSpec]:
        for name, spec in attributes.items():
            if (spec.field or name) not in GOLDEN_FIELDS:
                raise ValueError(
                    f"survivorship attribute {name!r} needs 'field' naming one of {', '.join(GOLDEN_FIELDS)}"
                )
        return attributes

    def attributes(self) -> dict[str, AttributeSpec]:
        """Survivorship with ``field`` filled in."""
        attributes = self.survivorship.items()
        return {name: spec.model_copy(update={"field": spec.field or name}) for name, spec in attributes}

    def attribute_fields(self) -> dict[str, str]:
        """Each golden attribute's standardised field (``all_emails`` → ``email``)."""
        return {name: spec.field or name for name, spec in self.attributes().items()}
