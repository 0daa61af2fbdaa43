"""Measure triage on a labelled set: per-category precision/recall, with and without the model.

Usage: python -m slackbridge.triage.evaluate [--dataset eval/triage_dataset.jsonl] [--rules FILE]
With OPENAI_API_KEY set (and optionally OPENAI_BASE_URL, --model) it also scores the model stage.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from slackbridge.ai.client import AIClient
from slackbridge.triage.pipeline import Triage
from slackbridge.triage.rules import RulesError, RuleSet
from slackbridge.triage.types import Category, Classification


@dataclass(frozen=True)
class Example:
    text: str
    category: str
    sentiment: str
    urgency: str
    lang: str


def load_dataset(path: Path) -> list[Example]:
    examples = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        row = json.loads(line)
        try:
            examples.append(
                Example(row["text"], row["category"], row["sentiment"], row["urgency"], row["lang"])
            )
        except KeyError as exc:
            raise ValueError(f"{path}:{number}: missing field {exc}") from None
    return examples


def report(title: str, examples: Sequence[Example], results: Sequence[Classification]) -> str:
    """A plain-text table: a row per category, then overall, sentiment, urgency and per-language accuracy."""
    lines = [
        f"== {title} ({len(examples)} tweets)",
        f"{'category':<11}{'n':>5}{'precision':>11}{'recall':>8}{'f1':>7}",
    ]
    for cat in Category:
        tp = sum(1 for e, r in zip(examples, results, strict=True) if e.category == cat and r.category == cat)
        predicted = sum(1 for r in results if r.category == cat)
        actual = sum(1 for e in examples if e.category == cat)
        p = tp / predicted if predicted else 0.0
        rc = tp / actual if actual else 0.0
        f1 = 2 * p * rc / (p + rc) if p + rc else 0.0
        lines.append(f"{cat.value:<11}{actual:>5}{p:>11.0%}{rc:>8.0%}{f1:>7.2f}")

    def accuracy(field: str) -> float:
        hits = sum(
            1 for e, r in zip(examples, results, strict=True) if getattr(e, field) == getattr(r, field)
        )
        return hits / len(examples) if examples else 0.0

    lines.append(
        f"accuracy: category {accuracy('category'):.1%}  sentiment {accuracy('sentiment'):.1%}  "
        f"urgency {accuracy('urgency'):.1%}"
    )
    by_lang = Counter(e.lang for e in examples)
    hits = Counter(e.lang for e, r in zip(examples, results, strict=True) if e.category == r.category)
    lines.append(
        "category accuracy by language: "
        + "  ".join(f"{lang} {hits[lang] / n:.0%}" for lang, n in sorted(by_lang.items()))
    )
    stages = Counter(str(r.stage) for r in results)
    lines.append("decided by: " + ", ".join(f"{stage} {count}" for stage, count in sorted(stages.items())))
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--dataset", type=Path, default=Path("eval/triage_dataset.jsonl"))
    parser.add_argument("--rules", type=Path, default=None, help="triage rules YAML to apply first")
    parser.add_argument("--model", default="gpt-4o-mini")
    parser.add_argument("--show-errors", action="store_true", help="list the misclassified tweets")
    args = parser.parse_args(argv)
    try:
        examples = load_dataset(args.dataset)
        rules = RuleSet.load(args.rules) if args.rules else None
    except (OSError, ValueError, RulesError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2

    runs: list[tuple[str, Triage]] = [("rules + builtin" if rules else "builtin only", Triage(rules, None))]
    # This is a command-line tool, like the CLI: reading the environment here is its entry point.
    api_key = os.environ.get("OPENAI_API_KEY")
    if api_key:
        ai = AIClient(api_key, base_url=os.environ.get("OPENAI_BASE_URL") or None, model=args.model)
        runs.append(
            (f"{'rules + ' if rules else ''}model {args.model} (builtin fallback)", Triage(rules, ai))
        )
    else:
        print("(OPENAI_API_KEY not set: skipping the model run)")
    for title, triage in runs:
        results = [triage.classify(e.text) for e in examples]
        print(report(title, examples, results))
        if args.show_errors:
            for e, r in zip(examples, results, strict=True):
                if e.category != r.category:
                    print(f"  want {e.category:<9} got {r.category:<9} [{r.reason}] {e.text}")
        print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
