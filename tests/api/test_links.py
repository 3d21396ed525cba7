"""Why a golden record's source records are together: each pair scored, the run's outcome, decisions."""

from __future__ import annotations

from tests.conftest import BY_FIRST_MEMBER

LINKS = "/golden-records/{}/links"


def test_each_pair_of_members_is_scored_beside_what_the_run_did(api):  # type: ignore[no-untyped-def]
    con = api.client.app.state.service.reader()
    gid, members = con.execute(
        "SELECT golden_id, record_count FROM golden_records WHERE status = 'active' AND record_count >= 3"
        f" ORDER BY {BY_FIRST_MEMBER} LIMIT 1").fetchone()
    links = api.get(LINKS.format(gid)).json()["data"]
    assert len(links) == members * (members - 1) // 2
    weights = [link["match_weight"] for link in links]
    assert weights == sorted(weights, reverse=True)
    stored = {frozenset((left, right)): (p, outcome) for left, right, p, outcome in con.execute(
        "SELECT record_key_l, record_key_r, match_probability, outcome FROM pairs").fetchall()}
    linked = 0
    for link in links:
        pair = frozenset(f"{k['source']}:{k['source_id']}" for k in (link["left"], link["right"]))
        if pair in stored:  # the live model scores a pair as the batch run did
            probability, outcome = stored[pair]
            assert abs(link["match_probability"] - probability) < 1e-9 and link["batch_outcome"] == outcome
            linked += outcome in ("auto_link", "kept_link", "source_link")
        else:
            assert link["batch_outcome"] is None
        assert link["explanation"] and link["decision"] is None
    assert linked >= members - 1  # enough links to hold every member


def _merge_two_alone(api):  # type: ignore[no-untyped-def]
    """Two golden records of one record each, and the steward's merge of them."""
    con = api.client.app.state.service.reader()
    a, b = [g for (g,) in con.execute(
        "SELECT golden_id FROM golden_records WHERE status = 'active' AND record_count = 1"
        f" ORDER BY {BY_FIRST_MEMBER} LIMIT 2"
    ).fetchall()]
    return a, b, api.post("/golden-records/merge", who="steward", json={"golden_ids": [a, b]}).json()


def test_a_stewards_merge_is_the_link(api):  # type: ignore[no-untyped-def]
    _a, _b, merged = _merge_two_alone(api)
    (link,) = api.get(LINKS.format(merged["golden_id"])).json()["data"]
    assert (link["decision"], link["decision_id"]) == ("must_link", merged["decision"]["decision_id"])
    assert api.get(LINKS.format("GNOPE")).status_code == 404
    assert api.client.get(LINKS.format(merged["golden_id"])).status_code == 401


def test_a_merged_away_id_answers_for_its_survivor_as_a_lookup_does(api):  # type: ignore[no-untyped-def]
    # GET /golden-records/{gone} follows a merge to the survivor; its links, household and similar
    # answered 404 "active golden record not found" for the same id, as if it had never been.
    a, b, merged = _merge_two_alone(api)
    survivor = merged["golden_id"]
    gone = b if survivor == a else a
    via = api.get(f"/golden-records/{gone}").json()["redirected_from"]
    assert via == {"golden_id": gone, "merged_into": survivor}
    for path, who in ((LINKS, "reader"), ("/golden-records/{}/household", "reader"),
                      ("/golden-records/{}/similar", "steward")):
        asked = api.get(path.format(gone), who=who)
        assert asked.status_code == 200, (path, asked.json())
        direct = api.get(path.format(survivor), who=who).json()
        assert direct["redirected_from"] is None and asked.json() == {**direct, "redirected_from": via}, path
