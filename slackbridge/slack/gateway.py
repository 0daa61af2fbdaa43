"""Everything slackbridge sends to Slack goes through here: pacing, caching, error mapping."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackRequestError

from slackbridge import metrics

logger = logging.getLogger(__name__)

POST_EVENT = "slackbridge_post"  # message metadata event type on the cards and follow-ups we post
UNAVAILABLE = "unavailable"  # our code for a Slack outage: a 5xx, or an answer that is not Slack's JSON
FIND_PAGES = 10  # how many pages of history find_post reads before giving up (200 messages each)
FIND_PAGE_SIZE = 200

Blocks = list[dict[str, Any]]


class SlackError(Exception):
    """Slack refused or failed a call; `code` is Slack's error string (e.g. ratelimited)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass
class _Cached:
    value: Any
    expires: float


class SlackGateway:
    """Posts, updates and looks up, keeping under chat.postMessage's ~1 message/second/channel."""

    def __init__(self, client: WebClient, *, min_interval: float = 1.0, cache_seconds: float = 300.0) -> None:
        self.client = client
        self.min_interval = min_interval
        self.cache_seconds = cache_seconds
        self._last_post: dict[str, float] = {}
        self._pace_lock = threading.Lock()
        self._cache: dict[str, _Cached] = {}
        self._cache_lock = threading.Lock()

    def _call(self, method: str, fn: Callable[..., Any], **kwargs: Any) -> Any:
        try:
            return fn(**kwargs)
        except SlackApiError as exc:
            status = int(getattr(exc.response, "status_code", 0) or 0)
            if status >= 500 or not _is_slack_json(exc.response):
                # Slack's edge answers an outage with an HTML page; slack_sdk then raises SlackApiError
                # whose "error" is the page's first 100 characters. That is Slack being down, not a refusal.
                logger.warning("slack.unavailable method=%s status=%s", method, status)
                metrics.process().slack_errors.labels(UNAVAILABLE).inc()
                raise SlackError(UNAVAILABLE, f"Slack is unavailable ({method} answered {status})") from exc
            code = str(exc.response.get("error", "unknown_error"))
            logger.warning("slack.call_failed method=%s error=%s", method, code)
            metrics.process().slack_errors.labels(code).inc()
            if code == "ratelimited":  # the 429 that outlasted the retries (the handler counted the others)
                metrics.process().slack_rate_limited.inc()
            raise SlackError(code, f"Slack refused {method}: {code}") from exc
        except (SlackRequestError, OSError) as exc:
            logger.warning("slack.unreachable method=%s error=%s", method, type(exc).__name__)
            metrics.process().slack_errors.labels("unreachable").inc()
            raise SlackError("unreachable", f"Slack could not be reached for {method}") from exc

    def _pace(self, channel: str) -> None:
        with self._pace_lock:
            now = time.monotonic()
            wait = self._last_post.get(channel, 0.0) + self.min_interval - now
            self._last_post[channel] = max(now, now + wait)
        if wait > 0:
            time.sleep(wait)

    def _posted(self, channel: str) -> None:
        """Count the interval from when Slack answered, so network jitter cannot bunch two posts up."""
        with self._pace_lock:
            self._last_post[channel] = max(self._last_post.get(channel, 0.0), time.monotonic())

    def post(
        self,
        channel: str,
        text: str,
        blocks: Blocks,
        *,
        thread_ts: str | None = None,
        post_key: str | None = None,
    ) -> str:
        """Post a message (top-level or in a thread) and return its ts."""
        return self.post_message(channel, text, blocks, thread_ts=thread_ts, post_key=post_key)[1]

    def post_message(
        self,
        channel: str,
        text: str,
        blocks: Blocks,
        *,
        thread_ts: str | None = None,
        post_key: str | None = None,
    ) -> tuple[str, str]:
        """Post and return (channel ID, ts): Slack accepts a #name and answers with the ID to use later.

        `post_key` is attached as message metadata, so `find_post` can find the message if Slack's answer
        is lost on the way."""
        self._pace(channel)
        metadata = {"event_type": POST_EVENT, "event_payload": {"key": post_key}} if post_key else None
        try:
            response = self._call(
                "chat.postMessage",
                self.client.chat_postMessage,
                channel=channel,
                text=text,
                blocks=blocks,
                thread_ts=thread_ts,
                unfurl_links=False,
                unfurl_media=False,
                metadata=metadata,
            )
        finally:
            self._posted(channel)
        return str(response.get("channel") or channel), str(response["ts"])

    def find_post(
        self, channel: str, post_key: str, *, since: float, thread_ts: str | None = None
    ) -> tuple[str, str] | None:
        """(channel ID, ts) of our message posted with `post_key` since `since` (Unix time), if any.

        Follows Slack's cursor for up to FIND_PAGES pages, so a busy channel cannot hide the message."""
        common: dict[str, Any] = {
            "channel": channel,
            "oldest": f"{since:.6f}",
            "include_all_metadata": True,
            "limit": FIND_PAGE_SIZE,
        }
        cursor: str | None = None
        for _ in range(FIND_PAGES):
            page = {**common, "cursor": cursor} if cursor else common
            if thread_ts:
                answer = self._call(
                    "conversations.replies", self.client.conversations_replies, ts=thread_ts, **page
                )
            else:
                answer = self._call("conversations.history", self.client.conversations_history, **page)
            for message in answer.get("messages") or []:
                metadata = message.get("metadata") or {}
                payload = metadata.get("event_payload") or {}
                if metadata.get("event_type") == POST_EVENT and payload.get("key") == post_key:
                    return str(answer.get("channel") or channel), str(message["ts"])
            cursor = (answer.get("response_metadata") or {}).get("next_cursor") or None
            if not answer.get("has_more") or not cursor:
                return None
        logger.warning("slack.find_post_gave_up channel=%s pages=%d", channel, FIND_PAGES)
        return None

    def update(self, channel: str, ts: str, text: str, blocks: Blocks) -> None:
        self._call("chat.update", self.client.chat_update, channel=channel, ts=ts, text=text, blocks=blocks)

    def ephemeral(
        self,
        channel: str,
        user: str,
        text: str,
        *,
        thread_ts: str | None = None,
        blocks: Blocks | None = None,
    ) -> None:
        self._call(
            "chat.postEphemeral",
            self.client.chat_postEphemeral,
            channel=channel,
            user=user,
            text=text,
            thread_ts=thread_ts,
            blocks=blocks,
        )

    def workspace_url(self) -> str:
        """The workspace's base URL (auth.test `url`), e.g. https://acme.slack.com/."""
        return str(self._call("auth.test", self.client.auth_test)["url"])

    def permalink(self, channel: str, ts: str) -> str | None:
        key = f"permalink:{channel}:{ts}"
        cached = self._cached(key)
        if cached is not None:
            return str(cached)
        try:
            link = str(
                self._call(
                    "chat.getPermalink", self.client.chat_getPermalink, channel=channel, message_ts=ts
                )["permalink"]
            )
        except SlackError:
            return None
        self._remember(key, link, forever=True)
        return link

    def open_view(self, trigger_id: str, view: dict[str, Any]) -> str:
        response = self._call("views.open", self.client.views_open, trigger_id=trigger_id, view=view)
        return str(response["view"]["id"])

    def update_view(self, view_id: str, view: dict[str, Any]) -> None:
        self._call("views.update", self.client.views_update, view_id=view_id, view=view)

    def publish_home(self, user: str, view: dict[str, Any]) -> None:
        self._call("views.publish", self.client.views_publish, user_id=user, view=view)

    def user_name(self, user_id: str) -> str | None:
        """A person's display name, for turning <@U…> in drafts into plain text."""
        key = f"user:{user_id}"
        cached = self._cached(key)
        if cached is not None:
            return str(cached) or None
        try:
            user = self._call("users.info", self.client.users_info, user=user_id)["user"]
        except SlackError:
            return None
        profile = user.get("profile") or {}
        name = (
            profile.get("display_name")
            or profile.get("real_name")
            or user.get("real_name")
            or user.get("name")
        )
        self._remember(key, name or "")
        return str(name) if name else None

    def group_members(self, group_id: str) -> set[str]:
        """Members of a user group (S…); cached, since approvals check it on every click."""
        key = f"group:{group_id}"
        cached = self._cached(key)
        if cached is not None:
            return set(cached)
        response = self._call("usergroups.users.list", self.client.usergroups_users_list, usergroup=group_id)
        members = set(response.get("users") or [])
        self._remember(key, sorted(members))
        return members

    def open_dm(self, user: str) -> str:
        """The bot's direct-message channel with a person (opened if need be), for files only they see."""
        response = self._call("conversations.open", self.client.conversations_open, users=user)
        return str(response["channel"]["id"])

    def channel_members(self, channel: str) -> set[str]:
        """Members of a channel (the DM channel decides who may see DM cases); cached like groups."""
        key = f"members:{channel}"
        cached = self._cached(key)
        if cached is not None:
            return set(cached)
        members: set[str] = set()
        cursor = None
        while True:
            page: dict[str, str] = {"cursor": cursor} if cursor else {}
            response = self._call(
                "conversations.members", self.client.conversations_members, channel=channel, **page
            )
            members.update(response.get("members") or [])
            cursor = (response.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                break
        self._remember(key, sorted(members))
        return members

    def channel_ids(self) -> dict[str, str]:
        """Channel name -> ID for every channel the bot can see (public, and private ones it is in)."""
        found: dict[str, str] = {}
        cursor: str | None = None
        while True:
            response = self._call(
                "conversations.list",
                self.client.conversations_list,
                types="public_channel,private_channel",
                exclude_archived=True,
                limit=1000,
                cursor=cursor,
            )
            for channel in response.get("channels") or []:
                found[str(channel["name"])] = str(channel["id"])
            cursor = (response.get("response_metadata") or {}).get("next_cursor") or None
            if not cursor:
                return found

    def upload_file(
        self,
        channel: str,
        content: bytes,
        filename: str,
        title: str,
        *,
        thread_ts: str | None = None,
        comment: str | None = None,
    ) -> None:
        self._call(
            "files.uploadV2",
            self.client.files_upload_v2,
            channel=channel,
            content=content,
            filename=filename,
            title=title,
            thread_ts=thread_ts,
            initial_comment=comment,
        )

    def _cached(self, key: str) -> Any:
        with self._cache_lock:
            item = self._cache.get(key)
            if item and item.expires > time.monotonic():
                return item.value
        return None

    def _remember(self, key: str, value: Any, *, forever: bool = False) -> None:
        with self._cache_lock:
            expires = float("inf") if forever else time.monotonic() + self.cache_seconds
            self._cache[key] = _Cached(value, expires)


def _is_slack_json(response: Any) -> bool:
    """Slack's own answers are JSON objects with an "error"; slack_sdk wraps anything else as text."""
    data = getattr(response, "data", None)
    if not isinstance(data, dict):
        return False
    error = data.get("error")
    return isinstance(error, str) and not error.startswith("Received a response in a non-JSON format")
