"""Source files with text that cannot be stored as it is still load, every row accounted for."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from mdm.ingest import ingest
from mdm.sources import load_sources
from mdm.standardise.batch import standardise_chunks


def test_a_lone_surrogate_escape_in_jsonl_is_replaced_not_fatal(tmp_path: Path) -> None:
    (tmp_path / "crm.jsonl").write_text(
        '{"id": "1", "name": "Nguy\\ud800\\u1ec5n An", "phone": "0912345678", "note\\udfff": "x"}\n'
        '{"id": "2", "name": "Nguyễn An", "phone": "0912345678"}\n'
        "not json\n",
        encoding="utf-8",
    )
    (tmp_path / "sources.yaml").write_text(
        "sources:\n  - name: crm\n    path: crm.jsonl\n    format: jsonl\n    id_column: id\n    priority: 1\n"
        "    fields: {full_name: name, phone: phone}\n",
        encoding="utf-8",
    )
    ingested = ingest(load_sources(tmp_path / "sources.yaml").sources)
    counts = ingested.counts["crm"]
    assert (counts.read, counts.accepted, counts.quarantined) == (3, 2, 1)
    (chunk,) = standardise_chunks(ingested.accepted, dt.date(2026, 1, 1))
    assert not chunk.failed
    assert chunk.std.column("full_name").to_pylist() == ["Nguy\ufffdễn An", "Nguyễn An"]
    assert json.loads(chunk.raw.column("raw")[0].as_py()) == {
        "id": "1", "name": "Nguy\ufffdễn An", "phone": "0912345678", "note\ufffd": "x"
    }
