"""What labels would buy: a classifier trained on the truth over the model's own comparisons.

Usage:
    python bench/labelled_ceiling.py --sources sample_data/sources.yaml --truth sample_data/truth.csv
        [--workdir /tmp/mdm-ceiling]

``mdm reconcile`` runs on the sources with the default rules, except that the review threshold is
0.001: every candidate pair scoring above it is stored with its explanation (each comparison's
level and match weight, term frequencies included). Over those pairs, a gradient-boosted
classifier is trained on the truth file, by two-fold cross-validation over customers (the pairs
of half the customers teach it, the other half are scored): its features are each comparison's
level and weight and whether the two records come from one source.

Both the model (its probability at the automatic threshold) and the classifier (at several
thresholds) then link by plain connected components, without the product's guards and source
structure, and are scored by pairwise precision, recall and F1. The gap between the two rows is
what a model trained with labels could gain over the unsupervised one, on the same comparisons
and the same candidate pairs; the classifier sees half of the sample's truth, so the gap errs
high. The rows are not comparable with ``mdm evaluate``, which scores the guarded clustering.

Cells where the two disagree most (the comparison levels of a pair) are listed: where the
unsupervised model is miscalibrated. Needs the bench extra (scikit-learn).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from collections import Counter, defaultdict
from pathlib import Path

import duckdb
import numpy as np
import yaml
from common import components
from sklearn.ensemble import HistGradientBoostingClassifier

ROOT = Path(__file__).resolve().parent.parent
STORE_FROM = 0.001
THRESHOLDS = (0.5, 0.7, 0.85, 0.9, 0.95)


def reconcile(sources: Path, workdir: Path) -> tuple[Path, float]:
    """A fresh database holding every pair above ``STORE_FROM``; the automatic threshold."""
    rules = yaml.safe_load((ROOT / "matching_rules" / "default.yaml").read_text(encoding="utf-8"))
    rules["matching"]["thresholds"]["review"] = STORE_FROM
    workdir.mkdir(parents=True, exist_ok=True)
    rules_path, db = workdir / "rules.yaml", workdir / "ceiling.duckdb"
    rules_path.write_text(yaml.safe_dump(rules, allow_unicode=True), encoding="utf-8")
    for f in (db, db.with_name(db.name + ".wal")):
        f.unlink(missing_ok=True)
    exe = Path(sys.executable).with_name("mdm")
    subprocess.run([str(exe), "reconcile", "--sources", str(sources), "--db", str(db), "--rules", str(rules_path)],
                   check=True, capture_output=True, text=True)
    return db, float(rules["matching"]["thresholds"]["auto_link"])


def load(db: Path, truth: Path) -> tuple[list[tuple[str, str, float, dict]], dict[str, str]]:
    """The stored pairs (left, right, probability, explanation) and each record's customer."""
    con = duckdb.connect(str(db), read_only=True)
    path = str(truth).replace("'", "''")
    con.execute(f"CREATE TEMP TABLE truth AS SELECT * FROM read_csv('{path}', all_varchar = true)")
    entity = dict(con.execute(
        "SELECT s.record_key, t.entity_id FROM std_records s JOIN truth t USING (source, source_id)").fetchall())
    ((run,),) = con.execute("SELECT max(run_id) FROM pairs").fetchall()
    pairs = [(l, r, p, json.loads(e)) for l, r, p, e in con.execute(
        "SELECT record_key_l, record_key_r, match_probability, explanation FROM pairs WHERE run_id = ?", [run]
    ).fetchall() if l in entity and r in entity]
    con.close()
    return pairs, entity


def cross_validated(pairs: list[tuple[str, str, float, dict]], entity: dict[str, str]) -> tuple[np.ndarray, np.ndarray]:
    """The truth of each pair, and the classifier's probability for it from the other fold."""
    names = sorted(pairs[0][3])
    features = np.array([
        [x for name in names for x in (e[name]["gamma"], e[name]["match_weight"])] + [l.split(":", 1)[0] == r.split(":", 1)[0]]
        for l, r, _p, e in pairs
    ], dtype=float)
    same = np.array([entity[l] == entity[r] for l, r, _p, _e in pairs])
    customers = sorted(set(entity.values()))
    fold_of = dict(zip(customers, np.random.default_rng(0).integers(0, 2, len(customers)), strict=True))
    fold = np.array([fold_of[entity[l]] for l, _r, _p, _e in pairs])
    scored = np.zeros(len(pairs))
    for f in (0, 1):
        clf = HistGradientBoostingClassifier(max_iter=300, learning_rate=0.05, random_state=0)
        clf.fit(features[fold != f], same[fold != f])
        scored[fold == f] = clf.predict_proba(features[fold == f])[:, 1]
    return same, scored


def clustered(pairs: list, entity: dict[str, str], linked: np.ndarray) -> tuple[float, float, float]:
    """Pairwise precision, recall and F1 of the connected components of the linked pairs."""
    cluster = components(entity, [(pairs[i][0], pairs[i][1]) for i in np.flatnonzero(linked)])
    sizes, hits, truth = Counter(cluster.values()), Counter((cluster[k], e) for k, e in entity.items()), Counter(entity.values())
    predicted, correct, true = (sum(n * (n - 1) // 2 for n in c.values()) for c in (sizes, hits, truth))
    precision, recall = correct / max(predicted, 1), correct / max(true, 1)
    return precision, recall, 2 * precision * recall / max(precision + recall, 1e-12)


def cell(explanation: dict) -> str:
    return " ".join(f"{name}={v['gamma']}" for name, v in sorted(explanation.items()) if v["gamma"] != -1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sources", type=Path, required=True)
    parser.add_argument("--truth", type=Path, required=True)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/mdm-ceiling"))
    args = parser.parse_args()
    db, auto_link = reconcile(args.sources.resolve(), args.workdir)
    pairs, entity = load(db, args.truth)
    same, scored = cross_validated(pairs, entity)
    model = np.array([p for _l, _r, p, _e in pairs])
    print(f"{len(pairs):,} pairs scored ≥ {STORE_FROM}, {int(same.sum()):,} of them one customer\n")
    print("| linking | precision | recall | F1 |\n| --- | ---: | ---: | ---: |")
    rows = [(f"model, p ≥ {auto_link}", model >= auto_link)] + [(f"labelled, p ≥ {t}", scored >= t) for t in THRESHOLDS]
    for label, linked in rows:
        print("| {} | {:.4f} | {:.4f} | {:.4f} |".format(label, *clustered(pairs, entity, linked)))
    gains: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for i in np.flatnonzero((scored >= auto_link) & (model < auto_link)):
        gains[cell(pairs[i][3])][0] += 1
        gains[cell(pairs[i][3])][1] += int(same[i])
    print(f"\nCells the classifier links and the model does not (p ≥ {auto_link}): pairs, one customer, levels")
    for levels, (n, true) in sorted(gains.items(), key=lambda kv: -kv[1][0])[:15]:
        print(f"{n:6d} {true:6d}  {levels}")


if __name__ == "__main__":
    main()
