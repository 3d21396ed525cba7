"""The source config contract: valid files load; every mistake names the file, source and key."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mdm.errors import ConfigError
from mdm.ingest import ingest
from mdm.sources import load_sources, sources_from_json
from mdm.sources.config import sources_to_json
from mdm.standardise.record import mapped_text


def write(tmp_path: Path, yaml_text: str, files: dict[str, str] | None = None) -> Path:
    for name, text in (files or {}).items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    path = tmp_path / "sources.yaml"
    path.write_text(yaml_text, encoding="utf-8")
    return path


GOOD = """
sources:
  - name: billing
    path: billing.csv
    format: csv
    id_column: account_no
    priority: 1
    phone_region: VN
    fields:
      full_name: account_holder
      phone: phone
      address: [street_number, street]
"""


def test_valid_config_resolves_paths_relative_to_the_yaml(tmp_path: Path) -> None:
    cfg = load_sources(write(tmp_path, GOOD))
    src = cfg.source("billing")
    assert src.file == (tmp_path / "billing.csv").resolve()
    assert src.columns_for("address") == ["street_number", "street"]
    assert src.columns_for("email") == []


@pytest.mark.parametrize(
    ("mutation", "expected"),
    [
        (("    priority: 1\n", "    priorty: 1\n"), "source 'billing', key 'priorty': unknown key"),
        (("      phone: phone\n", "      mobile: phone\n"),
         "source 'billing', key 'fields': unknown canonical field 'mobile'"),
        (("    format: csv\n", "    format: xlsx\n"), "source 'billing', key 'format'"),
        (("    id_column: account_no\n", ""), "source 'billing', key 'id_column': Field required"),
        (("    phone_region: VN\n", "    phone_region: Vietnam\n"), "source 'billing', key 'phone_region'"),
        (("    phone_region: VN\n", "    phone_region: VN\n    timezone: Asia/Saigonn\n"),
         "source 'billing', key 'timezone': unknown time zone 'Asia/Saigonn'"),
        (("    format: csv\n", "    format: csv\n    encoding: cp-1258\n"),
         "source 'billing', key 'encoding': unknown encoding 'cp-1258' (a Python codec name"),
        (("  - name: billing\n", "  - name: Billing System\n"),
         "source 'Billing System', key 'name': a source name is letters, digits, '_', '.' and '-', starting"
         " with a letter, digit or '_' (it names the source in the API's paths): 'Billing System' could be"
         " 'billing_system'"),
        (("    format: csv\n", "    format: csv\n    delimiter: '\\t'\n"),
         "source 'billing', key 'delimiter': '\\t' in single quotes is two characters"),
    ],
)
def test_config_errors_name_file_source_and_key(tmp_path: Path, mutation: tuple[str, str], expected: str) -> None:
    path = write(tmp_path, GOOD.replace(*mutation))
    with pytest.raises(ConfigError) as e:
        load_sources(path)
    assert str(path) in str(e.value)
    assert expected in str(e.value)


def test_a_phone_region_in_lower_case_is_its_code(tmp_path: Path) -> None:
    lower = GOOD.replace("    phone_region: VN\n", "    phone_region: vn\n")
    (src,) = load_sources(write(tmp_path, lower)).sources
    assert src.phone_region == "VN"


def test_duplicate_source_names_and_empty_list(tmp_path: Path) -> None:
    twice = GOOD + GOOD.split("sources:\n")[1]
    with pytest.raises(ConfigError, match="used twice"):
        load_sources(write(tmp_path, twice))
    with pytest.raises(ConfigError, match="sources"):
        load_sources(write(tmp_path, "sources: []\n"))
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_sources(write(tmp_path, "sources: [\n"))
    with pytest.raises(ConfigError, match="top level"):
        load_sources(write(tmp_path, "- just a list\n"))


@pytest.mark.parametrize(("fields", "said"), [
    ("", "maps no canonical field"),
    ("    fields: {}\n", "maps no canonical field"),
    ("    fields:\n      updated_at: changed\n", "maps only updated_at"),
])
def test_a_source_mapping_nothing_to_match_is_a_config_error(tmp_path: Path, fields: str, said: str) -> None:
    """Every record of such a source would be its key alone, flagged no_mapped_value: a golden
    record each that holds nothing and that nothing can match. It was accepted."""
    text = GOOD.split("    fields:\n")[0] + fields
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as e:
        load_sources(path)
    assert str(e.value).startswith(f"{path}: source 'billing', key 'fields': {said}: each record would be"
                                   " its key alone, flagged no_mapped_value, and match nothing; map the"
                                   " columns of at least one of full_name, first_name,")
    assert "updated_at" not in str(e.value).split("at least one of")[1]


def test_a_config_a_run_stored_is_read_back_as_it_ran(tmp_path: Path) -> None:
    """A database kept across an upgrade holds its runs' configs, written before a check was added
    (a source with no ``fields``): the service reads the last one back, it does not fail starting."""
    cfg = load_sources(write(tmp_path, GOOD))
    stored = json.loads(sources_to_json(cfg))
    del stored["config"]["sources"][0]["fields"]
    (src,) = sources_from_json(json.dumps(stored)).sources
    assert (src.name, src.fields) == ("billing", {})


def test_missing_column_in_file_names_source_key_and_column(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD, {"billing.csv": "account_no,account_holder,phone,street_number\n1,A,0912,3\n"})
    cfg = load_sources(path)
    with pytest.raises(ConfigError) as e:
        ingest(cfg.sources)
    message = str(e.value)
    assert "billing.csv" in message and "source 'billing'" in message
    assert "key 'fields.address'" in message and "'street'" in message


def test_missing_column_in_jsonl_and_parquet(tmp_path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    (tmp_path / "m.jsonl").write_text('{"id": "1", "name": "A"}\n', encoding="utf-8")
    pq.write_table(pa.table({"id": ["1"], "name": ["A"]}), tmp_path / "p.parquet")
    yaml_text = """
sources:
  - name: marketing
    path: m.jsonl
    format: jsonl
    id_column: id
    fields: {full_name: name, email: mail}
  - name: shop
    path: p.parquet
    format: parquet
    id_column: id
    fields: {full_name: name, phone: tel}
"""
    cfg = load_sources(write(tmp_path, yaml_text))
    with pytest.raises(ConfigError, match=r"source 'marketing', key 'fields.email': column 'mail'"):
        ingest(cfg.sources[:1])
    with pytest.raises(ConfigError, match=r"source 'shop', key 'fields.phone': column 'tel'"):
        ingest(cfg.sources[1:])


@pytest.mark.parametrize(
    ("encoded", "expected"),
    [(GOOD.replace("sources:", "# café\nsources:").encode("latin-1"), "byte 0xe9 at offset 6"),
     (GOOD.encode("utf-16"), "it is UTF-16")],
)
def test_a_sources_file_not_in_utf8_is_a_config_error_naming_it(
    tmp_path: Path, encoded: bytes, expected: str
) -> None:
    path = tmp_path / "sources.yaml"
    path.write_bytes(encoded)
    with pytest.raises(ConfigError) as e:
        load_sources(path)
    assert str(e.value) == f"{path}: the sources file is not UTF-8 ({expected}); save it as UTF-8"


def test_a_key_written_twice_is_a_config_error_naming_source_and_key(tmp_path: Path) -> None:
    """YAML keeps the last of a key written twice: which phone column was meant is not known."""
    twice = GOOD.replace("      phone: phone\n", "      phone: mobile\n      phone: landline\n")
    path = write(tmp_path, twice)
    with pytest.raises(ConfigError) as e:
        load_sources(path)
    assert str(e.value) == (
        f"{path}: source 'billing', key 'fields.phone': written twice (lines 11 and 12); write it once")
    # A merge key's values may be overridden: that is what it is for.
    source = GOOD.replace("    priority: 1\n", "")
    source = source.replace("    format: csv\n", "    <<: *d\n    priority: 1\n")
    merged = "defaults: &d {format: csv, priority: 2}\n" + source
    with pytest.raises(ConfigError, match="key 'defaults': unknown key"):
        load_sources(write(tmp_path, merged))


def test_a_phone_region_phonenumbers_does_not_know_is_refused(tmp_path: Path) -> None:
    """``UK`` looks like a region code, but phonenumbers knows the United Kingdom as ``GB``: every
    number written without a country code would be unreadable."""
    path = write(tmp_path, GOOD.replace("phone_region: VN", "phone_region: UK"))
    with pytest.raises(ConfigError) as e:
        load_sources(path)
    assert "source 'billing', key 'phone_region'" in str(e.value)
    assert "unknown region 'UK'" in str(e.value) and "for UK write 'GB'" in str(e.value)
    assert load_sources(write(tmp_path, GOOD.replace("phone_region: VN", "phone_region: GB"))).sources


def test_a_path_from_the_home_folder_is_read_there_and_a_missing_one_says_where_it_was_looked_for(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mdm.errors import SourceReadError

    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    (tmp_path / "home").mkdir()
    (tmp_path / "home" / "crm.csv").write_text("id,name\n1,An\n", encoding="utf-8")
    config = tmp_path / "etc" / "sources.yaml"
    config.parent.mkdir()
    yaml = ("sources:\n  - name: crm\n    path: {}\n    format: csv\n    id_column: id\n"
            "    fields: {{full_name: name}}\n")
    config.write_text(yaml.format("~/crm.csv"), encoding="utf-8")
    (spec,) = load_sources(config).sources
    assert spec.file == tmp_path / "home" / "crm.csv"
    assert [a.source_id for a in ingest([spec]).accepted] == ["1"]

    config.write_text(yaml.format("exports/crm.csv"), encoding="utf-8")
    with pytest.raises(SourceReadError) as e:
        ingest(load_sources(config).sources)
    assert str(e.value) == (f"{tmp_path}/etc/exports/crm.csv: source 'crm', key 'path': file not found"
                            " ('exports/crm.csv' is read from the YAML file's folder)")


SHOP = """
sources:
  - name: shop
    path: customers.jsonl
    format: jsonl
    id_column: id
    phone_region: US
    fields:
      full_name: {first_of: [name, default_address.name]}
      phone: {first_of: [phone, default_address.phone]}
      email: {first_of: [email, default_address.email]}
"""
# Shopify writes a customer's phone at the top level and under default_address, often both.
SHOP_ROWS = [
    {"id": 1, "name": "Ann Lee", "phone": "+16135550142", "default_address": {"phone": None}},
    {"id": 2, "name": "Ann Lee", "phone": None, "default_address": {"phone": "(613) 555-0142"}},
    {"id": 3, "name": "Ann Lee", "phone": "+16135550142", "email": "ann@x.ca",
     "default_address": {"phone": "613-555-0142", "email": "Ann@X.ca"}},
    {"id": 4, "name": "", "phone": "NULL",
     "default_address": {"phone": "+16135550199", "name": "Bo Chen"}},
    {"id": 5, "name": "Ann Lee", "phone": "+16135550142", "email": "ann@x.ca",
     "default_address": {"phone": "+16135550199; 613-555-0142", "email": "ann.lee@y.ca"}},
]


def shop_source(tmp_path: Path) -> Path:
    lines = "".join(json.dumps(row) + "\n" for row in SHOP_ROWS)
    return write(tmp_path, SHOP, {"customers.jsonl": lines})


def test_first_of_maps_a_field_to_the_first_of_its_columns_holding_a_value(tmp_path: Path) -> None:
    """A list of columns is joined with a space: ``phone: [phone, default_address.phone]`` read a
    customer with both filled (Shopify's usual case, the same number twice) as one number of 20
    digits, flagged phone_unparseable, and the phone was lost. ``first_of`` reads the first column
    holding a value (a missing-value marker holds none); the raw record keeps every column. A
    phone or e-mail of a later column that differs is the customer's too: an other, as the second
    number of a field holding two is (it was seen only in the raw record)."""
    import datetime as dt

    from mdm.standardise.record import standardise_record

    (spec,) = load_sources(shop_source(tmp_path)).sources
    accepted = ingest([spec]).accepted
    std = [standardise_record(spec, a.source_id, a.values, today=dt.date(2026, 1, 1)) for a in accepted]
    assert [(s["full_name"], s["phone"], s["phone_others"], s["dq_flags"]) for s in std] == [
        ("Ann Lee", "+16135550142", None, [])] * 3 + [
        ("Bo Chen", "+16135550199", None, []), ("Ann Lee", "+16135550142", ["+16135550199"], [])]
    assert [(s["email"], s["email_others"]) for s in std] == [
        (None, None), (None, None), ("ann@x.ca", None), (None, None), ("ann@x.ca", ["ann.lee@y.ca"])]
    assert accepted[4].values["default_address.phone"] == "+16135550199; 613-555-0142"
    assert spec.columns_for("phone") == ["phone", "default_address.phone"]


@pytest.mark.parametrize(("mapping", "expected"), [
    ("{frist_of: [phone, default_address.phone]}", "key 'fields.phone.frist_of': unknown key"),
    ("{first_of: phone}", "key 'fields.phone.first_of': Input should be a valid list"),
    ("{first_of: [phone, '']}", "key 'fields': field 'phone' maps to an empty column name"),
    ("{first_of: [phone], then: name}", "key 'fields.phone.then': unknown key"),
])
def test_a_mistake_in_first_of_names_file_source_and_key(tmp_path: Path, mapping: str, expected: str) -> None:
    path = write(tmp_path, SHOP.replace("{first_of: [phone, default_address.phone]}", mapping))
    with pytest.raises(ConfigError) as e:
        load_sources(path)
    assert f"{path}: source 'shop', {expected}" in str(e.value).splitlines()


def test_a_stored_config_reads_first_of_back(tmp_path: Path) -> None:
    cfg = load_sources(shop_source(tmp_path))
    assert sources_from_json(sources_to_json(cfg)) == cfg


def test_the_readmes_source_config_reads_an_extract_as_it_says(tmp_path: Path) -> None:
    """README.md's example config, copied as a new team would: it loads, a row whose `op` is `d` is
    its system's deletion, a phone comes from the first of its columns holding one, and the address
    is its parts joined in order."""
    readme = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")
    example = readme.split("```yaml\n", 1)[1].split("```", 1)[0]
    extract = (
        "account_no,account_holder,mobile,home_phone,dob,street_number,street,ward,city,updated,op\n"
        "A1,Nguyễn Văn An,,028 3822 1234,1980-01-02,12,Nguyễn Huệ,Bến Nghé,HCM,2026-01-01,\n"
        "A2,Trần Thị Bình,0912 345 678,,1975-03-04,5,Lê Lợi,Bến Thành,HCM,2026-01-01, d \n"
    )
    spec = load_sources(write(tmp_path, example, {"billing.csv": extract})).sources[0]
    read = ingest([spec])
    assert [a.source_id for a in read.accepted] == ["A1"] and [d.source_id for d in read.deletions] == ["A2"]
    fields, _ = mapped_text(spec, read.accepted[0].values)
    assert fields["phone"] == "028 3822 1234" and fields["address"] == "12 Nguyễn Huệ Bến Nghé"
    assert fields["full_name"] == "Nguyễn Văn An" and fields["date_of_birth"] == "1980-01-02"
