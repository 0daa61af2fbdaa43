"""FakeSlack itself: seeding, fault injection and inspection for tests, on top of the served fake."""

from __future__ import annotations

import copy
import secrets
import time
from typing import Any

from slackbridge.testing.fake_slack.channels import ChannelInfo
from slackbridge.testing.fake_slack.records import Call, Json, Response, UploadedFile, _Failure


class FakeSlack(ChannelInfo):
    """In-process fake of the Slack Web API, response_urls and file upload URLs, served over HTTP."""

    def __init__(
        self,
        bot_token: str = "xoxb-test",  # noqa: S107 - a fake token for a fake server
        *,
        team_id: str = "T0TEST",
        bot_user_id: str = "UBOT",
        bot_id: str = "B0BOT",
        app_id: str = "A0TEST",
        strict_channels: bool = False,
        app_token: str = "xapp-test",  # noqa: S107 - the app-level token that opens Socket Mode
    ) -> None:
        super().__init__(
            bot_token,
            team_id=team_id,
            bot_user_id=bot_user_id,
            bot_id=bot_id,
            app_id=app_id,
            strict_channels=strict_channels,
            app_token=app_token,
        )
        self._api = {
            "auth.test": self._auth_test,
            "apps.connections.open": self._apps_connections_open,
            "chat.postMessage": self._chat_post_message,
            "chat.update": self._chat_update,
            "chat.delete": self._chat_delete,
            "chat.postEphemeral": self._chat_post_ephemeral,
            "chat.getPermalink": self._chat_get_permalink,
            "conversations.replies": self._conversations_replies,
            "conversations.history": self._conversations_history,
            "conversations.info": self._conversations_info,
            "conversations.members": self._conversations_members,
            "conversations.list": self._conversations_list,
            "reactions.add": self._reactions_add,
            "views.open": self._views_open,
            "views.update": self._views_update,
            "views.publish": self._views_publish,
            "users.info": self._users_info,
            "conversations.open": self._conversations_open,
            "usergroups.users.list": self._usergroups_users_list,
            "files.getUploadURLExternal": self._files_get_upload_url,
            "files.completeUploadExternal": self._files_complete_upload,
        }

    # ------------------------------------------------------------ seeding and fault injection

    def dm_channel(self, user_id: str) -> str | None:
        """The direct-message channel conversations.open gave the bot with this person, if any."""
        with self._lock:
            return self._dms.get(user_id)

    def add_user(self, user_id: str, name: str, real_name: str | None = None, **profile: Any) -> None:
        real = real_name or name
        with self._lock:
            self._users[user_id] = {
                "id": user_id,
                "team_id": self.team_id,
                "name": name,
                "deleted": False,
                "real_name": real,
                "tz": "Europe/London",
                "is_bot": False,
                "is_admin": False,
                "profile": {
                    "real_name": real,
                    "real_name_normalized": real,
                    "display_name": name,
                    "display_name_normalized": name,
                    "team": self.team_id,
                    **profile,
                },
            }

    def add_usergroup(self, group_id: str, members: list[str]) -> None:
        with self._lock:
            self._usergroups[group_id] = list(members)

    def add_channel(self, channel_id: str, name: str, *, private: bool = False, member: bool = True) -> None:
        """A channel; member=False until someone types `/invite @slackbridge` there."""
        with self._lock:
            self._channels[channel_id] = name
            if private:
                self._private.add(channel_id)
            self.set_member(channel_id, member)

    def set_member(self, channel_id: str, member: bool = True) -> None:
        """Invite the bot to a channel (or remove it): Slack refuses channel calls where it is not in."""
        with self._lock:
            if member:
                self._outside.discard(channel_id)
            else:
                self._outside.add(channel_id)

    def grant_scopes(self, scopes: list[str]) -> None:
        """The bot token's scopes, as the app was last installed (Slack sends them in `x-oauth-scopes`)."""
        with self._lock:
            self.scopes = list(scopes)

    def add_message(
        self,
        channel: str,
        user: str,
        text: str,
        *,
        thread_ts: str | None = None,
        ts: str | None = None,
        bot_id: str | None = None,
        subtype: str | None = None,
    ) -> Json:
        """Record a message someone (not the app) wrote, so conversations.replies and thread() see it."""
        author: Json = {"user": user}
        if bot_id:
            author["bot_id"] = bot_id
        if subtype:
            author["subtype"] = subtype
        with self._lock:
            return copy.deepcopy(
                self._store_message(channel, {"text": text}, thread_ts=thread_ts, author=author, ts=ts)
            )

    def next_ts(self) -> str:
        """A fresh message timestamp, later than every one issued so far."""
        return self._next_ts()

    def channel_name(self, channel_id: str) -> str | None:
        with self._lock:
            return self._channels.get(channel_id)

    def user(self, user_id: str) -> Json | None:
        with self._lock:
            found = self._users.get(user_id)
            return copy.deepcopy(found) if found else None

    def rate_limit_per_channel(self, per_second: float = 1.0, burst: int = 1) -> None:
        """Turn on Slack's per-channel limit for chat.postMessage (token bucket; 429 + Retry-After)."""
        with self._lock:
            self._rate = (per_second, burst)
            self._buckets.clear()

    def rate_limit_off(self) -> None:
        with self._lock:
            self._rate = None

    def fail_next(
        self,
        method: str,
        *,
        error: str = "internal_error",
        status: int = 200,
        count: int = 1,
        headers: dict[str, str] | None = None,
        after: bool = False,
        drop: bool = False,
        html: bool = False,
    ) -> None:
        """Answer the next ``count`` calls of ``method`` with ``error`` (HTTP ``status``).

        after=True carries the call out first, as when Slack acts but its answer is lost on the way;
        drop=True closes the connection instead of answering (the client sees it reset); html=True
        answers with an HTML error page instead of Slack's JSON (an outage at Slack's edge)."""
        hdrs = dict(headers or {})
        if status == 429:
            hdrs.setdefault("Retry-After", "1")
        with self._lock:
            for _ in range(count):
                self._failures[method].append(_Failure(error, status, hdrs, after, drop, html))

    def outage(self, status: int = 503) -> None:
        """Every Web API call answers ``status`` with an HTML page until ``end_outage``."""
        with self._lock:
            self._outage = status

    def end_outage(self) -> None:
        with self._lock:
            self._outage = None

    def delay_next(self, method: str, seconds: float) -> None:
        with self._lock:
            self._delays[method].append(seconds)

    def new_trigger_id(self) -> str:
        """Issue a trigger_id as Slack does with an interaction; views.open accepts it once, for 3 seconds."""
        trigger_id = f"{self._next_id('')}.{secrets.token_hex(8)}"
        with self._lock:
            self._triggers[trigger_id] = time.monotonic()
        return trigger_id

    # ------------------------------------------------------------ Socket Mode

    def socket_send(
        self,
        envelope_type: str,
        payload: Json,
        *,
        accepts_response_payload: bool = False,
        retry_attempt: int = 0,
        retry_reason: str = "",
    ) -> str:
        """Deliver ``payload`` to the connected app in a Socket Mode envelope; returns its envelope_id."""
        return self._socket.send(
            envelope_type,
            payload,
            accepts_response_payload=accepts_response_payload,
            retry_attempt=retry_attempt,
            retry_reason=retry_reason,
        )

    def socket_acks(self) -> list[Json]:
        """What the app sent back: ``{"envelope_id", "payload"?}``, in arrival order."""
        return self._socket.acks()

    def socket_connected(self) -> bool:
        return self._socket.connection_count() > 0

    def socket_hellos(self) -> int:
        """How many connections were greeted with ``hello`` (one per successful connect)."""
        return self._socket.hellos()

    def wait_for_socket(self, timeout: float = 10.0) -> bool:
        return self._socket.wait_connected(timeout)

    def wait_for_socket_ack(self, envelope_id: str, timeout: float = 10.0) -> Json | None:
        """The app's ack of ``envelope_id``, or None when none came within ``timeout`` seconds."""
        return self._socket.wait_ack(envelope_id, timeout)

    # ------------------------------------------------------------ inspection

    def messages(self, channel: str) -> list[Json]:
        """Top-level messages in ``channel``, oldest first, as currently shown."""
        with self._lock:
            return [copy.deepcopy(self._messages[(channel, ts)]) for ts in self._top.get(channel, [])]

    def thread(self, channel: str, ts: str) -> list[Json]:
        """Replies under the parent ``ts``, oldest first."""
        with self._lock:
            return [copy.deepcopy(self._messages[(channel, r)]) for r in self._replies.get((channel, ts), [])]

    def direct_messages(self, user: str) -> list[Json]:
        """What the app sent a person in its DM (chat.postMessage with their user ID as the channel)."""
        return self.messages(self._dm_channel(user))

    def message(self, channel: str, ts: str) -> Json | None:
        with self._lock:
            found = self._messages.get((channel, ts))
            return copy.deepcopy(found) if found else None

    def ephemerals(self, user: str | None = None) -> list[Json]:
        with self._lock:
            return [copy.deepcopy(e) for e in self._ephemerals if user is None or e["user"] == user]

    @property
    def views_opened(self) -> list[Json]:
        with self._lock:
            return copy.deepcopy(self._views_opened)

    @property
    def views_updated(self) -> list[Json]:
        with self._lock:
            return copy.deepcopy(self._views_updated)

    def view(self, view_id: str) -> Json | None:
        """The current version of an opened/updated/published view."""
        with self._lock:
            found = self._views.get(view_id)
            return copy.deepcopy(found) if found else None

    def home_view(self, user: str) -> Json | None:
        with self._lock:
            found = self._home.get(user)
            return copy.deepcopy(found) if found else None

    def responses(self, name: str | None = None) -> list[Response]:
        with self._lock:
            return [r for r in self._responses if name is None or r.name == name]

    @property
    def files(self) -> list[UploadedFile]:
        with self._lock:
            return [copy.deepcopy(f) for f in self._files.values() if f.completed]

    def calls(self, method: str | None = None) -> list[Call]:
        with self._lock:
            return [c for c in self._calls if method is None or c.method == method]
