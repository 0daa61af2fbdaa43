"""Each rule a draft must pass, as staff would see it."""

from __future__ import annotations

from decimal import Decimal

import pytest

from slackbridge.ai.validate import ProblemCode, check_suggestion, link_cost_note
from slackbridge.x.prices import Billed, PriceTable


def problems(text: str, allowed: tuple[str, ...] = ("acme.example",)) -> set[str]:
    return {p.code for p in check_suggestion(text, customer_username="@Jane", allowed_domains=allowed)}


def test_a_good_reply_has_no_problems() -> None:
    assert problems("Thanks Jane! DM us and we'll sort it. Mail support@acme.example if easier.") == set()


def test_empty_and_too_long() -> None:
    assert problems("   ") == {ProblemCode.EMPTY}
    assert problems("a" * 281) == {ProblemCode.TOO_LONG}
    assert problems("a" * 280) == set()
    assert problems("😀" * 141) == {ProblemCode.TOO_LONG}  # emoji weigh 2


def test_mentions_other_than_the_customer() -> None:
    assert problems("Hi @jane, sorry!") == set()
    message = check_suggestion("cc @boss @Other", customer_username="jane")[0].message
    assert "@Other" in message and "@boss" in message


@pytest.mark.parametrize("text", ["See https://evil.example/x", "visit evil.com/promo", "bit.ly/abc has it"])
def test_links_outside_allowed_domains(text: str) -> None:
    assert problems(text) == {ProblemCode.LINK_NOT_ALLOWED}


def test_allowed_domain_and_its_subdomains_pass() -> None:
    assert problems("https://help.acme.example/returns and https://acme.example") == set()
    assert problems("https://acme.example.evil.com") == {ProblemCode.LINK_NOT_ALLOWED}


@pytest.mark.parametrize(
    "text", ["Hi [name]!", "Order {order_id} ships", "Click <link>", "Call XXX-XXX", "TODO add"]
)
def test_placeholders(text: str) -> None:
    assert ProblemCode.PLACEHOLDER in problems(text)


def test_link_cost_note_only_with_a_link() -> None:
    assert link_cost_note("no link here") is None
    note = link_cost_note("https://acme.example/help")
    # A reply to a mention costs $0.010 (not a plain post's $0.015); with a link, $0.20.
    assert note is not None and "$0.20 " in note and "$0.01 " in note and "$0.015" not in note


def test_link_cost_note_follows_the_price_table() -> None:
    prices = PriceTable({Billed.POST_URL: Decimal("0.25"), Billed.REPLY: Decimal("0.012")})
    note = link_cost_note("https://acme.example/help", prices)
    assert note is not None and "$0.25 " in note and "$0.012 " in note
