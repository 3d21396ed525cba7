"""The synthetic sample generator: deterministic, complete truth, a valid config, realistic hard cases."""

from __future__ import annotations

import csv
import importlib.util
import json
import re
import sys
from collections import defaultdict
from pathlib import Path
from types import ModuleType

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
FILES = ("sales.csv", "billing.csv", "shipping.csv", "marketing.jsonl", "truth.csv", "sources.yaml")
CANONICAL = {
    "full_name", "first_name", "last_name", "email", "phone", "date_of_birth", "address", "city", "postcode",
    "country", "company", "tax_id", "national_id", "updated_at",
}
N = 300


def _load() -> ModuleType:
    path = ROOT / "sample_data" / "generate.py"
    spec = importlib.util.spec_from_file_location("sample_generator_under_test", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


gen = _load()


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("sample")
    counts = gen.generate(out, seed=11, customers=N, mix="default")
    return out, counts


def csv_rows(path: Path) -> tuple[list[str], list[list[str]]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        rows = [r for r in csv.reader(fh) if r and any(f.strip() for f in r)]
    return rows[0], rows[1:]


def jsonl_lines(path: Path) -> list[str]:
    return [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def truth(out: Path) -> dict[tuple[str, str], str]:
    with (out / "truth.csv").open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    mapping = {(r["source"], r["source_id"]): r["entity_id"] for r in rows}
    assert len(mapping) == len(rows), "a (source, source_id) key appears twice in truth.csv"
    return mapping


def keys_in_file(out: Path, source: str) -> list[str]:
    """Every non-blank key in a source file, broken rows included (their key is the first field)."""
    if source == "marketing":
        keys = []
        for line in jsonl_lines(out / "marketing.jsonl"):
            try:
                obj = json.loads(line)
            except json.JSONDecodeError:
                found = re.search(r"mk_[0-9a-f]{8}", line)
                keys += [found.group(0)] if found else []
                continue
            if isinstance(obj, dict):
                keys += [obj["subscriber_id"]] if obj.get("subscriber_id") else []
            elif obj and isinstance(obj[0], str) and obj[0].startswith("mk_"):
                keys.append(obj[0])
        return keys
    _, rows = csv_rows(out / f"{source}.csv")
    return [r[0].strip() for r in rows if r[0].strip()]


def test_same_arguments_give_identical_bytes(tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    assert gen.generate(a, seed=5, customers=N) == gen.generate(b, seed=5, customers=N)
    for name in FILES:
        assert (a / name).read_bytes() == (b / name).read_bytes(), name
    c = tmp_path / "c"
    gen.generate(c, seed=6, customers=N)
    assert (a / "sales.csv").read_bytes() != (c / "sales.csv").read_bytes()


def test_every_record_key_is_in_truth(sample: tuple[Path, dict]) -> None:
    out, counts = sample
    t = truth(out)
    for source in ("sales", "billing", "shipping", "marketing"):
        keys = keys_in_file(out, source)
        assert keys, source
        missing = [k for k in keys if (source, k) not in t]
        assert not missing, (source, missing[:5])
    # every truth key is a real row, and the counts match the files
    assert len(t) == counts["truth_rows"]
    assert sum(len(csv_rows(out / f"{s}.csv")[1]) for s in ("sales", "billing", "shipping")) + len(
        jsonl_lines(out / "marketing.jsonl")
    ) == counts["records"]
    entities = set(t.values())
    assert N * 0.9 <= len(entities) <= N
    assert 2.0 <= counts["records"] / N <= 2.8


def test_sources_yaml_maps_only_existing_columns(sample: tuple[Path, dict]) -> None:
    out, _ = sample
    config = yaml.safe_load((out / "sources.yaml").read_text(encoding="utf-8"))
    sources = {s["name"]: s for s in config["sources"]}
    assert [s["name"] for s in sorted(config["sources"], key=lambda s: s["priority"])] == [
        "billing", "sales", "shipping", "marketing"]
    for name, spec in sources.items():
        assert set(spec["fields"]) <= CANONICAL, name
        assert spec["phone_region"] == "VN"
        assert "updated_at" in spec["fields"]
        path = out / spec["path"]
        assert path.exists(), name
        if spec["format"] == "csv":
            available = set(csv_rows(path)[0])
        else:
            available = set()
            for line in jsonl_lines(path):
                try:
                    obj = json.loads(line)
                except json.JSONDecodeError:
                    continue
                if isinstance(obj, dict):
                    available |= set(obj)
        needed = [spec["id_column"]]
        for columns in spec["fields"].values():
            needed += [columns] if isinstance(columns, str) else columns
        assert set(needed) <= available, (name, set(needed) - available)
    assert sources["shipping"]["fields"]["address"] == ["street_number", "street", "ward_district"]
    assert {"first_name", "last_name"} <= set(sources["sales"]["fields"])


def _landline(text: str) -> str | None:
    """A Vietnamese fixed-line number in its post-2017 national form, else None."""
    d = re.sub(r"\D", "", text)
    if d.startswith("84"):
        d = "0" + d[2:]
    return d if re.fullmatch(r"02\d{9}", d) else None


def _address_core(text: str) -> tuple[str, str] | None:
    """(house number, street) of a Vietnamese address in any spelling: '12', 'le loi'."""
    folded = gen.strip_accents(text).lower()
    number = re.search(r"\d+", folded)
    streets = [gen.strip_accents(s).lower() for s in gen.VN_STREETS if gen.strip_accents(s).lower() in folded]
    return (number.group(0), max(streets, key=len)) if number and streets else None


def test_households_share_address_and_landline_but_are_different_people(tmp_path: Path) -> None:
    counts = gen.generate(tmp_path, seed=11, customers=2000)
    assert counts["households"] > 0
    t = truth(tmp_path)
    by_landline: dict[str, dict[str, set]] = defaultdict(lambda: defaultdict(set))
    for source, phone_col, address_cols in (("billing", 2, (4,)), ("shipping", 2, (3, 4))):
        header, rows = csv_rows(tmp_path / f"{source}.csv")
        for r in rows:
            if len(r) == len(header) and r[0] and (phone := _landline(r[phone_col])) and (source, r[0]) in t:
                core = _address_core(" ".join(r[c] for c in address_cols))
                by_landline[phone][t[(source, r[0])]].add(core)
    households = [ents for ents in by_landline.values() if len(ents) > 1]
    assert households, "no landline is shared by two different customers"
    same_address = [
        ents for ents in households
        if set.intersection(*({c for c in cores if c} for cores in ents.values()))
    ]
    assert same_address, "no two customers share both a landline and an address"

    # in the population itself: same address and landline, same family name, different entity ids
    rng = gen.Random(3)
    population = gen.Population(rng, gen.MIXES["default"])
    households = []
    while len(households) < 20:
        group = population.draw(4)
        if len(group) > 1:
            households.append(group)
    for members in households:
        assert len({m.entity_id for m in members}) == len(members)
        assert all(m.address is members[0].address for m in members)
        if members[0].address.country == "VN":
            assert all(m.landline is members[0].landline and m.landline for m in members)
        assert sum(m.family == members[0].family for m in members) >= len(members) - 1  # a wife may keep hers


def test_the_mix_changes_the_output(tmp_path: Path) -> None:
    counts = {m: gen.generate(tmp_path / m, seed=5, customers=N, mix=m) for m in gen.MIXES}
    for m in ("clean", "messy", "international"):
        assert (tmp_path / m / "sales.csv").read_bytes() != (tmp_path / "default" / "sales.csv").read_bytes()
    assert counts["clean"]["households"] == 0 < counts["default"]["households"]
    assert counts["international"]["international"] > 1.8 * counts["default"]["international"]
    assert counts["messy"]["within_source_duplicates"] > counts["clean"]["within_source_duplicates"]
    assert gen.MIXES["messy"]["name_typo"] == 2 * gen.MIXES["default"]["name_typo"]
    assert gen.MIXES["clean"]["name_typo"] == gen.MIXES["default"]["name_typo"] / 2
    with pytest.raises(ValueError, match="unknown mix"):
        gen.generate(tmp_path / "x", mix="chaotic")


def test_broken_rows_really_are_broken(sample: tuple[Path, dict]) -> None:
    out, _ = sample
    t = truth(out)
    for source in ("sales", "billing", "shipping"):
        header, rows = csv_rows(out / f"{source}.csv")
        broken = [r for r in rows if len(r) != len(header)]
        assert 2 <= len(broken) <= 5, source
        assert all((source, r[0]) in t for r in broken)
    invalid = arrays = 0
    for line in jsonl_lines(out / "marketing.jsonl"):
        try:
            obj = json.loads(line)
        except json.JSONDecodeError:
            invalid += 1
            continue
        arrays += isinstance(obj, list)
    assert 2 <= invalid <= 3
    assert arrays == 2


def test_quarantine_fodder_and_source_habits(sample: tuple[Path, dict]) -> None:
    out, counts = sample
    for source in ("sales", "billing", "shipping"):
        header, rows = csv_rows(out / f"{source}.csv")
        ids = [r[0] for r in rows if len(r) == len(header)]
        assert "" in ids, f"{source}: no row with a blank id"
        assert len({i for i in ids if i}) < len([i for i in ids if i]), f"{source}: no repeated id"
    assert all(v["missing_id"] >= 1 and v["duplicate_id"] >= 1 for v in counts["quarantine_fodder"].values())
    # billing: mostly UPPER CASE without accents; marketing: some phones are JSON numbers, some keys missing
    header, rows = csv_rows(out / "billing.csv")
    holders = [r[1] for r in rows if len(r) == len(header) and r[1]]
    assert sum(h.isascii() for h in holders) > 0.5 * len(holders)
    assert sum(h == h.upper() for h in holders) > 0.5 * len(holders)
    objects = []
    for line in jsonl_lines(out / "marketing.jsonl"):
        try:
            obj = json.loads(line)
        except json.JSONDecodeError:
            continue
        if isinstance(obj, dict):
            objects.append(obj)
    assert any(isinstance(o.get("phone"), int) for o in objects)
    assert any("birthday" not in o for o in objects)
    assert any(re.fullmatch(r"\d\d/\d\d/\d{4}", o.get("birthday") or "") for o in objects)
    assert any(re.fullmatch(r"\d{4}-\d\d-\d\d", o.get("birthday") or "") for o in objects)


def test_old_mobile_prefixes_map_to_todays() -> None:
    assert gen.OLD_PREFIX["38"] == "168" and gen.OLD_PREFIX["70"] == "120" and gen.OLD_PREFIX["59"] == "199"
    rng = gen.Random(1)
    for _ in range(200):
        phone = gen.vn_mobile(rng)
        assert len(phone.nsn) == 9
        if phone.old_nsn:
            assert len(phone.old_nsn) == 10 and phone.old_nsn[3:] == phone.nsn[2:]
    assert gen.telex("Nguyễn") == "Nguyeenx"
    assert gen.old_tone_style("Hòa Thủy") == "Hoà Thuỷ"
    assert gen.strip_accents("Đặng Thị Thủy") == "Dang Thi Thuy"
