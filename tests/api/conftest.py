"""A served copy of the small reconciled sample, with one API key per role."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from api.settings import ApiSettings
from mdm.store import database, keys


@dataclass
class Api:
    client: TestClient
    db: Path
    keys: dict[str, str]  # role (or "reader_pii", "admin") -> key

    def headers(self, who: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.keys[who]}"}

    def get(self, path: str, who: str = "reader", **kw):  # type: ignore[no-untyped-def]
        return self.client.get(path, headers=self.headers(who), **kw)

    def post(self, path: str, who: str = "writer", **kw):  # type: ignore[no-untyped-def]
        return self.client.post(path, headers=self.headers(who), **kw)


def make_keys(db: Path) -> dict[str, str]:
    con = database.connect(db)
    try:
        out = {role: keys.create_key(con, name=f"test-{role}", role=role, pii=False)[1] for role in keys.ROLES}
        out["reader_pii"] = keys.create_key(con, name="test-reader-pii", role="reader", pii=True)[1]
    finally:
        con.close()
    return out


def apart(items: list[dict]) -> tuple[dict, dict]:
    """The first review item and the next that shares no golden record with it: undoing a decision
    waits for later decisions on the same golden records, so tests deciding both keep them apart."""
    def sides(item: dict) -> set[str]:
        return {item["left"]["golden_id"], item["right"]["golden_id"]}

    return items[0], next(i for i in items[1:] if not sides(i) & sides(items[0]))


@pytest.fixture
def served_db(reconciled: tuple[Path, object], tmp_path: Path) -> tuple[Path, dict[str, str]]:
    db = tmp_path / "served.duckdb"
    shutil.copy(reconciled[0], db)
    return db, make_keys(db)


@pytest.fixture
def api(served_db: tuple[Path, dict[str, str]]) -> Iterator[Api]:
    db, made = served_db
    with TestClient(create_app(ApiSettings(db_path=db))) as client:
        yield Api(client, db, made)
