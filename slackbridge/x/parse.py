"""Mapping X API v2 JSON to our own dataclasses, and the fields we ask X for."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from slackbridge.text import decode_x_text
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


def _fields() -> dict[str, list[str]]:
    return {"expansions": EXPANSIONS, "tweet_fields": TWEET_FIELDS, "user_fields": USER_FIELDS}


def _user(data: dict[str, Any]) -> XUser:
    metrics = data.get("public_metrics") or {}
    followers = metrics.get("followers_count")
    return XUser(
        id=str(data["id"]),
        username=str(data.get("username", "")),
        name=str(data.get("name", "")),
        followers_count=int(followers) if followers is not None else None,
        verified=bool(data.get("verified", False)),
        profile_image_url=data.get("profile_image_url"),
    )


def _users_by_id(body: dict[str, Any]) -> dict[str, XUser]:
    users = (body.get("includes") or {}).get("users") or []
    return {str(u["id"]): _user(u) for u in users if isinstance(u, dict) and "id" in u}


def _created_at(data: dict[str, Any]) -> datetime:
    raw = data.get("created_at")
    if isinstance(raw, str):
        return datetime.fromisoformat(raw.replace("Z", "+00:00")).astimezone(UTC)
    # Without the field, the snowflake id still carries the creation time.
    millis = (int(data["id"]) >> 22) + _SNOWFLAKE_EPOCH_MS
    return datetime.fromtimestamp(millis / 1000, UTC)


def _tweet(data: dict[str, Any], users: dict[str, XUser]) -> XTweet:
    refs = {str(r.get("type")): str(r.get("id")) for r in data.get("referenced_tweets") or []}
    tweet_id = str(data["id"])
    author_id = str(data.get("author_id", ""))
    return XTweet(
        id=tweet_id,
        text=decode_x_text(str(data.get("text", ""))),
        author_id=author_id,
        conversation_id=str(data.get("conversation_id") or tweet_id),
        created_at=_created_at(data),
        in_reply_to_tweet_id=refs.get("replied_to"),
        quoted_tweet_id=refs.get("quoted"),
        is_retweet="retweeted" in refs,
        lang=data.get("lang"),
        author=users.get(author_id),
    )


def parse_page(body: dict[str, Any]) -> TweetPage:
    """A timeline or search response (data, includes.users, meta) as our own page of posts."""
    users = _users_by_id(body)
    meta = body.get("meta") or {}
    return TweetPage(
        tweets=[_tweet(item, users) for item in body.get("data") or []],
        newest_id=meta.get("newest_id"),
        next_token=meta.get("next_token"),
    )
