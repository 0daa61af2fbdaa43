"""The learned fallback of the built-in classifier: when the word lists find nothing, the model decides."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from slackbridge.triage import learned
from slackbridge.triage.builtin import classify_builtin, lexicon_undecided, score, signals
from slackbridge.triage.types import Category, Sentiment, Stage

EVAL = Path(__file__).parents[2] / "eval"

# Problems told in plain words: no list word fires, so the lexicon alone says "other".
PLAIN_COMPLAINTS = [
    "@ZoomRail the 8:15 just sailed past my station without stopping",
    "@NovaMobile paid for the bundle this morning and the data still reads 0 MB",
    "@CasaFoods half the groceries in my order are somebody else's",
    "@CloudPad my notes from last week have all disappeared",
    "@HotelLuxe booked a sea view and got a wall",
]


@pytest.mark.parametrize("text", PLAIN_COMPLAINTS)
def test_learned_model_catches_plain_language_complaints(text: str) -> None:
    s = signals(text)
    scores = score(s)
    assert scores.best() == Category.OTHER and lexicon_undecided(s, scores)
    result = classify_builtin(text)
    assert (result.category, result.sentiment, result.stage) == (
        Category.COMPLAINT,
        Sentiment.NEGATIVE,
        Stage.BUILTIN,
    )
    assert result.reason.startswith("learned: complaint")


def test_strong_word_list_evidence_still_decides() -> None:
    result = classify_builtin("@acme worst service ever, my order never arrived")
    assert result.category == Category.COMPLAINT
    assert not result.reason.startswith("learned")


def test_model_is_deterministic() -> None:
    examples = learned.load_examples(learned.TRAINING_FILE)
    first, second = learned.NaiveBayes(examples), learned.NaiveBayes(reversed(examples))
    for text in [*PLAIN_COMPLAINTS, "@ShopCo do you ship to Norway?", "lovely weather today"]:
        a, b = first.predict(text), second.predict(text)
        assert a.category == b.category and a.evidence == b.evidence
        assert a.probabilities == pytest.approx(b.probabilities)
        assert classify_builtin(text) == classify_builtin(text)


def test_features_normalise_handles_urls_and_numbers() -> None:
    found = learned.features("@Brand Wait 45 MINUTES for @Courier? see https://x.co/abc Über")
    assert {"w:wait", "w:0", "w:minutes", "w:atuser", "w:httpurl", "w:uber", "w:?", "b:wait 0"} <= found
    assert not any("brand" in f or "45" in f or "x.co" in f for f in found)
    assert {"w:返品", "w:返", "w:品"} <= learned.features("返品したい")


def test_training_data_is_only_the_tuning_sets() -> None:
    shipped = {text for text, _ in learned.load_examples(learned.TRAINING_FILE)}
    expected = {
        text for name in learned.TRAINING_SETS for text, _ in learned.load_examples(EVAL / f"{name}.jsonl")
    }
    assert shipped == expected
    for untouched in ("triage_fresh.jsonl", "triage_fresh2.jsonl"):
        path = EVAL / untouched
        if path.exists():
            texts = {
                json.loads(line)["text"] for line in path.read_text(encoding="utf-8").splitlines() if line
            }
            assert not texts & shipped
