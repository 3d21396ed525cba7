"""A golden record's household: the other customers sharing its address or landline."""

from __future__ import annotations

HOUSEHOLD = "/golden-records/{}/household"


def _rows(api, sql):  # type: ignore[no-untyped-def]
    return api.client.app.state.service.reader().execute(sql).fetchall()


def test_customers_sharing_a_numbered_address_or_a_landline_are_listed(api):  # type: ignore[no-untyped-def]
    (a, b, address), = _rows(api, (
        "SELECT min(x.golden_id), max(x.golden_id), min(s.address_norm) FROM std_records s JOIN xref x USING"
        " (record_key) WHERE s.house_number IS NOT NULL GROUP BY s.address_norm"
        " HAVING count(DISTINCT x.golden_id) = 2 ORDER BY 3 LIMIT 1"))
    listed = api.get(HOUSEHOLD.format(a)).json()["data"]
    (other,) = [m for m in listed if m["golden_id"] == b]
    assert other["shared_address"] and other["golden_record"]["golden_id"] == b
    assert a not in {m["golden_id"] for m in listed}  # never itself

    (c, d, phone), = _rows(api, (
        "SELECT min(x.golden_id), max(x.golden_id), s.phone FROM std_records s JOIN xref x USING (record_key)"
        " WHERE s.phone_type = 'fixed_line' GROUP BY s.phone HAVING count(DISTINCT x.golden_id) = 2"
        " ORDER BY 3 LIMIT 1"))
    (masked,) = [m for m in api.get(HOUSEHOLD.format(c)).json()["data"] if m["golden_id"] == d]
    assert masked["shared_landline"] != phone and masked["shared_landline"].endswith(phone[-3:])
    listed = api.get(HOUSEHOLD.format(c), who="reader_pii").json()["data"]
    (full,) = [m for m in listed if m["golden_id"] == d]
    assert full["shared_landline"] == phone


def test_a_customer_alone_has_no_household_and_unknown_ids_are_404(api):  # type: ignore[no-untyped-def]
    (alone,), = _rows(api, (
        "SELECT min(x.golden_id) FROM xref x JOIN golden_records g USING (golden_id)"
        " WHERE g.status = 'active'"
        " AND x.golden_id NOT IN (SELECT x2.golden_id FROM std_records s JOIN xref x2 USING (record_key)"
        "   WHERE s.house_number IS NOT NULL OR s.phone_type = 'fixed_line')"))
    assert api.get(HOUSEHOLD.format(alone)).json()["data"] == []
    assert api.get(HOUSEHOLD.format("GNOPE")).status_code == 404
