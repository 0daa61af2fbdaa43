"""Our own view of X data: the rest of slackbridge never sees tweepy objects."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class XUser:
    id: str
    username: str
    name: str
    followers_count: int | None = None
    verified: bool = False
    profile_image_url: str | None = None


@dataclass(frozen=True)
class XTweet:
    id: str
    text: str  # plain text: X's HTML entities (&amp; &lt; &gt;) already decoded
    author_id: str
    conversation_id: str
    created_at: datetime  # timezone-aware UTC
    in_reply_to_tweet_id: str | None = None
    quoted_tweet_id: str | None = None
    is_retweet: bool = False
    lang: str | None = None
    author: XUser | None = None  # filled from the `includes.users` expansion


@dataclass(frozen=True)
class TweetPage:
    tweets: list[XTweet]  # newest first, as X returns them
    newest_id: str | None
    next_token: str | None


@dataclass(frozen=True)
class PostedTweet:
    id: str
    text: str


@dataclass(frozen=True)
class ComplianceJob:
    """A batch compliance job: X checks a list of post ids and says which need action."""

    id: str
    status: str  # created, in_progress, complete, failed, expired
    upload_url: str = field(repr=False)  # pre-signed: it grants access by itself, never log it
    download_url: str = field(repr=False)


@dataclass(frozen=True)
class ComplianceEvent:
    """One line of a job's results: what happened to a post on X."""

    tweet_id: str
    action: str  # "delete" (the post must go) or "scrub_geo"
    reason: str  # deleted, suspended, protected, deactivated, scrub_geo


class XErrorKind(enum.StrEnum):
    RATE_LIMITED = "rate_limited"  # 429: wait until retry_at
    NOT_ALLOWED = "not_allowed"  # 403: X refuses this action (e.g. reply not allowed, duplicate)
    NOT_FOUND = "not_found"  # 404 or the resource was deleted
    AUTH = "auth"  # 401: keys wrong or revoked
    BAD_REQUEST = "bad_request"  # 400: our request was malformed
    TRANSIENT = "transient"  # 5xx, timeouts, connection errors
    # Operations: X's pay-per-use account has no credits left
    PAYMENT = "payment_required"  # 402: buy credits in the developer console


@dataclass
class XError(Exception):
    kind: XErrorKind
    message: str  # plain words for people, never contains secrets
    status: int | None = None
    retry_at: datetime | None = None  # for RATE_LIMITED, from x-rate-limit-reset
    # True when the request may have reached X and taken effect (timeout after send, 5xx on a write)
    ambiguous: bool = False
    details: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        return self.message
