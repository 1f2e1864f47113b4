"""Pairwise precision, recall and F1 of predicted pairs (left_id,right_id,...) against the
`person` column of one or more truth CSVs (record_id,person). Every true pair counts,
including pairs that blocking never compared. Usage: link_eval.py PAIRS.csv MODE TRUTH.csv...
where MODE is dedupe or link (link: only pairs across the truth files count)."""

import csv
import sys
from collections import Counter


def main() -> None:
    pairs_path, mode, *truth_paths = sys.argv[1:]
    person, source = {}, {}
    for s, path in enumerate(truth_paths):
        with open(path, newline="", encoding="utf-8") as f:
            for row in csv.DictReader(f):
                person[row["record_id"]] = row["person"]
                source[row["record_id"]] = s
    if mode == "dedupe":
        sizes = Counter(person.values())
        true_pairs = sum(n * (n - 1) // 2 for n in sizes.values())
    else:
        per = Counter((p, source[r]) for r, p in person.items())
        true_pairs = 0
        persons = {p for p in person.values()}
        for p in persons:
            counts = [per.get((p, s), 0) for s in range(len(truth_paths))]
            total = sum(counts)
            true_pairs += (total * total - sum(c * c for c in counts)) // 2
    seen = set()
    tp = fp = 0
    with open(pairs_path, newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            a, b = row["left_id"], row["right_id"]
            key = (min(a, b), max(a, b))
            if key in seen:
                continue
            seen.add(key)
            if person.get(a) is not None and person.get(a) == person.get(b):
                tp += 1
            else:
                fp += 1
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / true_pairs if true_pairs else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    print(f"{precision:.4f} {recall:.4f} {f1:.4f} {tp} {fp} {true_pairs}")


if __name__ == "__main__":
    main()
