"""Saved replies without a model: the shipped file loads and the best match comes first."""

from __future__ import annotations

from pathlib import Path

import pytest

from slackbridge.ai.canned import CannedError, SavedSource, load_canned, rank_saved_replies
from slackbridge.ai.validate import check_suggestion

EXAMPLE = Path(__file__).parents[2] / "slackbridge" / "defaults" / "canned_replies.example.yml"


def test_shipped_canned_replies_load_and_pass_the_checks() -> None:
    canned = load_canned(EXAMPLE)
    assert len(canned) >= 8
    for reply in canned:
        assert check_suggestion(reply.text, customer_username="anyone") == [], reply.title


def test_best_match_first_with_a_score() -> None:
    canned = load_canned(EXAMPLE)
    matches = rank_saved_replies("I was charged twice for my order, check my card!", canned, k=3)
    assert matches[0].title == "Charged twice"
    assert 0 < matches[-1].score <= matches[0].score <= 1


def test_past_approved_replies_compete_with_canned_ones() -> None:
    canned = load_canned(EXAMPLE)
    approved = [("Is the blue kettle coming back in stock?", "Yes! The blue kettle is back on 3 June.")]
    [best, *_] = rank_saved_replies("when is the blue kettle back in stock", canned, approved)
    assert best.source == SavedSource.APPROVED and "3 June" in best.text


def test_nothing_similar_gives_nothing() -> None:
    assert rank_saved_replies("zebra quantum", load_canned(EXAMPLE)) == []


@pytest.mark.parametrize(
    ("content", "words"),
    [
        ("- title: A\n", "reply 1: 'text' must be a non-empty string"),
        ("- title: A\n  text: hi\n  tag: [x]\n", "reply 1: unknown key(s) tag"),
        ("title: x", "expected a list"),
        ("- [unclosed", "not valid YAML"),
    ],
)
def test_bad_files_name_the_problem(tmp_path: Path, content: str, words: str) -> None:
    path = tmp_path / "canned.yml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(CannedError, match=r"canned\.yml") as info:
        load_canned(path)
    assert words in str(info.value)
