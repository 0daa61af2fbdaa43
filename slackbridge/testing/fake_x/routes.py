"""The X API v2 endpoints the fake answers, with X's reply rules, limits and not-found shapes."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any
from urllib.parse import unquote

from slackbridge.testing.fake_x.billing import (
    PRICE_CREATE,
    PRICE_CREATE_WITH_URL,
    PRICE_OWN_MENTION,
    PRICE_READ,
    PRICE_SUMMONED_REPLY,
)
from slackbridge.testing.fake_x.compliance import XCompliance
from slackbridge.testing.fake_x.errors import (
    DUPLICATE,
    REPLY_NOT_ALLOWED,
    REPLY_TO_DELETED,
    TOO_LONG,
    ApiError,
    invalid_request,
    not_found_error,
    problem,
)
from slackbridge.testing.fake_x.records import Response
from slackbridge.testing.fake_x.render import _csv
from slackbridge.testing.fake_x.search_query import _compile_query, _mentions
from slackbridge.text import find_urls, weighted_length

MENTIONS_REACH = 800  # the mentions timeline only reaches back about 800 posts
SEARCH_WINDOW = timedelta(days=7)
DUPLICATE_WINDOW = timedelta(hours=24)
TWEET_LIMIT = 280


class XRoutes(XCompliance):
    """One handler per endpoint; each runs with ``self._lock`` held and may raise ApiError."""

    # -- internals: routes ---------------------------------------------------------------------------------

    def _route(self, method: str, path: str) -> tuple[str, Callable[..., Response], list[str]] | None:
        parts = [unquote(p) for p in path.strip("/").split("/")]
        table: list[tuple[str, str, list[str], Callable[..., Response]]] = [
            ("GET", "me", ["2", "users", "me"], self._get_me),
            ("GET", "user_by_username", ["2", "users", "by", "username", "*"], self._get_user_by_username),
            ("GET", "mentions", ["2", "users", "*", "mentions"], self._get_mentions),
            ("GET", "user_tweets", ["2", "users", "*", "tweets"], self._get_user_tweets),
            ("GET", "search", ["2", "tweets", "search", "recent"], self._get_search),
            ("GET", "tweet", ["2", "tweets", "*"], self._get_tweet),
            ("GET", "tweets", ["2", "tweets"], self._get_tweets),
            ("POST", "create", ["2", "tweets"], self._post_tweet),
            ("DELETE", "delete", ["2", "tweets", "*"], self._delete_tweet),
            ("POST", "compliance_create", ["2", "compliance", "jobs"], self._post_compliance_job),
            ("GET", "compliance_job", ["2", "compliance", "jobs", "*"], self._get_compliance_job),
        ]
        for verb, name, pattern, handler in table:
            if verb == method and len(pattern) == len(parts):
                args = [p for p, want in zip(parts, pattern, strict=True) if want == "*"]
                if all(want in ("*", p) for p, want in zip(parts, pattern, strict=True)):
                    return name, handler, args
        return None

    def _get_me(self, q: dict[str, str], body: Any) -> Response:
        return 200, {"data": self._user_json(self._users[self.brand_id], _csv(q.get("user.fields")))}, {}

    def _get_user_by_username(self, q: dict[str, str], body: Any, username: str) -> Response:
        found = self._user_named(username)
        if found is None:
            return 200, {"errors": [not_found_error("user", "username", username)]}, {}
        return 200, {"data": self._user_json(found, _csv(q.get("user.fields")))}, {}

    def _get_mentions(self, q: dict[str, str], body: Any, user_id: str) -> Response:
        user = self._users.get(user_id)
        if user is None:
            return 200, {"errors": [not_found_error("user", "id", user_id)]}, {}
        mentions = [
            t for t in self._tweets.values() if not t["deleted"] and _mentions(t["text"], user["username"])
        ]
        mentions = sorted(mentions, key=lambda t: int(t["id"]), reverse=True)[:MENTIONS_REACH]
        price = PRICE_OWN_MENTION if user_id == self.brand_id else PRICE_READ
        return (
            200,
            self._timeline(mentions, q, min_results=5, token_param="pagination_token", price=price),
            {},
        )

    def _get_user_tweets(self, q: dict[str, str], body: Any, user_id: str) -> Response:
        if user_id not in self._users:
            return 200, {"errors": [not_found_error("user", "id", user_id)]}, {}
        exclude = _csv(q.get("exclude"))
        own = [
            t
            for t in self._tweets.values()
            if t["author_id"] == user_id
            and not t["deleted"]
            and not ("retweets" in exclude and any(k == "retweeted" for k, _ in t["refs"]))
            and not ("replies" in exclude and t["in_reply_to"])
        ]
        return (
            200,
            self._timeline(own, q, min_results=5, token_param="pagination_token", price=PRICE_READ),
            {},
        )

    def _get_search(self, q: dict[str, str], body: Any) -> Response:
        query = q.get("query", "")
        if not query.strip():
            raise invalid_request("The `query` query parameter can not be empty", {"query": [query]})
        matches = _compile_query(query, self)
        oldest = self.clock() - SEARCH_WINDOW
        found = [
            t for t in self._tweets.values() if not t["deleted"] and t["created_at"] >= oldest and matches(t)
        ]
        return 200, self._timeline(found, q, min_results=10, token_param="next_token", price=PRICE_READ), {}

    def _get_tweet(self, q: dict[str, str], body: Any, tweet_id: str) -> Response:
        if not tweet_id.isdigit():
            raise invalid_request(
                f"The `id` query parameter value [{tweet_id}] does not match ^[0-9]{{1,19}}$",
                {"id": [tweet_id]},
            )
        found = self._live(tweet_id)
        if found is None:
            return 200, {"errors": [not_found_error("tweet", "id", tweet_id)]}, {}
        answer = self._tweets_body([found], q)
        answer["data"] = answer["data"][0]
        self._bill_reads([found], PRICE_READ)
        return 200, answer, {}

    def _get_tweets(self, q: dict[str, str], body: Any) -> Response:
        ids = [i for i in q.get("ids", "").split(",") if i]
        if not 1 <= len(ids) <= 100:
            raise invalid_request(
                f"The number of values in the `ids` query parameter list [{len(ids)}] "
                "is not between 1 and 100",
                {"ids": [q.get("ids", "")]},
            )
        found = [t for t in (self._live(i) for i in ids) if t is not None]
        answer = self._tweets_body(found, q)
        missing = [i for i in ids if self._live(i) is None]
        if missing:
            answer["errors"] = [not_found_error("tweet", "ids", i) for i in missing]
        self._bill_reads(found, PRICE_READ)
        return 200, answer, {}

    def _post_tweet(self, q: dict[str, str], body: Any) -> Response:
        if not isinstance(body, dict) or not isinstance(body.get("text"), str):
            raise invalid_request("You must specify either text or media", None)
        text: str = body["text"]
        if weighted_length(text) > TWEET_LIMIT:
            raise invalid_request(TOO_LONG)
        reply_to = (body.get("reply") or {}).get("in_reply_to_tweet_id")
        summoned = False
        if reply_to is not None:
            target = self._live(str(reply_to))
            if target is None:
                raise ApiError(403, problem(403, REPLY_TO_DELETED))
            summoned = self._engaged(target)
            if not summoned and target["author_id"] != self.brand_id:
                raise ApiError(403, problem(403, REPLY_NOT_ALLOWED))
        now = self.clock()
        for t in self._tweets.values():
            recent = now - t["created_at"] < DUPLICATE_WINDOW
            if t["author_id"] == self.brand_id and not t["deleted"] and recent and t["text"] == text:
                raise ApiError(403, problem(403, DUPLICATE))
        tweet_id = self._store(self.brand_id, text, in_reply_to=str(reply_to) if reply_to else None)
        self._posted.append(tweet_id)
        self.writes += 1
        if find_urls(text):
            self._cost += PRICE_CREATE_WITH_URL
        else:
            self._cost += PRICE_SUMMONED_REPLY if summoned else PRICE_CREATE
        stored = self._tweets[tweet_id]
        return 201, {"data": self._tweet_json(stored, set())}, {}

    def _engaged(self, target: dict[str, Any]) -> bool:
        """X's Feb-2026 rule: the author mentioned the brand in that post, or quoted one of its posts."""
        if _mentions(target["text"], self.brand_username):
            return True
        return any(
            kind == "quoted" and ref in self._tweets and self._tweets[ref]["author_id"] == self.brand_id
            for kind, ref in target["refs"]
        )

    def _delete_tweet(self, q: dict[str, str], body: Any, tweet_id: str) -> Response:
        found = self._tweets.get(tweet_id)
        if found is None:
            raise ApiError(
                404, problem(404, f"Could not find tweet with id: [{tweet_id}].", title="Not Found Error")
            )
        if found["author_id"] != self.brand_id:
            raise ApiError(403, problem(403, "You are not allowed to delete this Tweet."))
        deleted_now = not found["deleted"]
        found["deleted"] = True
        return 200, {"data": {"deleted": deleted_now}}, {}
