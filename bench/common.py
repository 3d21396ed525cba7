"""Small helpers the benchmark scripts share."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path


def components(keys: Iterable[str], links: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Record key -> cluster id: the connected components of the links (union-find)."""
    parent = {k: k for k in keys}

    def root(k: str) -> str:
        while parent[k] != k:
            parent[k] = parent[parent[k]]
            k = parent[k]
        return k

    for a, b in links:
        ra, rb = root(a), root(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    return {k: root(k) for k in parent}


def publish(path: Path, text: str) -> None:
    """Print a result table and write it where bench/report.py collects it."""
    print(text)
    path.parent.mkdir(exist_ok=True)
    path.write_text(text, encoding="utf-8")
