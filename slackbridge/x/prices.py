"""X's pay-per-use price table, the one place a dollar figure for an X call lives."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation


class Billed(enum.StrEnum):
    """The kinds of X call slackbridge makes that X bills, each with its own price."""

    OWNED_READ = "owned_read"  # a post from our own timeline or mentions (an "owned read")
    POST_READ = "post_read"  # any other post read: search, lookup, compliance
    DM_READ = "dm_read"  # a direct-message event read
    POST = "post"  # a post (or a reply to a post that does not mention us)
    POST_URL = "post_url"  # a post or reply carrying a link
    REPLY = "reply"  # a reply to a post that mentions us
    DM_SEND = "dm_send"  # a direct message sent


# X's published pay-per-use prices in US dollars, as of 2026 (developer console > pricing): reads are
# billed per post returned, writes per request. Override with SLACKBRIDGE_X_PRICES when X changes them.
PRICES_2026: Mapping[Billed, Decimal] = {
    Billed.OWNED_READ: Decimal("0.001"),
    Billed.POST_READ: Decimal("0.005"),
    Billed.DM_READ: Decimal("0.010"),
    Billed.POST: Decimal("0.015"),
    Billed.POST_URL: Decimal("0.200"),
    Billed.REPLY: Decimal("0.010"),
    Billed.DM_SEND: Decimal("0.015"),
}

# XUsage rows are kept per purpose: what their reads and writes are billed as.
READ_KINDS: Mapping[str, Billed] = {
    "mentions": Billed.OWNED_READ,
    "listen": Billed.POST_READ,
    "lookup": Billed.POST_READ,
    "compliance": Billed.POST_READ,
    "dm_read": Billed.DM_READ,
}
WRITE_KINDS: Mapping[str, Billed] = {
    "post": Billed.POST,
    "post_url": Billed.POST_URL,
    "reply": Billed.REPLY,
    "dm_send": Billed.DM_SEND,
}


def read_kind(purpose: str) -> Billed:
    """Reads of an unknown purpose are priced as ordinary post reads (never as the cheap owned ones)."""
    return READ_KINDS.get(purpose, Billed.POST_READ)


def write_kind(purpose: str) -> Billed:
    return WRITE_KINDS.get(purpose, Billed.POST)


def parse_prices(raw: str) -> tuple[dict[Billed, Decimal], list[str]]:
    """`post=0.01,post_url=0.20`: the overrides, and one problem line per malformed entry."""
    overrides: dict[Billed, Decimal] = {}
    problems: list[str] = []
    names = ", ".join(kind.value for kind in Billed)
    for item in (part.strip() for part in raw.split(",")):
        if not item:
            continue
        name, _, value = item.partition("=")
        try:
            kind = Billed(name.strip().lower())
            price = Decimal(value.strip())
        except (ValueError, InvalidOperation):
            problems.append(f"entry {item!r} should look like post=0.015 (kinds: {names})")
            continue
        if not price.is_finite() or price < 0:
            problems.append(f"entry {item!r} needs a price of 0 or more dollars")
            continue
        overrides[kind] = price
    return overrides, problems


class PriceTable:
    """The 2026 prices with any overrides from settings."""

    def __init__(self, overrides: Mapping[Billed, Decimal] | None = None) -> None:
        self.prices: dict[Billed, Decimal] = {**PRICES_2026, **(overrides or {})}

    def __getitem__(self, kind: Billed) -> Decimal:
        return self.prices[kind]

    def cost(self, purpose: str, reads: int, writes: int) -> Decimal:
        return reads * self.prices[read_kind(purpose)] + writes * self.prices[write_kind(purpose)]


def dollars(amount: Decimal) -> str:
    """$0.215, $12.40: cents always, a third decimal only where a price needs it."""
    places = (
        Decimal("0.001") if amount != amount.quantize(Decimal("0.01")) and amount < 10 else Decimal("0.01")
    )
    return f"${amount.quantize(places):,}"
