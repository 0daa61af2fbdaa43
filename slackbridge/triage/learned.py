"""A small learned category model for the built-in classifier: multinomial Naive Bayes over words.

The word lists in lexicon.py catch trouble told in familiar words; a problem told in plain words ("topped up
yesterday, balance still zero") finds no list word and lands in "other". This model learns word and word-pair
weights from labelled tweets instead, so builtin.py asks it when the lists find no signal.

Training data ships beside this module (learned_train.jsonl: text and category only) and the model is fitted
on first use, in a few tens of milliseconds, the same way every time: no randomness, no numpy. The file holds
the tuning sets only (eval/triage_dataset, _blind, _holdout, _fresh_v1); eval/triage_fresh*.jsonl other than
fresh_v1 are never trained on, so they stay an honest measure. Rebuild it with
    python -m slackbridge.triage.learned eval/
"""

from __future__ import annotations

import json
import math
import re
import sys
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from itertools import pairwise
from pathlib import Path

from slackbridge.ai.textsearch import fold
from slackbridge.triage.types import Category

TRAINING_FILE = Path(__file__).with_name("learned_train.jsonl")
TRAINING_SETS = ("triage_dataset", "triage_blind", "triage_holdout", "triage_fresh_v1")
ALPHA = 0.1  # additive smoothing, chosen by 5-fold cross-validation on the training sets

_URL = re.compile(r"https?://\S+|\b(?:www\.|bit\.ly/|t\.me/)\S+", re.IGNORECASE)
_LEADING_MENTIONS = re.compile(r"^(?:\s*[@\uff20]\w+)+")
_MENTION = re.compile(r"[@\uff20]\w+")
_NUMBER = re.compile(r"\d+(?:[.,:]\d+)*")
_TOKEN = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?|0|[?!¿¡]|[\U0001f300-\U0001faff\u2600-\u27bf]")
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uff66-\uff9f]")


def features(text: str) -> set[str]:
    """Folded words and word pairs; URLs, @handles and numbers become placeholders; CJK runs become characters
    and character pairs (Japanese has no spaces)."""
    body = _URL.sub(" httpurl ", text)
    lead = _LEADING_MENTIONS.match(body)
    if lead:
        body = body[lead.end() :]
    mentions = len(_MENTION.findall(body))
    body = _NUMBER.sub("0", _MENTION.sub(" atuser ", body))
    found: set[str] = set()
    words = []
    for token in _TOKEN.findall(fold(body)):
        words.append(token)
        if _CJK.search(token):
            found.update(f"w:{c}" for c in token)
            found.update(f"w:{a}{b}" for a, b in pairwise(token))
        else:
            found.add(f"w:{token}")
    found.update(f"b:{a} {b}" for a, b in zip(["<s>", *words], words, strict=False))
    if mentions >= 3:
        found.add("x:many mentions")
    if text.count("!") >= 3:
        found.add("x:many exclamations")
    return found


@dataclass(frozen=True)
class Prediction:
    category: Category
    probability: float
    probabilities: dict[Category, float]
    evidence: list[str]  # the features that most favour the category over the runner-up

    def describe(self) -> str:
        quoted = ", ".join(f"'{e}'" for e in self.evidence)
        return f"learned: {self.category.value} {self.probability:.0%}" + (f" ({quoted})" if quoted else "")


class NaiveBayes:
    """Bernoulli-style multinomial Naive Bayes: each feature counts once per tweet."""

    def __init__(self, examples: Iterable[tuple[str, Category]], alpha: float = ALPHA) -> None:
        class_counts: Counter[Category] = Counter()
        feature_counts: dict[Category, Counter[str]] = {c: Counter() for c in Category}
        for text, category in examples:
            class_counts[category] += 1
            feature_counts[category].update(features(text))
        vocabulary = sorted(set().union(*feature_counts.values()))
        total = sum(class_counts.values())
        self.prior = {c: math.log((class_counts[c] + 1) / (total + len(Category))) for c in Category}
        self.log_likelihood: dict[str, dict[Category, float]] = {}
        denominators = {
            c: math.log(sum(feature_counts[c].values()) + alpha * len(vocabulary)) for c in Category
        }
        for feature in vocabulary:
            self.log_likelihood[feature] = {
                c: math.log(feature_counts[c][feature] + alpha) - denominators[c] for c in Category
            }

    def predict(self, text: str) -> Prediction:
        known = sorted(f for f in features(text) if f in self.log_likelihood)
        scores = dict(self.prior)
        for feature in known:
            for category, value in self.log_likelihood[feature].items():
                scores[category] += value
        top = max(scores.values())
        exp = {c: math.exp(s - top) for c, s in scores.items()}
        norm = sum(exp.values())
        probabilities = {c: exp[c] / norm for c in Category}
        ranked = sorted(Category, key=lambda c: (-scores[c], list(Category).index(c)))
        best, runner_up = ranked[0], ranked[1]
        lift = {
            f: self.log_likelihood[f][best] - self.log_likelihood[f][runner_up]
            for f in known
            if not f.startswith(("x:", "b:<s>"))
        }
        evidence = [f[2:] for f in sorted(lift, key=lambda f: (-lift[f], f)) if lift[f] > 0][:3]
        return Prediction(best, probabilities[best], probabilities, evidence)


def load_examples(path: Path) -> list[tuple[str, Category]]:
    rows = (json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip())
    return [(row["text"], Category(row["category"])) for row in rows]


@cache
def model() -> NaiveBayes:
    """The shipped model, fitted once per process on the packaged training data."""
    return NaiveBayes(load_examples(TRAINING_FILE))


def predict(text: str) -> Prediction:
    return model().predict(text)


def write_training_file(eval_dir: Path, out: Path = TRAINING_FILE) -> int:
    """Copy text and category of the tuning sets (only those) into the packaged training file."""
    lines = []
    for name in TRAINING_SETS:
        for text, category in load_examples(eval_dir / f"{name}.jsonl"):
            lines.append(json.dumps({"text": text, "category": category.value}, ensure_ascii=False))
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return len(lines)


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    eval_dir = Path(args[0]) if args else Path("eval")
    count = write_training_file(eval_dir)
    print(f"wrote {count} examples to {TRAINING_FILE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
