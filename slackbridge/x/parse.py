"""Mapping X API v2 JSON to our own dataclasses, and the fields we ask X for."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from slackbridge.text import clean_optional, clean_text, decode_x_text
from slackbridge.x.types import TweetPage, XTweet, XUser

# Only the author: the tweet field `referenced_tweets` already gives reply/quote ids, and every expanded
# post would be billed as another read.
EXPANSIONS = ["author_id"]
TWEET_FIELDS = [
    "created_at",
    "conversation_id",
    "referenced_tweets",
    "in_reply_to_user_id",
    "lang",
    "author_id",
]
USER_FIELDS = ["username", "name", "verified", "public_metrics", "profile_image_url"]
_SNOWFLAKE_EPOCH_MS = 1288834974657

logger = logging.getLogger(__name__)


def _fields() -> dict[str, list[str]]:
    return {"expansions": EXPANSIONS, "tweet_fields": TWEET_FIELDS, "user_fields": USER_FIELDS}


# Every string from X is cleaned here (see text.clean_text): one odd post must not break storing or showing.


def _user(data: dict[str, Any]) -> XUser:
    metrics = data.get("public_metrics") or {}
    followers = metrics.get("followers_count") if isinstance(metrics, dict) else None
    if not (isinstance(followers, int | str) and str(followers).isdigit()):
        followers = None
    return XUser(
        id=clean_text(data["id"]),
        username=clean_text(data.get("username", "")),
        name=clean_text(data.get("name", "")),
        followers_count=int(followers) if followers is not None else None,
        verified=data.get("verified") is True,
        profile_image_url=clean_optional(data.get("profile_image_url")),
    )


def _users_by_id(body: dict[str, Any]) -> dict[str, XUser]:
    users = (body.get("includes") or {}).get("users") or []
    found: dict[str, XUser] = {}
    for item in users:
        if isinstance(item, dict) and "id" in item:
            user = _user(item)
            found[user.id] = user
    return found


def _created_at(data: dict[str, Any]) -> datetime:
    raw = data.get("created_at")
    if isinstance(raw, str):
        return datetime.fromisoformat(raw.replace("Z", "+00:00")).astimezone(UTC)
    # Without the field, the snowflake id still carries the creation time.
    millis = (int(data["id"]) >> 22) + _SNOWFLAKE_EPOCH_MS
    return datetime.fromtimestamp(millis / 1000, UTC)


def _tweet(data: dict[str, Any], users: dict[str, XUser]) -> XTweet:
    refs = {
        clean_text(r.get("type")): clean_text(r.get("id"))
        for r in data.get("referenced_tweets") or []
        if isinstance(r, dict)
    }
    tweet_id = clean_text(data["id"])
    if not tweet_id.isdigit():
        raise ValueError("a post id that is not a number")
    author_id = clean_text(data.get("author_id", ""))
    return XTweet(
        id=tweet_id,
        # Decoded first, then cleaned: an entity such as &#0; must not bring back what cleaning removes.
        text=clean_text(decode_x_text(clean_text(data.get("text", "")))),
        author_id=author_id,
        conversation_id=clean_text(data.get("conversation_id") or tweet_id),
        created_at=_created_at(data),
        in_reply_to_tweet_id=refs.get("replied_to") or None,
        quoted_tweet_id=refs.get("quoted") or None,
        is_retweet="retweeted" in refs,
        lang=clean_optional(data.get("lang")),
        author=users.get(author_id),
    )


def _tweets(items: list[Any], users: dict[str, XUser]) -> list[XTweet]:
    """Every readable post of a page; one malformed post is left out (and named), never the whole page."""
    tweets = []
    for item in items:
        try:
            tweets.append(_tweet(item, users))
        except (KeyError, TypeError, ValueError, OverflowError) as exc:
            raw_id = item.get("id") if isinstance(item, dict) else None
            post_id = clean_text(raw_id, 32) if isinstance(raw_id, str | int) else "?"
            logger.error("x.post_unreadable tweet=%s error=%s", post_id, type(exc).__name__)
    return tweets


def parse_page(body: dict[str, Any]) -> TweetPage:
    """A timeline or search response (data, includes.users, meta) as our own page of posts."""
    users = _users_by_id(body)
    meta = body.get("meta") or {}
    return TweetPage(
        tweets=_tweets(body.get("data") or [], users),
        newest_id=clean_optional(meta.get("newest_id")),
        next_token=clean_optional(meta.get("next_token")),
    )
