"""Assemble BENCHMARKS.md from the result files the benchmark scripts wrote (bench/results/)."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
ORDER = ["febrl.md", "samples.md", "realtime_accuracy.md", "scale.md", "spark.md", "serve-*.md",
         "service-run-*.md", "deletes-deliveries-*.md"]


def main() -> None:
    notes = (ROOT / "bench" / "NOTES.md").read_text(encoding="utf-8")
    parts = [notes.rstrip()]
    for pattern in ORDER:
        for path in sorted(RESULTS.glob(pattern)):
            parts.append(path.read_text(encoding="utf-8").replace("\n# ", "\n## ").replace("# ", "## ", 1).rstrip())
    (ROOT / "BENCHMARKS.md").write_text("\n\n".join(parts) + "\n", encoding="utf-8")
    print(f"wrote BENCHMARKS.md from {len(parts) - 1} result files")


if __name__ == "__main__":
    main()
