"""Checks every AI draft must pass before a person sees it: whatever the tweet asked, these still hold."""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

from twitter_text.extract_urls import extract_urls

from slackbridge.text import TWEET_LIMIT, find_urls, weighted_length
from slackbridge.x.prices import Billed, PriceTable, dollars


class ProblemCode(enum.StrEnum):
    EMPTY = "empty"
    TOO_LONG = "too_long"
    FOREIGN_MENTION = "foreign_mention"
    LINK_NOT_ALLOWED = "link_not_allowed"
    PLACEHOLDER = "placeholder"


@dataclass(frozen=True)
class Problem:
    code: ProblemCode
    message: str


# An @handle as X links it: not part of an e-mail address or a longer word.
_MENTION = re.compile(r"(?<![\w@])[@\uff20]([A-Za-z0-9_]{1,15})\b")

_PLACEHOLDERS = [
    re.compile(r"\[[^\[\]\n]{1,40}\]"),  # [name], [order number], [insert link]
    re.compile(r"\{\{?\s*[A-Za-z_][\w .-]{0,40}\}\}?"),  # {order_id}, {{ name }}
    re.compile(r"\$\{[^}\n]{1,40}\}"),  # ${name}
    re.compile(r"<\s*[A-Za-z_][\w .-]{0,30}>"),  # <link>, <customer name>
    re.compile(r"(?<![A-Za-z0-9])X{3,}(?![A-Za-z0-9])"),  # XXX, XXXX-XXXX
    re.compile(r"\b(?:TODO|TBD|FIXME|TKTK|lorem ipsum)\b", re.IGNORECASE),
]

LINK_COST_NOTE = (
    "Contains a link: X charges {with_link} to post it instead of {without} without one. "
    "Keep it only if it helps."
)


def normalize_domain(domain: str) -> str:
    """'https://www.Shop.example/help' -> 'shop.example', so configured domains may be written loosely."""
    domain = domain.strip().lower()
    host = urlsplit(domain if "//" in domain else f"//{domain}").hostname or ""
    return host.removeprefix("www.")


# "evil.example/free": X links only known TLDs, but a reader can still type it in; treat it as a link.
_BARE_HOST_WITH_PATH = re.compile(r"(?<![\w@./])((?:[A-Za-z0-9-]+\.)+[A-Za-z]{2,24})/\S*")


def link_hosts(text: str) -> list[str]:
    """Hosts of every link X would make in text (with or without http(s)://), plus bare host/path forms."""
    urls = [*find_urls(text), *extract_urls(text), *_BARE_HOST_WITH_PATH.findall(text)]
    hosts = [normalize_domain(u) for u in urls]
    return list(dict.fromkeys(h for h in hosts if h))


def is_allowed_host(host: str, allowed_domains: Iterable[str]) -> bool:
    for domain in (normalize_domain(d) for d in allowed_domains):
        if domain and (host == domain or host.endswith("." + domain)):
            return True
    return False


def check_suggestion(
    text: str, *, customer_username: str, allowed_domains: Iterable[str] = ()
) -> list[Problem]:
    """Every reason this draft must not be posted as is; an empty list means it can go to a person."""
    if not text.strip():
        return [Problem(ProblemCode.EMPTY, "The draft is empty.")]
    problems: list[Problem] = []
    length = weighted_length(text)
    if length > TWEET_LIMIT:
        problems.append(
            Problem(ProblemCode.TOO_LONG, f"{length}/{TWEET_LIMIT} characters as X counts them: shorten it.")
        )
    customer = customer_username.lstrip("@").casefold()
    foreign = sorted({m for m in _MENTION.findall(text) if m.casefold() != customer})
    if foreign:
        names = ", ".join(f"@{m}" for m in foreign)
        problems.append(
            Problem(ProblemCode.FOREIGN_MENTION, f"Mentions someone other than the customer: {names}.")
        )
    allowed = list(allowed_domains)
    bad_hosts = [h for h in link_hosts(text) if not is_allowed_host(h, allowed)]
    if bad_hosts:
        problems.append(
            Problem(
                ProblemCode.LINK_NOT_ALLOWED,
                f"Links to a domain that is not allowed: {', '.join(bad_hosts)}.",
            )
        )
    placeholders = [m.group(0) for pattern in _PLACEHOLDERS for m in pattern.finditer(text)]
    if placeholders:
        shown = ", ".join(dict.fromkeys(placeholders))
        problems.append(Problem(ProblemCode.PLACEHOLDER, f"Has a blank to fill in: {shown}."))
    return problems


def link_cost_note(text: str, prices: PriceTable | None = None) -> str | None:
    """A note for any draft with a link, because X bills a reply with a URL many times more."""
    if not link_hosts(text):
        return None
    table = prices or PriceTable()
    return LINK_COST_NOTE.format(
        with_link=dollars(table[Billed.POST_URL]), without=dollars(table[Billed.REPLY])
    )
