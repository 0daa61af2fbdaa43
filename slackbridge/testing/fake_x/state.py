"""What the fake X stores (users, posts, requests, injected faults) and the helpers tests use on it."""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from http.server import ThreadingHTTPServer
from typing import Any

from slackbridge.testing.fake_x.records import RecordedRequest, _Injected
from slackbridge.testing.fake_x.search_query import _mentions

FIRST_TWEET_ID = 1800000000000000000
_TWEET_ID_STEP = 1000
FIRST_USER_ID = 1000000001


class XState:
    """The fake's store and its test helpers; the internals below expect the caller to hold ``self._lock``."""

    def __init__(
        self,
        *,
        brand_username: str = "acme",
        brand_name: str = "Acme Support",
        api_key: str = "fake-api-key",
        api_secret: str = "fake-api-secret",  # noqa: S107
        access_token: str = "fake-access-token",  # noqa: S107
        access_token_secret: str = "fake-access-token-secret",  # noqa: S107
        bearer_token: str | None = "fake-bearer-token",  # noqa: S107
        verify_signatures: bool = True,
        access_level: str = "read-write",
        clock: Callable[[], datetime] | None = None,
        port: int = 0,
    ) -> None:
        self.api_key, self.api_secret = api_key, api_secret
        self.access_token, self.access_token_secret = access_token, access_token_secret
        self.bearer_token = bearer_token
        self.verify_signatures = verify_signatures
        # The access token's permission, as X reports it in `x-access-level` on user-context answers:
        # read, read-write or read-write-directmessages. A read token cannot post or delete.
        self.access_level = access_level
        self.clock = clock or (lambda: datetime.now(UTC))
        self._port = port
        self._lock = threading.RLock()
        self._tweet_ids = itertools.count(FIRST_TWEET_ID, _TWEET_ID_STEP)
        self._user_ids = itertools.count(FIRST_USER_ID)
        self._users: dict[str, dict[str, Any]] = {}
        self._tweets: dict[str, dict[str, Any]] = {}
        self._posted: list[str] = []
        self._requests: list[RecordedRequest] = []
        self._failures: list[_Injected] = []
        self._delays: list[_Injected] = []
        self._rate_used: dict[tuple[str, str, int], int] = {}
        self._read_today: set[tuple[date, str]] = set()
        self.reads = 0
        self.writes = 0
        self._cost = Decimal(0)
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.brand = self.add_user(brand_username, brand_name, followers=1200, verified=True)
        self.brand_id: str = self.brand["id"]
        self.brand_username = brand_username

    # -- test helpers: state -------------------------------------------------------------------------------

    def add_user(
        self,
        username: str,
        name: str | None = None,
        followers: int = 0,
        *,
        verified: bool = False,
        profile_image_url: str | None = None,
        user_id: str | None = None,
    ) -> dict[str, Any]:
        with self._lock:
            user_id = user_id or str(next(self._user_ids))
            self._users[user_id] = {
                "id": user_id,
                "username": username,
                "name": name or username.capitalize(),
                "followers": followers,
                "verified": verified,
                "profile_image_url": profile_image_url
                or f"https://pbs.twimg.com/profile_images/{user_id}/photo_normal.jpg",
                "created_at": self.clock() - timedelta(days=365),
            }
            return dict(self._users[user_id])

    def continue_ids(self, after_tweet_id: int, after_user_id: int = 0) -> None:
        """New posts and users get ids above these: a store that outlived an earlier fake keeps working."""
        with self._lock:
            self._tweet_ids = itertools.count(max(after_tweet_id + 1, FIRST_TWEET_ID), _TWEET_ID_STEP)
            taken = max([after_user_id, *(int(uid) for uid in self._users)])
            self._user_ids = itertools.count(max(taken + 1, FIRST_USER_ID))

    def user(self, username: str) -> dict[str, Any] | None:
        with self._lock:
            found = self._user_named(username)
            return dict(found) if found else None

    def add_tweet(
        self,
        author_username: str,
        text: str,
        *,
        in_reply_to: str | None = None,
        quote_of: str | None = None,
        retweet_of: str | None = None,
        conversation_id: str | None = None,
        lang: str = "en",
        created_at: datetime | None = None,
    ) -> str:
        """Store a post as X would; an unknown author is created on the fly."""
        with self._lock:
            author = self._user_named(author_username) or self.add_user(author_username)
            return self._store(
                author["id"],
                text,
                in_reply_to=in_reply_to,
                quote_of=quote_of,
                retweet_of=retweet_of,
                conversation_id=conversation_id,
                lang=lang,
                created_at=created_at,
            )

    def mention(self, author_username: str, text: str | None = None, **kwargs: Any) -> str:
        """A post that mentions the brand (the text gains @brand when it lacks it)."""
        handle = f"@{self.brand_username}"
        if text is None:
            text = f"{handle} hello, I need some help"
        elif not _mentions(text, self.brand_username):
            text = f"{handle} {text}"
        return self.add_tweet(author_username, text, **kwargs)

    def delete(self, tweet_id: str) -> None:
        with self._lock:
            self._tweets[tweet_id]["deleted"] = True

    def tweet(self, tweet_id: str) -> dict[str, Any] | None:
        """The stored post (deleted ones too), with plain text, for assertions."""
        with self._lock:
            stored = self._tweets.get(tweet_id)
            return dict(stored) if stored else None

    def posted(self) -> list[dict[str, Any]]:
        """Posts created through POST /2/tweets, oldest first."""
        with self._lock:
            return [
                {
                    "id": t["id"],
                    "text": t["text"],
                    "in_reply_to_tweet_id": t["in_reply_to"],
                    "created_at": t["created_at"],
                    "deleted": t["deleted"],
                }
                for t in (self._tweets[i] for i in self._posted)
            ]

    @property
    def requests(self) -> list[RecordedRequest]:
        with self._lock:
            return list(self._requests)

    def clear_requests(self) -> None:
        with self._lock:
            self._requests.clear()

    def fail_next(
        self,
        path_prefix: str,
        status: int,
        *,
        count: int = 1,
        headers: dict[str, str] | None = None,
        body: dict[str, Any] | None = None,
        method: str | None = None,
        process: bool = False,
    ) -> None:
        """Answer the next `count` matching requests with an error; process=True acts on them first.

        headers=None sends X's usual headers (a 429 gets x-rate-limit-*); a dict replaces them."""
        with self._lock:
            self._failures.append(
                _Injected(path_prefix, method, count, status, headers, body, process=process)
            )

    def delay_next(
        self, path_prefix: str, seconds: float, *, method: str | None = None, process: bool = True
    ) -> None:
        """Hold the next matching answer; process=True acts first (a timed-out post still exists)."""
        with self._lock:
            self._delays.append(_Injected(path_prefix, method, 1, seconds=seconds, process=process))

    # -- internals: storage and rendering ------------------------------------------------------------------

    def _user_named(self, username: str) -> dict[str, Any] | None:
        wanted = username.lstrip("@").lower()
        return next((u for u in self._users.values() if u["username"].lower() == wanted), None)

    def _store(
        self,
        author_id: str,
        text: str,
        *,
        in_reply_to: str | None = None,
        quote_of: str | None = None,
        retweet_of: str | None = None,
        conversation_id: str | None = None,
        lang: str = "en",
        created_at: datetime | None = None,
    ) -> str:
        tweet_id = str(next(self._tweet_ids))
        refs = [
            (kind, ref)
            for kind, ref in (("replied_to", in_reply_to), ("quoted", quote_of), ("retweeted", retweet_of))
            if ref
        ]
        for _, ref in refs:
            if ref not in self._tweets:
                raise KeyError(f"unknown tweet {ref}")
        parent = self._tweets.get(in_reply_to) if in_reply_to else None
        self._tweets[tweet_id] = {
            "id": tweet_id,
            "text": text,
            "author_id": author_id,
            "conversation_id": conversation_id or (parent["conversation_id"] if parent else tweet_id),
            "created_at": created_at or self.clock(),
            "refs": refs,
            "in_reply_to": in_reply_to,
            "in_reply_to_user_id": parent["author_id"] if parent else None,
            "lang": lang,
            "deleted": False,
        }
        return tweet_id

    def _live(self, tweet_id: str) -> dict[str, Any] | None:
        found = self._tweets.get(tweet_id)
        return found if found and not found["deleted"] else None
