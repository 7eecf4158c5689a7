"""The draft key against the finished key, on every article the kit ships.

    .venv/bin/python -m benchmarks.draft_key [--course DIR] [--rules]
    (or: readkit bench draft-key)

For each article of data/articles.csv, readkit.authoring.draft_key drafts a label for every unit
of its units.csv (the rules a teacher reads in that module), and the draft is compared with the
article's key.csv: `exact` is the share of units whose draft label is the key's label, `accepted`
the share whose draft label earns credit (the key's label or an accepted alternative: what the
teacher need not change to a wrong answer), `kappa` Cohen's kappa of the draft's labels against
the key's (agreement beyond chance). The goal: at least 70% on every article. `--rules` adds,
per rule, how many units it decided and how many of those the key accepts. The last line is one
JSON object.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

from readkit.authoring.draft_key import agreement, draft_key
from readkit.course.course import Course

ROOT = Path(__file__).resolve().parents[1]
GOAL = 0.70


def measure(course: Course) -> dict:
    results, rules = {}, {}
    for slug in course.article_slugs:
        article = course.article(slug)
        draft = draft_key([(u.unit_id, u.paragraph, u.text) for u in article.units],
                          [(row["source_id"], row["name"]) for row in article.rows("sources.csv")])
        key = {u: e.accepted for u, e in article.key().items()}
        labels = draft.label_of()
        results[slug] = {k: (round(v, 3) if isinstance(v, float) else v)
                         for k, v in agreement(labels, key).items()}
        used, right = Counter(), Counter()
        for row in draft.rows:
            used[row.rule] += 1
            right[row.rule] += row.label in key.get(row.unit_id, ())
        rules[slug] = {rule: [right[rule], used[rule]] for rule in used}
    return {"articles": results, "rules": rules, "goal": GOAL,
            "all_meet_goal": all(r["accepted"] >= GOAL and r["exact"] >= GOAL
                                 for r in results.values())}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="readkit bench draft-key", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--course", type=Path, default=ROOT)
    parser.add_argument("--rules", action="store_true", help="per rule: right / units decided")
    args = parser.parse_args(argv)
    found = measure(Course(args.course))
    print(f"{'article':32} {'units':>5} {'exact':>6} {'accepted':>8} {'kappa':>6}")
    for slug, result in found["articles"].items():
        print(f"{slug:32} {result['units']:5d} {result['exact']:6.1%} {result['accepted']:8.1%} "
              f"{result['kappa']:6.2f}")
        if args.rules:
            for rule, (right, used) in sorted(found["rules"][slug].items()):
                print(f"    {rule:18} {right:3d} of {used:3d}")
    if not args.rules:
        found.pop("rules")
    print(json.dumps(found))
    return 0


if __name__ == "__main__":
    sys.exit(main())
