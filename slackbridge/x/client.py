"""Thin tweepy wrapper: talks to X API v2 and hands the rest of slackbridge our own dataclasses."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Iterable
from datetime import datetime
from functools import partial
from typing import Any
from urllib.parse import urlsplit

import requests
import tweepy

from slackbridge.text import decode_x_text
from slackbridge.x.dms import DmCalls
from slackbridge.x.errors import XErrorMapper
from slackbridge.x.parse import (
    EXPANSIONS,
    TWEET_FIELDS,
    USER_FIELDS,
    _fields,
    _tweet,
    _user,
    _users_by_id,
    parse_page,
)
from slackbridge.x.session import _BEARER_PLACEHOLDER, TWEEPY_HOST, BaseUrlSession
from slackbridge.x.types import (
    ComplianceEvent,
    ComplianceJob,
    PostedTweet,
    TweetPage,
    XError,
    XErrorKind,
    XTweet,
    XUser,
)

# Re-exported: these names have always been importable from slackbridge.x.client.
__all__ = [
    "EXPANSIONS",
    "TWEEPY_HOST",
    "TWEET_FIELDS",
    "USER_FIELDS",
    "BaseUrlSession",
    "XClient",
    "parse_page",
]

logger = logging.getLogger(__name__)

_LOOKUP_BATCH = 100  # GET /2/tweets takes at most 100 ids
_OWN_TWEETS_MAX_PAGES = 5


class XClient(DmCalls):
    """The only place slackbridge talks to X; every failure comes out as an XError."""

    def __init__(
        self,
        *,
        api_key: str,
        api_secret: str,
        access_token: str,
        access_token_secret: str,
        bearer_token: str | None = None,
        base_url: str = "https://api.x.com",
        timeout: tuple[float, float] = (5.0, 20.0),
    ) -> None:
        self._secrets = [
            s for s in (api_key, api_secret, access_token, access_token_secret, bearer_token) if s
        ]
        self._has_bearer = bool(bearer_token)
        self._host = urlsplit(base_url).netloc or base_url
        self._errors = XErrorMapper(host=self._host, secrets=self._secrets)
        self._tweepy = tweepy.Client(
            consumer_key=api_key,
            consumer_secret=api_secret,
            access_token=access_token,
            access_token_secret=access_token_secret,
            bearer_token=_BEARER_PLACEHOLDER if bearer_token else None,
            return_type=dict,
            wait_on_rate_limit=False,
        )
        self._tweepy.session = BaseUrlSession(base_url, timeout, bearer_token)
        # Compliance files go to pre-signed storage URLs: a session of their own, never carrying our keys.
        self._storage = requests.Session()
        self._timeout = timeout
        self._me: XUser | None = None
        self._me_lock = threading.Lock()

    @property
    def has_app_token(self) -> bool:
        """Batch compliance jobs need the app-only bearer token (X_BEARER_TOKEN)."""
        return self._has_bearer

    # -- batch compliance ----------------------------------------------------------------------------------

    def create_compliance_job(self, name: str) -> ComplianceJob:
        """A job for post ids; upload the ids next, within the upload URL's 15 minutes."""
        body = self._call(
            "creating a compliance job",
            lambda: self._tweepy.create_compliance_job("tweets", name=name, resumable=False),
        )
        return self._job(body, "creating a compliance job")

    def get_compliance_job(self, job_id: str) -> ComplianceJob:
        body = self._call(
            f"checking compliance job {job_id}", lambda: self._tweepy.get_compliance_job(job_id)
        )
        return self._job(body, f"checking compliance job {job_id}")

    def upload_compliance_ids(self, job: ComplianceJob, ids: Iterable[str]) -> None:
        """One id per line, PUT to the job's pre-signed URL (no credentials: the URL is the grant)."""
        payload = "".join(f"{tweet_id}\n" for tweet_id in ids).encode()
        self._storage_call(
            "uploading post ids for a compliance check",
            lambda: self._storage.put(
                job.upload_url, data=payload, headers={"Content-Type": "text/plain"}, timeout=self._timeout
            ),
        )

    def download_compliance_results(self, job: ComplianceJob) -> list[ComplianceEvent]:
        """The job's results: one JSON object per line, only for posts that need action."""
        answer = self._storage_call(
            "downloading compliance results",
            lambda: self._storage.get(job.download_url, timeout=self._timeout),
        )
        events: list[ComplianceEvent] = []
        for line in answer.text.splitlines():
            if not line.strip():
                continue
            try:
                item = json.loads(line)
                events.append(
                    ComplianceEvent(
                        tweet_id=str(item["id"]),
                        action=str(item["action"]),
                        reason=str(item.get("reason", "")),
                    )
                )
            except (ValueError, KeyError, TypeError):
                logger.warning("x.compliance_unreadable_line length=%s", len(line))
        return events

    def _storage_call(self, action: str, fn: Callable[[], requests.Response]) -> requests.Response:
        with self._errors.errors(action, action, write=False):
            answer = fn()
        if not answer.ok:
            # The URL is pre-signed (its query is a credential): only the status goes into messages and logs.
            raise XError(
                kind=XErrorKind.TRANSIENT if answer.status_code >= 500 else XErrorKind.BAD_REQUEST,
                message=f"X's file storage answered {answer.status_code} while {action}.",
                status=answer.status_code,
            )
        return answer

    def _job(self, body: dict[str, Any], action: str) -> ComplianceJob:
        data = body.get("data")
        if not isinstance(data, dict) or not {"id", "status", "upload_url", "download_url"} <= data.keys():
            raise self._errors.not_found(f"X did not return a compliance job while {action}.", body)
        return ComplianceJob(
            id=str(data["id"]),
            status=str(data["status"]),
            upload_url=str(data["upload_url"]),
            download_url=str(data["download_url"]),
        )

    # -- reads ---------------------------------------------------------------------------------------------

    def me(self) -> XUser:
        """The account the keys belong to; cached, since it never changes for a set of keys."""
        with self._me_lock:
            if self._me is None:
                body = self._call(
                    "looking up the account for these keys",
                    lambda: self._tweepy.get_me(user_auth=True, user_fields=USER_FIELDS),
                )
                data = body.get("data")
                if not isinstance(data, dict):
                    raise self._errors.not_found("X did not return the account for these keys.", body)
                self._me = _user(data)
            return self._me

    def access(self) -> tuple[XUser, str | None]:
        """The keys' account and the access token's permission, as X reports it in `x-access-level`.

        X sends the header on user-context answers: read, read-write or read-write-directmessages;
        None when it did not say. A read token can read mentions but never post a reply."""
        with self._errors.errors("checking the keys", "these keys", write=False):
            answer = self._tweepy.request(
                "GET", "/2/users/me", params={"user.fields": ",".join(USER_FIELDS)}, user_auth=True
            )
            body = answer.json()
        data = body.get("data") if isinstance(body, dict) else None
        if not isinstance(data, dict):
            raise self._errors.not_found("X did not return the account for these keys.", body or {})
        level = answer.headers.get("x-access-level")
        return _user(data), level.strip().lower() if level else None

    def mentions(
        self,
        user_id: str,
        *,
        since_id: str | None = None,
        pagination_token: str | None = None,
        max_results: int = 100,
        start_time: datetime | None = None,
    ) -> TweetPage:
        """One page of the account's mentions, newest first, with authors filled in."""
        body = self._call(
            "reading mentions",
            lambda: self._tweepy.get_users_mentions(
                user_id,
                user_auth=True,
                since_id=since_id,
                pagination_token=pagination_token,
                max_results=max_results,
                start_time=start_time,
                **_fields(),
            ),
        )
        return parse_page(body)

    def get_tweet(self, tweet_id: str) -> XTweet:
        """One post; NOT_FOUND when it was deleted or never existed."""
        body = self._call(
            f"reading post {tweet_id}",
            lambda: self._tweepy.get_tweet(tweet_id, user_auth=not self._has_bearer, **_fields()),
        )
        data = body.get("data")
        if not isinstance(data, dict):
            # X answers 200 with an `errors` array (and no `data`) for a deleted or unknown post.
            raise self._errors.not_found(f"X could not find post {tweet_id}: it may have been deleted.", body)
        return _tweet(data, _users_by_id(body))

    def get_tweets(self, ids: list[str]) -> list[XTweet]:
        """The posts that still exist among ids (in batches of 100), to spot deletions."""
        found: list[XTweet] = []
        for start in range(0, len(ids), _LOOKUP_BATCH):
            batch = ids[start : start + _LOOKUP_BATCH]
            body = self._call(
                f"reading {len(batch)} posts",
                partial(self._tweepy.get_tweets, batch, user_auth=not self._has_bearer, **_fields()),
            )
            users = _users_by_id(body)
            found.extend(_tweet(item, users) for item in body.get("data") or [])
        return found

    def search_recent(
        self,
        query: str,
        *,
        since_id: str | None = None,
        max_results: int = 10,
        next_token: str | None = None,
        expansions: list[str] | None = None,
    ) -> TweetPage:
        """Recent search (7 days), e.g. a conversation's posts with `conversation_id:<id>`.

        `expansions` replaces the default ones: every expanded post is billed as a read."""
        fields = _fields()
        if expansions is not None:
            fields["expansions"] = expansions
        body = self._call(
            "searching recent posts",
            lambda: self._tweepy.search_recent_tweets(
                query,
                user_auth=not self._has_bearer,
                since_id=since_id,
                max_results=max_results,
                next_token=next_token,
                **fields,
            ),
        )
        return parse_page(body)

    def user_by_username(self, username: str) -> XUser:
        """Look a person up by handle, as staff type it (with or without @)."""
        handle = username.strip().lstrip("@")
        body = self._call(
            f"looking up @{handle}",
            lambda: self._tweepy.get_user(
                username=handle, user_auth=not self._has_bearer, user_fields=USER_FIELDS
            ),
        )
        data = body.get("data")
        if not isinstance(data, dict):
            raise self._errors.not_found(f"X has no account @{handle}.", body)
        return _user(data)

    def recent_own_tweets(self, user_id: str, *, start_time: datetime) -> list[XTweet]:
        """Our own posts since start_time, to learn whether an ambiguous post actually went out."""
        tweets: list[XTweet] = []
        token: str | None = None
        for _ in range(_OWN_TWEETS_MAX_PAGES):
            body = self._call(
                "reading our recent posts",
                partial(
                    self._tweepy.get_users_tweets,
                    user_id,
                    user_auth=True,
                    start_time=start_time,
                    max_results=100,
                    pagination_token=token,
                    exclude=["retweets"],
                    **_fields(),
                ),
            )
            page = parse_page(body)
            tweets.extend(page.tweets)
            token = page.next_token
            if token is None:
                break
        return tweets

    # -- writes --------------------------------------------------------------------------------------------

    def post_reply(self, text: str, in_reply_to_tweet_id: str) -> PostedTweet:
        """Post an approved reply; a 5xx or timeout is marked ambiguous because the post may exist."""
        body = self._call(
            "posting this reply",
            lambda: self._tweepy.create_tweet(
                text=text, in_reply_to_tweet_id=in_reply_to_tweet_id, user_auth=True
            ),
            write=True,
            subject="this reply",
        )
        data = body.get("data") or {}
        logger.info("x.reply_posted tweet_id=%s in_reply_to=%s", data.get("id"), in_reply_to_tweet_id)
        return PostedTweet(id=str(data["id"]), text=decode_x_text(str(data.get("text", text))))

    def delete_tweet(self, tweet_id: str) -> None:
        """Delete one of our posts (e.g. a reply sent by mistake)."""
        self._call(
            f"deleting post {tweet_id}",
            lambda: self._tweepy.delete_tweet(tweet_id, user_auth=True),
            write=True,
        )
        logger.info("x.tweet_deleted tweet_id=%s", tweet_id)

    # -- error mapping -------------------------------------------------------------------------------------

    def _call(
        self, action: str, fn: Callable[[], Any], *, write: bool = False, subject: str | None = None
    ) -> dict[str, Any]:
        with self._errors.errors(action, subject or action, write=write):
            body = fn()
        return body if isinstance(body, dict) else {}
