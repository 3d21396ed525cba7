"""A search says the country its phone and ids are written in: a deployment serving Brazil and
Vietnam finds a CPF and a São Paulo mobile as a Brazilian source holds them."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from api.main import create_app
from api.settings import ApiSettings
from mdm.pipeline import reconcile
from tests.api.conftest import make_keys
from tests.conftest import TODAY
from tests.test_end_to_end import _sample_with


def test_a_search_reads_its_phone_and_ids_in_the_region_it_names(small_sample: Path, tmp_path: Path) -> None:
    rows = {"lojas": [["BR1", "Ana Beatriz Souza", "(11) 91234-5678", "123.456.789-09", "São Paulo"]]}
    fields = {"full_name": "name", "phone": "phone", "national_id": "cpf", "city": "city"}
    path = _sample_with(small_sample, tmp_path, rows, ["id", "name", "phone", "cpf", "city"], fields, "BR")
    db = tmp_path / "br.duckdb"
    assert reconcile(path, db, today=TODAY).status == "succeeded"
    headers = {"Authorization": f"Bearer {make_keys(db)['reader']}"}
    with TestClient(create_app(ApiSettings(db_path=db))) as client:

        def found(**params: str) -> list[str]:
            page = client.get("/golden-records", params=params, headers=headers)
            assert page.status_code == 200, page.json()
            return [hit["golden_record"]["attributes"]["full_name"] for hit in page.json()["data"]]

        # Read in Vietnam, the service's region, a CPF is a CCCD missing its zero, and the mobile
        # a Vietnamese number: neither is hers.
        assert found(national_id="123.456.789-09") == []
        assert found(phone="(11) 91234-5678") == []
        assert found(national_id="123.456.789-09", region="BR") == ["Ana Beatriz Souza"]
        assert found(phone="(11) 91234-5678", region="br") == ["Ana Beatriz Souza"]
        # Written with its country code, the phone is hers whatever region the search names.
        for region in ("VN", "BR", "GB"):
            assert found(phone="+55 11 91234-5678", region=region) == ["Ana Beatriz Souza"]

        for written, said in (("ZZ", "unknown region 'ZZ'"), ("UK", "write 'GB'"), ("", "unknown region ''")):
            refused = client.get("/golden-records", params={"phone": "+55 11 91234-5678", "region": written},
                                 headers=headers)
            assert refused.status_code == 422, refused.json()
            assert "field 'region'" in refused.text and said in refused.text, refused.json()
