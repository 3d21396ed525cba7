"""Data-quality flags counted per source: what a run tells the owners of each source system.

Standardisation never drops a bad value silently: it flags the record (``phone_invalid``,
``dob_future``, ``email_repaired``, ...). Counted per source after each run, the flags say which
system feeds which problem, and whether a fix at the source took.
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

FlagCounts = dict[str, dict[str, int]]  # source -> flag -> records carrying it


def flag_counts(std: pa.Table) -> tuple[FlagCounts, dict[str, int]]:
    """Per source, the records carrying each flag, and the records carrying any."""
    flags = std["dq_flags"]
    rows = pc.list_parent_indices(flags)  # each flag's record: one raised twice counts once
    pairs = pa.table({"source": pc.take(std["source"], rows), "flag": pc.list_flatten(flags), "row": rows})
    counted = pairs.group_by(["source", "flag"]).aggregate([("row", "count_distinct")])
    out: FlagCounts = {}
    for source, flag, n in zip(*(counted[c].to_pylist() for c in ("source", "flag", "row_count_distinct")),
                               strict=True):
        out.setdefault(source, {})[flag] = n
    any_flag = std.filter(pc.fill_null(pc.greater(pc.list_value_length(flags), 0), False))
    flagged = any_flag.group_by("source").aggregate([([], "count_all")])
    return sorted_counts(out), dict(zip(flagged["source"].to_pylist(), flagged["count_all"].to_pylist(),
                                        strict=True))


def sorted_counts(counts: FlagCounts) -> FlagCounts:
    """Each source's flags, most frequent first (then by name), for a stable report."""
    return {s: dict(sorted(f.items(), key=lambda kv: (-kv[1], kv[0]))) for s, f in sorted(counts.items())}
