"""The team's rules file: clear errors naming file and rule, and matching the way people write."""

from __future__ import annotations

from pathlib import Path

import pytest

from slackbridge.triage.rules import RulesError, RuleSet
from slackbridge.triage.types import Category, Urgency

EXAMPLE = Path(__file__).parents[2] / "slackbridge" / "defaults" / "triage_rules.example.yml"

RULES = """
rules:
  - name: refunds
    keywords: [reembolso, "money back", refund*]
    category: complaint
    channel: "#billing"
  - name: order number
    regex: '\\border\\s*#?\\d{6}\\b'
    category: question
    urgency: high
  - keywords: [返金]
    category: complaint
"""


def test_shipped_example_loads() -> None:
    rules = RuleSet.load(EXAMPLE)
    found = rules.match("I'm calling my LAWYER tomorrow")
    assert found is not None and found.rule.name == "legal threat" and found.rule.urgency == Urgency.HIGH


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("Quiero mi REEMBOLSO ya", "refunds"),
        ("Quiero mi rëembolso", "refunds"),  # accents do not matter
        ("where's my money   back?", "refunds"),  # any spacing
        ("still no refunds processed", "refunds"),  # trailing * matches endings
        ("status of Order #123456 please", "order number"),
        ("返金してください", "rule 3"),  # CJK matches without word boundaries
    ],
)
def test_matching(text: str, rule: str) -> None:
    found = RuleSet.from_yaml(RULES).match(text)
    assert found is not None and found.rule.name == rule


def test_whole_words_only() -> None:
    rules = RuleSet.from_yaml("rules:\n  - keywords: [ship]\n    category: lead\n")
    assert rules.match("do you ship to Spain") is not None
    assert rules.match("great friendship and shipping") is None


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (
            "rules:\n  - keywords: [x]\n    category: complain\n",
            "rule 1: unknown category 'complain' (expected one of",
        ),
        ("rules:\n  - name: bad\n    regex: '(unclosed'\n    category: spam\n", "rule 1 ('bad'): bad regex"),
        (
            "rules:\n  - keywords: [a]\n    category: spam\n  - category: spam\n",
            "rule 2: needs at least one keyword",
        ),
        ("rules:\n  - keywords: [a]\n    catagory: spam\n", "unknown key(s) catagory"),
        ("rules:\n  - keywords: [a]\n    category: spam\n    urgency: urgent\n", "unknown urgency 'urgent'"),
        ("- just a list\n", "expected a top-level 'rules:' list"),
        ("rules: [\n", "not valid YAML"),
    ],
)
def test_errors_name_the_file_and_rule(tmp_path: Path, content: str, words: str) -> None:
    path = tmp_path / "triage.yml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(RulesError) as info:
        RuleSet.load(path)
    assert str(info.value).startswith(str(path))
    assert words in str(info.value)


def test_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(RulesError, match="not found"):
        RuleSet.load(tmp_path / "missing.yml")


def test_category_is_an_enum() -> None:
    found = RuleSet.from_yaml(RULES).match("refund please")
    assert (
        found is not None and found.rule.category is Category.COMPLAINT and found.rule.channel == "#billing"
    )
