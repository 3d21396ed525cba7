"""Service settings: the database file and, optionally, the source config and rules to use."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field


class ApiSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    db_path: Path
    # Default: the source config recorded by the newest successful batch run.
    sources_path: Path | None = None
    rules_path: Path | None = None
    # Region for phone numbers typed into search without a country code.
    search_phone_region: str = "VN"
    # Seconds before a subscription's failing URL is tried again; doubled at each failure.
    delivery_backoff: float = 5.0
    # The largest request body taken (a batch of 1,000 records is well under 1 MiB); larger is a 413.
    max_body_bytes: int = 8 * 2**20
    # Where POST /backups writes its copies; default: a ``backups`` folder beside the database.
    backup_dir: Path | None = None
    # How many backups POST /backups keeps, deleting the oldest beyond; None keeps every one.
    backup_keep: int | None = Field(default=None, ge=1)
