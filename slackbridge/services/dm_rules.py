"""Small rules about DM cases that the public workflow asks about (no I/O, no imports of services)."""

from __future__ import annotations

import re

from slackbridge.models import Case, CaseSource, Tweet, TweetSource

DM_TEXT_LIMIT = 10_000  # X's limit for one direct message, in characters
DM_SOURCES = (TweetSource.DM, TweetSource.DM_OURS)
OUR_SOURCES = (TweetSource.OURS, TweetSource.DM_OURS)
_RATING = re.compile(r"^\s*([1-5])\s*(?:/\s*5)?\s*[.!]?\s*$")


def is_dm(case: Case | None) -> bool:
    return case is not None and case.source == CaseSource.DM


def is_group_dm(case: Case | None) -> bool:
    """Group conversations are shown but never answered: X's one-to-one send is the only path."""
    return is_dm(case) and bool(case and case.conversation_id.startswith("dmg:"))


def keeps_case_status(case: Case, tweet: Tweet) -> bool:
    """A stored message that must not reopen its case: our own DM, or the customer's rating answer."""
    if tweet.source == TweetSource.DM_OURS:
        return True
    answered = case.csat_answered_at
    return bool(answered and tweet.source == TweetSource.DM and tweet.created_at <= answered)


def rating(text: str) -> int | None:
    """A CSAT answer: a lone number from 1 to 5 (also "4/5")."""
    found = _RATING.match(text)
    return int(found.group(1)) if found else None


def dm_case_key(customer_id: str) -> str:
    """The store's conversation key of a one-to-one DM case (X's own id is two user ids, too long)."""
    return f"dm:{customer_id}"


def group_case_key(dm_conversation_id: str) -> str:
    return f"dmg:{dm_conversation_id}"[:32]
