"""Source systems: the YAML contract that describes them and the readers for their extracts."""

from mdm.sources.config import (
    CANONICAL_FIELDS,
    SourcesConfig,
    SourceSpec,
    load_sources,
    sources_from_json,
    sources_to_json,
)
from mdm.sources.readers import RawRow, read_source

__all__ = ["CANONICAL_FIELDS", "RawRow", "SourceSpec", "SourcesConfig", "load_sources", "read_source", "sources_from_json",
           "sources_to_json"]
