"""Rendering stored posts and users as X's JSON: fields, expansions, pages with `meta` and tokens."""

from __future__ import annotations

import base64
import binascii
import hashlib
import html
import re
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from slackbridge.testing.fake_x.billing import PRICE_READ, XBilling
from slackbridge.testing.fake_x.errors import invalid_request


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _parse_time(value: str, name: str) -> datetime:
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)
    except ValueError:
        raise invalid_request(f"Invalid '{name}': '{value}'.", {name: [value]}) from None


def _csv(value: str | None) -> set[str]:
    return {v.strip() for v in (value or "").split(",") if v.strip()}


def _encode_token(before_id: int) -> str:
    return base64.b32encode(f"b{before_id}".encode()).decode().lower().rstrip("=")


def _decode_token(token: str) -> int | None:
    try:
        raw = base64.b32decode(token.upper() + "=" * (-len(token) % 8)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    return int(raw[1:]) if raw.startswith("b") and raw[1:].isdigit() else None


_LINK = re.compile(r"https?://[^\s<>|]+")


def _tco(match: re.Match[str]) -> str:
    return "https://t.co/" + hashlib.sha256(match.group(0).encode()).hexdigest()[:10]


class XRendering(XBilling):
    """Turns stored posts and users into X's answers, honouring fields, expansions and pagination."""

    # X returns links in post text wrapped as t.co short links; off by default to keep tests readable.
    shorten_links = False

    def _tweet_json(self, t: dict[str, Any], fields: set[str]) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": t["id"],
            "text": html.escape(  # X entity-encodes & < > in text
                _LINK.sub(_tco, t["text"]) if self.shorten_links else t["text"], quote=False
            ),
            "edit_history_tweet_ids": [t["id"]],
        }
        if "created_at" in fields:
            out["created_at"] = _iso(t["created_at"])
        for name in ("author_id", "conversation_id", "lang"):
            if name in fields:
                out[name] = t[name]
        if "referenced_tweets" in fields and t["refs"]:
            out["referenced_tweets"] = [{"type": kind, "id": ref} for kind, ref in t["refs"]]
        if "in_reply_to_user_id" in fields and t["in_reply_to_user_id"]:
            out["in_reply_to_user_id"] = t["in_reply_to_user_id"]
        if "public_metrics" in fields:
            replies = sum(
                1 for o in self._tweets.values() if o["in_reply_to"] == t["id"] and not o["deleted"]
            )
            out["public_metrics"] = {
                "retweet_count": 0,
                "reply_count": replies,
                "like_count": 0,
                "quote_count": 0,
                "bookmark_count": 0,
                "impression_count": 0,
            }
        return out

    def _user_json(self, u: dict[str, Any], fields: set[str]) -> dict[str, Any]:
        out: dict[str, Any] = {"id": u["id"], "name": u["name"], "username": u["username"]}
        if "verified" in fields:
            out["verified"] = u["verified"]
        if "profile_image_url" in fields:
            out["profile_image_url"] = u["profile_image_url"]
        if "created_at" in fields:
            out["created_at"] = _iso(u["created_at"])
        if "public_metrics" in fields:
            count = sum(1 for t in self._tweets.values() if t["author_id"] == u["id"] and not t["deleted"])
            out["public_metrics"] = {
                "followers_count": u["followers"],
                "following_count": 0,
                "tweet_count": count,
                "listed_count": 0,
                "like_count": 0,
            }
        return out

    def _tweets_body(self, tweets: list[dict[str, Any]], q: dict[str, str]) -> dict[str, Any]:
        """`data` plus the `includes` the request's expansions ask for (and bills the reads)."""
        tweet_fields = _csv(q.get("tweet.fields"))
        user_fields = _csv(q.get("user.fields"))
        expansions = _csv(q.get("expansions"))
        body: dict[str, Any] = {}
        if tweets:
            body["data"] = [self._tweet_json(t, tweet_fields) for t in tweets]
        included: list[dict[str, Any]] = []
        if "referenced_tweets.id" in expansions:
            seen = {t["id"] for t in tweets}
            for t in tweets:
                for _, ref in t["refs"]:
                    found = self._live(ref)
                    if found and ref not in seen:
                        seen.add(ref)
                        included.append(found)
        user_ids: list[str] = []
        if "author_id" in expansions:
            user_ids += [t["author_id"] for t in tweets]
        if "in_reply_to_user_id" in expansions:
            user_ids += [t["in_reply_to_user_id"] for t in tweets if t["in_reply_to_user_id"]]
        if "referenced_tweets.id.author_id" in expansions:
            user_ids += [t["author_id"] for t in included]
        includes: dict[str, Any] = {}
        users = [self._users[i] for i in dict.fromkeys(user_ids) if i in self._users]
        if users:
            includes["users"] = [self._user_json(u, user_fields) for u in users]
        if included:
            includes["tweets"] = [self._tweet_json(t, tweet_fields) for t in included]
        if includes:
            body["includes"] = includes
        self._bill_reads(included, PRICE_READ)
        return body

    def _timeline(
        self,
        candidates: list[dict[str, Any]],
        q: dict[str, str],
        *,
        min_results: int,
        token_param: str,
        price: Decimal,
    ) -> dict[str, Any]:
        """One newest-first page with X's `meta`, honouring since_id/until_id/start_time/end_time."""
        raw_max = q.get("max_results", "10")
        if not raw_max.isdigit() or not min_results <= int(raw_max) <= 100:
            raise invalid_request(
                f"The `max_results` query parameter value [{raw_max}] is not between {min_results} and 100",
                {"max_results": [raw_max]},
            )
        items = sorted(candidates, key=lambda t: int(t["id"]), reverse=True)
        if "since_id" in q:
            items = [t for t in items if int(t["id"]) > int(q["since_id"])]
        if "until_id" in q:
            items = [t for t in items if int(t["id"]) < int(q["until_id"])]
        if "start_time" in q:
            start = _parse_time(q["start_time"], "start_time")
            items = [t for t in items if t["created_at"] >= start]
        if "end_time" in q:
            end = _parse_time(q["end_time"], "end_time")
            items = [t for t in items if t["created_at"] < end]
        token = q.get(token_param)
        if token:
            before = _decode_token(token)
            if before is None:
                raise invalid_request(
                    f"The `{token_param}` query parameter value [{token}] is not valid",
                    {token_param: [token]},
                )
            items = [t for t in items if int(t["id"]) < before]
        page, rest = items[: int(raw_max)], items[int(raw_max) :]
        body = self._tweets_body(page, q)
        self._bill_reads(page, price)
        meta: dict[str, Any] = {"result_count": len(page)}
        if page:
            meta = {"newest_id": page[0]["id"], "oldest_id": page[-1]["id"], "result_count": len(page)}
        if page and rest:
            meta["next_token"] = _encode_token(int(page[-1]["id"]))
        body["meta"] = meta
        return body
