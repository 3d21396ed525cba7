"""`mdm serve --phone-region`: a deployment outside Vietnam searches its customers' phones as
they are written there, without their country code."""

from __future__ import annotations

import signal

import duckdb
import phonenumbers
import uvicorn
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from api.main import app_from_env
from mdm.cli import app

runner = CliRunner()


def test_a_phone_searched_without_a_country_code_is_read_in_the_served_region(  # type: ignore[no-untyped-def]
    served_db, monkeypatch
):
    db, keys = served_db
    con = duckdb.connect(str(db), read_only=True)
    try:
        query = "SELECT phone FROM std_records WHERE phone LIKE '+447%' ORDER BY ALL LIMIT 1"
        (e164,) = con.execute(query).fetchone()
    finally:
        con.close()
    national = phonenumbers.format_number(phonenumbers.parse(e164), phonenumbers.PhoneNumberFormat.NATIONAL)
    monkeypatch.setattr(uvicorn, "run", lambda *args, **kwargs: None)  # the app is built below instead
    monkeypatch.setattr(signal, "signal", lambda *args: None)
    settings = ("MDM_DB", "MDM_SOURCES", "MDM_RULES", "MDM_BACKUP_DIR", "MDM_BACKUP_KEEP", "MDM_PHONE_REGION")
    for name in settings:
        monkeypatch.delenv(name, raising=False)  # restored after the test, whatever serve sets

    def found(region: str | None) -> int:
        given = ["--phone-region", region] if region else []
        served = runner.invoke(app, ["serve", "--db", str(db), *given])
        assert served.exit_code == 0, served.output
        with TestClient(app_from_env()) as client:
            page = client.get("/golden-records", params={"phone": national},
                              headers={"Authorization": f"Bearer {keys['reader']}"})
        assert page.status_code == 200, page.json()
        return int(page.json()["count"])

    assert found(None) == 0  # read in Vietnam, the default
    assert found("GB") > 0
    refused = runner.invoke(app, ["serve", "--db", str(db), "--phone-region", "UK"])
    assert refused.exit_code == 2 and "--phone-region: unknown region 'UK'" in refused.output
    assert "write 'GB'" in refused.output
