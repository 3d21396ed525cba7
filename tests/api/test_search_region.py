"""A search says the country its phone and ids are written in: a deployment serving Brazil and
Vietnam finds a CPF and a São Paulo mobile as a Brazilian source holds them."""

from __future__ import annotations

from functools import partial
from pathlib import Path

from fastapi.testclient import TestClient

from api.main import create_app
from api.settings import ApiSettings
from mdm.pipeline import reconcile
from tests.api.conftest import Api, make_keys
from tests.conftest import TODAY
from tests.test_end_to_end import _sample_with


def _with_a_brazilian(small_sample: Path, tmp_path: Path) -> Path:
    """The sample reconciled with a Brazilian source's customer: her CPF and São Paulo mobile."""
    rows = {"lojas": [["BR1", "Ana Beatriz Souza", "(11) 91234-5678", "123.456.789-09", "São Paulo"]]}
    fields = {"full_name": "name", "phone": "phone", "national_id": "cpf", "city": "city"}
    path = _sample_with(small_sample, tmp_path, rows, ["id", "name", "phone", "cpf", "city"], fields, "BR")
    db = tmp_path / "br.duckdb"
    assert reconcile(path, db, today=TODAY).status == "succeeded"
    return db


def _names_found(client: TestClient, headers: dict[str, str], **params: str) -> list[str]:
    """The full names of the golden records GET /golden-records finds for ``params``."""
    page = client.get("/golden-records", params=params, headers=headers)
    assert page.status_code == 200, page.json()
    return [hit["golden_record"]["attributes"]["full_name"] for hit in page.json()["data"]]


def test_a_search_reads_its_phone_and_ids_in_the_region_it_names(small_sample: Path, tmp_path: Path) -> None:
    db = _with_a_brazilian(small_sample, tmp_path)
    headers = {"Authorization": f"Bearer {make_keys(db)['reader']}"}
    with TestClient(create_app(ApiSettings(db_path=db))) as client:
        found = partial(_names_found, client, headers)
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


def test_the_steward_search_page_reads_in_the_region_its_form_names(small_sample: Path,
                                                                     tmp_path: Path) -> None:
    """The steward's search read every phone and id in the service's region, with no way to name
    another: a Brazilian CPF was searched as a Vietnamese id and not found. Its form names the region,
    the service's by default, checked as GET /golden-records checks it; refused, said on the page."""
    db = _with_a_brazilian(small_sample, tmp_path)
    with TestClient(create_app(ApiSettings(db_path=db))) as client:
        client.post("/steward/login", data={"key": make_keys(db)["steward"]})
        empty = client.get("/steward/search")
        assert '<input name="region" value="VN"' in empty.text, empty.text
        for params in ({"national_id": "123.456.789-09"}, {"phone": "(11) 91234-5678", "region": ""}):
            page = client.get("/steward/search", params=params)
            assert page.status_code == 200 and "0 found." in page.text, params
        cpf, mobile = ("national_id", "123.456.789-09"), ("phone", "(11) 91234-5678")
        for (field, value), region in ((cpf, "BR"), (mobile, "br")):
            page = client.get("/steward/search", params={field: value, "region": region})
            assert page.status_code == 200 and "1 found." in page.text, field
            assert "Ana Beatriz Souza" in page.text, page.text
            # kept in the form and in what a merge from the results goes back to
            assert f'<input name="region" value="{region}"' in page.text, page.text
            assert f'<input type="hidden" name="q_region" value="{region}">' in page.text, page.text
        # a merge refused from the results shows them again as searched: in the region named
        refused = client.post("/steward/merge/preview", data={"golden_ids": "GNOPE", "q_national_id": cpf[1],
                                                                 "q_region": "BR"})
        assert "1 found." in refused.text and "Ana Beatriz Souza" in refused.text, refused.text

        for written, said in (("ZZ", "unknown region &#39;ZZ&#39;"), ("UK", "write &#39;GB&#39;"),
                              ("B" * 21, "at most 20 characters")):
            refused = client.get("/steward/search", params={"national_id": cpf[1], "region": written})
            assert (refused.status_code, refused.headers["content-type"]) == (422, "text/html; charset=utf-8")
            assert "field &#39;region&#39;" in refused.text and said in refused.text, refused.text


def test_a_search_reads_a_slashed_unit_and_house_in_the_region_it_names(small_sample: Path,
                                                                          tmp_path: Path) -> None:
    """An Australian source's "5/12 High St" is unit 5 of house 12: found by "Unit 5, 12 High St"
    anywhere, and by "5/12 High St" searched in Australia or New Zealand; in Vietnam, the service's
    region, "5/12" is house 5 of alley 12, not hers."""
    rows = {"shop_au": [["AU1", "Charlotte Nguyen-Smith", "0412 345 678", "5/12 High St", "Sydney"]]}
    fields = {"full_name": "name", "phone": "phone", "address": "address", "city": "city"}
    header = ["id", "name", "phone", "address", "city"]
    path = _sample_with(small_sample, tmp_path, rows, header, fields, "AU")
    db = tmp_path / "au.duckdb"
    assert reconcile(path, db, today=TODAY).status == "succeeded"
    headers = {"Authorization": f"Bearer {make_keys(db)['reader']}"}
    with TestClient(create_app(ApiSettings(db_path=db))) as client:
        found = partial(_names_found, client, headers)
        her = ["Charlotte Nguyen-Smith"]
        assert found(address="Unit 5, 12 High St") == found(address="12 High St, Unit 5", region="VN") == her
        assert found(address="5/12 High St", region="AU") == found(address="5/12 High St", region="nz") == her
        assert found(address="5/12 High St") == []


def test_a_tax_id_with_a_country_code_is_that_countrys_in_search_and_override(api: Api) -> None:
    """A VAT id typed with its code (DE123456789) is German whatever the region: a German record
    holds it as "123456789". The override PUT read it in the region (stored "DE987654321" read in
    BR, "987654321" in DE); the search took any two letters for a code, so a British company number
    "SC123456" (SC: the Seychelles) and "VAT: DE123456789" (VA: the Vatican) found nobody."""
    golden = {}
    for sid, phone, tax in (("T1", "+49 30 1234567", "DE123456789"), ("T2", "+44 131 496 0000", "SC123456")):
        posted = api.post("/sources/billing/records", json={"account_no": sid, "account_holder": "Hans Meyer",
                                                             "phone": phone, "tax_code": tax})
        assert posted.status_code == 200, posted.json()
        golden[sid] = posted.json()["golden_id"]

    def found(**params: str) -> list[str]:
        page = api.get("/golden-records", params=params)
        assert page.status_code == 200, page.json()
        return [hit["golden_record"]["golden_id"] for hit in page.json()["data"]]

    for params in ({"tax_id": "DE123456789"}, {"tax_id": "de 123 456 789", "region": "BR"},
                   {"tax_id": "VAT: DE123456789", "region": "GB"}, {"tax_id": "123456789", "region": "DE"}):
        assert found(**params) == [golden["T1"]], params
    for region in ("GB", "VN"):
        assert found(tax_id="SC123456", region=region) == [golden["T2"]], region
    api.client.post("/steward/login", data={"key": api.keys["steward"]})
    page = api.client.get("/steward/search", params={"tax_id": "SC 123456", "region": "GB"})
    assert "1 found." in page.text and golden["T2"] in page.text, page.text

    for region in ("BR", "DE", None):
        body = {"value": "DE987654321", "reason": "an invoice"} | ({"region": region} if region else {})
        path = f"/golden-records/{golden['T1']}/overrides/tax_id"
        put = api.client.put(path, headers=api.headers("steward"), json=body)
        assert put.status_code == 200 and put.json()["override"]["value"] == "987654321", (region, put.json())


def test_an_overrides_tax_id_is_read_in_the_golden_records_country(api: Api) -> None:
    """A British record keeps its company number "SC123456" whole (it leaves out only a GB code);
    an override of "SC654321" in a British customer's golden record took SC for the Seychelles'
    code and stored "654321". Now an override is read in the golden record's country (its
    country, else its phone's, else the region), as its records are."""
    posted = api.post("/sources/billing/records", json={"account_no": "T3", "account_holder": "Fiona Reid",
                                                         "phone": "+44 131 496 0001", "tax_code": "SC123456"})
    assert posted.status_code == 200, posted.json()
    gid = posted.json()["golden_id"]
    path = f"/golden-records/{gid}/overrides"

    def put(attribute: str, value: str, region: str | None = None) -> str:
        body = {"value": value, "reason": "an invoice"} | ({"region": region} if region else {})
        put = api.client.put(f"{path}/{attribute}", headers=api.headers("steward"), json=body)
        assert put.status_code == 200, put.json()
        return str(put.json()["override"]["value"])

    for region in ("GB", "VN", None):  # its phone's country: British
        assert put("tax_id", "SC654321", region) == "SC654321", region
        assert put("tax_id", "DE987654321", region) == "DE987654321", region  # a GB record keeps it too
    assert put("tax_id", "GB 123 4567 89") == "123456789"
    assert put("country", "DE") == "DE"  # its country before its phone's
    assert put("tax_id", "DE987654321") == "987654321"
    assert put("tax_id", "SC654321") == "SC654321"


def test_an_overrides_national_id_and_phone_are_read_as_the_golden_records_countrys(api: Api) -> None:
    """A Swedish record holds a personnummer without its century ("19811218-9876": 8112189876); an
    override of it in a Swedish customer's golden record was read in the service's region (VN) and
    kept "198112189876", a twelve-digit CCCD; a British customer's mobile written without its code,
    no Vietnamese number, was refused where a British record reads it in its country. Both are read
    as a record of the golden record's country is (its country, else its phone's) now."""
    def golden_of(key: str, name: str, phone: str, national_id: str) -> str:
        posted = api.post("/sources/billing/records", json={"account_no": key, "account_holder": name,
                                                             "phone": phone, "national_id": national_id})
        assert posted.status_code == 200, posted.json()
        return str(posted.json()["golden_id"])

    def put(gid: str, attribute: str, value: str, region: str | None = None) -> str:
        body = {"value": value, "reason": "the customer called"} | ({"region": region} if region else {})
        put = api.client.put(f"/golden-records/{gid}/overrides/{attribute}", headers=api.headers("steward"),
                             json=body)
        assert put.status_code == 200, put.json()
        held = api.get(f"/golden-records/{gid}/overrides", who="reader_pii").json()["data"]
        return next(str(o["value"]) for o in held if o["attribute"] == attribute)  # the steward's is masked

    swede = golden_of("S1", "Astrid Lindqvist", "+46 8 123 456 78", "19811218-9876")
    held = api.get(f"/golden-records/{swede}", who="reader_pii").json()["attributes"]["national_id"]
    assert held == put(swede, "national_id", "19811218-9876") == "8112189876"
    briton = golden_of("B1", "Fiona Reid", "+44 131 496 0001", "AB123456C")
    assert put(briton, "phone", "07481 719029") == "+447481719029"
    assert put(briton, "phone", "0131 496 0002", "VN") == "+441314960002"
    assert put(briton, "phone", "+84 912 345 678") == "+84912345678"  # written with its code: as written
    assert put(briton, "phone", "0912 345 678") == "+84912345678"  # a Vietnamese number, read as a record's
    assert put(briton, "country", "IE") == "IE"  # its own value, not the country it has
