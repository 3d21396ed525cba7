"""The source config: the public contract downstream teams write for their own systems.

A YAML file lists the sources; each maps the product's canonical fields to its own columns.
Paths are relative to the YAML file. Every mistake (unknown key, unknown canonical field, bad
format, duplicate name) fails with the file, the source and the key named.
"""

from __future__ import annotations

import codecs
import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import phonenumbers
from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from matching_rules.yaml_file import KeyWrittenTwice, YamlFileError, problem, read_yaml
from mdm.errors import ConfigError
from mdm.sources.missing import MISSING_VALUES
from mdm.standardise.text import whole_number

CANONICAL_FIELDS: tuple[str, ...] = (
    "full_name",
    "first_name",
    "last_name",
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
    "updated_at",
)


class FirstOf(BaseModel):
    """A field read from the first of its columns that holds a value: a system writing one thing in
    two places (Shopify's ``phone`` and ``default_address.phone``), often both. A list of columns
    joins them with a space, which makes an address of its parts but of two phones no number."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    first_of: list[str] = Field(min_length=1)


# Tags of a mapping's forms: pydantic puts them in an error's location, where no key of the YAML is.
_COLUMN, _COLUMNS, _FIRST_OF = "(column)", "(columns)", "(first_of)"


def _ref_kind(value: Any) -> str:
    """Which form a field's mapping is written in: pydantic then reports only that form's errors
    (a typo in ``first_of`` is an unknown key, not three failed alternatives)."""
    if isinstance(value, dict | FirstOf):
        return _FIRST_OF
    return _COLUMNS if isinstance(value, list) else _COLUMN


ColumnRef = Annotated[
    Annotated[str, Tag(_COLUMN)] | Annotated[list[str], Tag(_COLUMNS)] | Annotated[FirstOf, Tag(_FIRST_OF)],
    Discriminator(_ref_kind),
]


def _columns(ref: ColumnRef) -> list[str]:
    if isinstance(ref, FirstOf):
        return list(ref.first_of)
    return [ref] if isinstance(ref, str) else list(ref)


# Codes people write for a region whose ISO 3166 code (the one phonenumbers knows) differs.
_REGION_ALIASES = {"UK": "GB", "EL": "GR"}


def known_region(value: str) -> str:
    """A phone region phonenumbers knows; a code it does not would leave every number written
    without a country code unread."""
    if value.upper() in phonenumbers.SUPPORTED_REGIONS:  # 'vn' is VN
        return value.upper()
    alias = _REGION_ALIASES.get(value.upper())
    hint = f"; for {value} write {alias!r}" if alias else ""
    raise ValueError(f"unknown region {value!r} (an ISO 3166 code, like 'VN' or 'GB'{hint})")


# The values that say deleted where the config names none.
DELETED_VALUES = ("true", "1", "y", "yes")
# What an ``any_value`` column holds on a row not deleted, besides no value: a JSON or Parquet false
# (a system writing false until it deletes), a Unix time's 0 ("never"). Neither is ever the time
# of a deletion, and read as a value each would delete every row not deleted.
NOT_DELETED = ("false", "0")

_URI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")  # hdfs://, s3a://, file://


class DeletedFlag(BaseModel):
    """The column of an extract saying its system deleted a row's record (a change feed's ``op``, a
    soft delete's ``is_deleted``), and the values that say it, or any value at all (a soft delete's
    ``deleted_at``, set when the record is deleted): a run leaves such a row's key out."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    column: str = Field(min_length=1)
    # Compared trimmed and case-insensitively; YAML's true and 1 read as "true" and "1", as the
    # readers render a JSON or Parquet true and 1 (and a float column's 1.0, in a CSV too).
    # None: DELETED_VALUES.
    values: tuple[str, ...] | None = Field(default=None, min_length=1)
    # Any value says deleted: one not blank, no export's marker for no value (NULL, \N: a dump
    # writes one in every row not deleted) and none of NOT_DELETED. A flag of its own, not a value
    # of `values`, so that no value a column may hold (the text "any") reads as every value.
    any_value: bool = False

    @field_validator("values", mode="before")
    @classmethod
    def _as_text(cls, value: Any) -> Any:
        if not isinstance(value, list | tuple):
            return value
        return [("true" if v else "false") if isinstance(v, bool) else str(v) if isinstance(v, int) else v
                for v in value]

    @field_validator("values")
    @classmethod
    def _comparable(cls, value: tuple[str, ...] | None) -> tuple[str, ...] | None:
        if value is None:
            return None
        if any(not v.strip() for v in value):
            raise ValueError("a blank value would take every row with no flag for a deletion")
        return tuple(v.strip().lower() for v in value)

    @model_validator(mode="after")
    def _values_or_any_value(self) -> DeletedFlag:
        if self.any_value and self.values is not None:
            raise ValueError("write `values` (those saying deleted) or `any_value: true` (any value"
                             " does), not both")
        return self

    def says_deleted(self, values: Mapping[str, str | None]) -> bool:
        flag = (values.get(self.column) or "").strip()
        if self.any_value:
            return bool(flag) and flag not in MISSING_VALUES and whole_number(flag.lower()) not in NOT_DELETED
        return whole_number(flag.lower()) in (self.values or DELETED_VALUES)


class SourceSpec(BaseModel):
    """One source system's extract and how its columns map to canonical fields."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(max_length=64)
    path: str
    format: Literal["csv", "json", "jsonl", "parquet"]
    id_column: str = Field(min_length=1)
    priority: int = Field(default=100, ge=1)
    phone_region: str | None = None
    date_order: Literal["day_first", "month_first"] = "day_first"
    # The time zone of timestamps written without an offset (IANA name: "Asia/Ho_Chi_Minh").
    timezone: str = "UTC"
    delimiter: str = ","
    encoding: str = "utf-8"
    # Lines above a CSV's header to skip: a BI tool's report writes a title and a blank line there.
    skip_lines: int = Field(default=0, ge=0, le=1000)
    # Validated when left out too: a source mapping nothing to match is a mistake (_known_fields).
    fields: dict[str, ColumnRef] = Field(default_factory=dict, validate_default=True)
    # The share of the source's published records a run may find gone from its extract; more
    # stops the run before it publishes (mdm/removals.py), unless told to accept the removals.
    max_removed_share: float = Field(default=0.2, ge=0.0, le=1.0)
    # "full": the extract holds every record of the system, and a record missing from it is gone.
    # "changes": it holds the records new or changed since the last one (a daily delta); the others
    # stay as the database last stored them (mdm/ingest.py: carry_forward).
    extract: Literal["full", "changes"] = "full"
    # A column whose values say the system deleted the row's record: the run takes the key's
    # record out (mdm/ingest.py), in an extract of either kind.
    deleted: DeletedFlag | None = None

    # Resolved against the YAML file's folder by the loader; not part of the YAML.
    base_dir: Path = Field(default=Path("."), exclude=True)

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r} (an IANA name, like 'Asia/Ho_Chi_Minh' or 'UTC')") from None
        return value

    @field_validator("delimiter")
    @classmethod
    def _one_character(cls, value: str) -> str:
        if value == "\\t":
            raise ValueError("'\\t' in single quotes is two characters, a backslash and a t: write \"\\t\""
                             " (in double quotes YAML reads it as a tab)")
        if len(value) != 1:
            raise ValueError(f"a delimiter is one character, not {value!r}")
        return value

    @field_validator("encoding")
    @classmethod
    def _known_encoding(cls, value: str) -> str:
        # Checked here, not when the file is opened: the error names the YAML file before a source is read.
        try:
            text = getattr(codecs.lookup(value), "_is_text_encoding", True)
        except LookupError:
            text = False
        if not text:
            raise ValueError(f"unknown encoding {value!r} (a Python codec name: 'utf-8', 'cp1252', 'cp1258')")
        return value

    @field_validator("name")
    @classmethod
    def _name_for_paths(cls, value: str) -> str:
        # The name is a path segment of the API (/sources/{name}/records) and a value in every table.
        if not re.fullmatch(r"[A-Za-z0-9_][A-Za-z0-9_.-]*", value):
            suggestion = re.sub(r"[^A-Za-z0-9_.-]+", "_", value.strip()).strip("_.-").lower() or "crm"
            raise ValueError(f"a source name is letters, digits, '_', '.' and '-', starting with a letter,"
                             f" digit or '_' (it names the source in the API's paths): {value!r} could be"
                             f" {suggestion!r}")
        return value

    @field_validator("skip_lines")
    @classmethod
    def _csv_lines(cls, value: int, info: ValidationInfo) -> int:
        if value and info.data.get("format", "csv") != "csv":
            raise ValueError("only a CSV source has lines above its header to skip")
        return value

    @field_validator("phone_region")
    @classmethod
    def _known_region(cls, value: str | None) -> str | None:
        return value if value is None else known_region(value)

    @field_validator("fields")
    @classmethod
    def _known_fields(cls, value: dict[str, ColumnRef], info: ValidationInfo) -> dict[str, ColumnRef]:
        for key, columns in value.items():
            if key not in CANONICAL_FIELDS:
                raise ValueError(
                    f"unknown canonical field {key!r} (known: {', '.join(CANONICAL_FIELDS)})"
                )
            cols = _columns(columns)
            if not cols or any(not c for c in cols):
                raise ValueError(f"field {key!r} maps to an empty column name")
        # A config a run stored before this check is read back as it ran (``stored``).
        if not value.keys() - {"updated_at"} and not (info.context or {}).get("stored"):
            mapped = "only updated_at" if value else "no canonical field"
            raise ValueError(
                f"maps {mapped}: each record would be its key alone, flagged no_mapped_value, and match"
                f" nothing; map the columns of at least one of"
                f" {', '.join(f for f in CANONICAL_FIELDS if f != 'updated_at')}")
        return value

    @property
    def file(self) -> Path:
        """The extract: the path as written, ``~`` being the user's home, resolved against the
        YAML file's folder."""
        return (self.base_dir / Path(self.path).expanduser()).resolve()

    @property
    def location(self) -> str:
        """Where an engine that reads URIs (Spark) finds the extract: a URI (hdfs://, s3a://,
        file://) exactly as written, else the path resolved against the YAML file's folder
        (a file, a folder or a glob)."""
        if _URI.match(self.path):
            return self.path
        return str(self.base_dir.resolve() / Path(self.path).expanduser())

    @property
    def shown(self) -> str:
        """The extract as an error names it: a URI as written (resolved as a file it is no path),
        else the file."""
        return self.path if _URI.match(self.path) else str(self.file)

    def columns_for(self, field: str) -> list[str]:
        ref = self.fields.get(field)
        return [] if ref is None else _columns(ref)

    def mapped_columns(self) -> dict[str, list[str]]:
        """Every column this source needs from its file, keyed by the config key naming it."""
        needed = {"id_column": [self.id_column]}
        needed.update({f"fields.{f}": self.columns_for(f) for f in self.fields})
        if self.deleted is not None:
            needed["deleted.column"] = [self.deleted.column]
        return needed


class SourcesConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    sources: list[SourceSpec] = Field(min_length=1)
    path: Path = Field(default=Path("sources.yaml"), exclude=True)

    @model_validator(mode="after")
    def _unique_names(self) -> SourcesConfig:
        seen: set[str] = set()
        for src in self.sources:
            if src.name in seen:
                raise ValueError(f"source name {src.name!r} is used twice")
            seen.add(src.name)
        return self

    def source(self, name: str) -> SourceSpec:
        for src in self.sources:
            if src.name == name:
                return src
        raise ConfigError(f"{self.path}: no source named {name!r}")


def _describe_location(raw: Any, loc: tuple[Any, ...]) -> str:
    """Turn pydantic's ('sources', 2, 'fields', 'x') into "source 'billing', key 'fields.x'"."""
    if len(loc) >= 2 and loc[0] == "sources" and isinstance(loc[1], int):
        name = None
        try:
            name = raw["sources"][loc[1]].get("name")
        except (KeyError, IndexError, TypeError, AttributeError):
            pass
        label = f"source {name!r}" if name else f"source #{loc[1] + 1}"
        key = ".".join(str(p) for p in loc[2:]
                       if not str(p).startswith("function-") and p not in (_COLUMN, _COLUMNS, _FIRST_OF))
        return f"{label}, key {key!r}" if key else label
    return "key " + repr(".".join(str(p) for p in loc)) if loc else "top level"


def parse_sources(raw: Any, path: Path, *, stored: bool = False) -> SourcesConfig:
    """Validate already-parsed YAML; paths resolve against ``path``'s folder. ``stored``: a config
    a run stored, which ran, read back without the checks added since (a database kept across an
    upgrade still serves)."""
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: expected a mapping with a 'sources' list at the top level")
    try:
        config = SourcesConfig.model_validate(raw, context={"stored": stored})
    except ValidationError as e:
        problems = []
        for err in e.errors():
            problems.append(f"{path}: {_describe_location(raw, tuple(err['loc']))}: {problem(err)}")
        raise ConfigError("\n".join(problems)) from None
    base = path.parent
    sources = [s.model_copy(update={"base_dir": base}) for s in config.sources]
    return config.model_copy(update={"sources": sources, "path": path})


def load_sources(path: str | Path) -> SourcesConfig:
    """Read and validate a sources YAML file."""
    path = Path(path)
    try:
        raw = read_yaml(path, "sources file")
    except KeyWrittenTwice as e:
        where = _describe_location(e.raw, e.loc)
        lines = f"lines {e.lines[0]} and {e.lines[1]}"
        raise ConfigError(f"{path}: {where}: written twice ({lines}); write it once") from None
    except YamlFileError as e:
        raise ConfigError(str(e)) from None
    return parse_sources(raw, path)


def sources_to_json(config: SourcesConfig) -> str:
    """The validated config as JSON, to store with a run; :func:`sources_from_json` reads it back."""
    return json.dumps({"path": str(config.path.resolve()), "config": config.model_dump(mode="json")})


def sources_from_json(text: str) -> SourcesConfig:
    stored = json.loads(text)
    return parse_sources(stored["config"], Path(stored["path"]), stored=True)
