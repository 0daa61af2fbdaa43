"""Act as Slack towards the app: signed events, interactions and slash commands over real HTTP.

Payload shapes follow Slack's Events API, interaction payload and slash command docs. When given the
``FakeSlack`` the app talks to, the driver takes messages, views, trigger_ids and response_urls from it,
so a click carries the message the app actually posted. With ``socket_mode=True`` the same payloads go
to the app as Socket Mode envelopes through that fake instead, and the app's ack stands for the response.
"""

from __future__ import annotations

import copy
import dataclasses
import itertools
import json
import secrets
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlencode

import requests

from slackbridge.testing.fake_slack import FakeSlack
from slackbridge.testing.signing import STALE_AFTER_SECONDS, signed_headers

Json = dict[str, Any]

VERIFICATION_TOKEN = "fake-verification-token"  # deprecated by Slack but still sent in payloads


def new_event_id() -> str:
    """An Events API ``event_id`` as Slack makes them (``Ev`` and upper-case alphanumerics)."""
    return f"Ev{secrets.token_hex(5).upper()}"


@dataclass(frozen=True)
class DriverResult:
    """What the app answered to one request."""

    status: int
    body: str
    headers: dict[str, str]
    elapsed: float
    response_url: str | None = None
    response_name: str | None = None
    trigger_id: str | None = None
    ts: str | None = None

    def json(self) -> Any:
        return json.loads(self.body)


class SlackDriver:
    """Sends signed Slack requests to ``{app_url}/slack/events``."""

    _counter = itertools.count(1)

    def __init__(
        self,
        app_url: str,
        signing_secret: str,
        *,
        fake: FakeSlack | None = None,
        team_id: str = "T0TEST",
        api_app_id: str = "A0TEST",
        path: str = "/slack/events",
        timeout: float = 10.0,
        socket_mode: bool = False,
    ) -> None:
        self.url = app_url.rstrip("/") + path
        self.signing_secret = signing_secret
        self.fake = fake
        self.team_id = team_id
        self.api_app_id = api_app_id
        self.timeout = timeout
        if socket_mode and fake is None:
            raise ValueError("socket_mode delivers through the FakeSlack: pass fake=")
        self.socket_mode = socket_mode
        self._signing_secret_override: str | None = None
        self._age_seconds = 0
        self._session = requests.Session()
        self.last_result: DriverResult | None = None

    def with_signing(self, *, secret: str | None = None, age_seconds: int = 0) -> SlackDriver:
        """A copy that signs with another secret and/or a timestamp ``age_seconds`` in the past."""
        clone = copy.copy(self)
        clone._signing_secret_override = secret
        clone._age_seconds = age_seconds
        return clone

    def stale(self) -> SlackDriver:
        """A copy whose requests are older than Slack's 5-minute replay window."""
        return self.with_signing(age_seconds=STALE_AFTER_SECONDS + 60)

    # ------------------------------------------------------------ transport

    def raw(self, body: bytes, headers: dict[str, str]) -> DriverResult:
        """POST exactly these bytes and headers (no signing): for forged or malformed requests."""
        start = time.perf_counter()
        resp = self._session.post(self.url, data=body, headers=headers, timeout=self.timeout)
        return DriverResult(resp.status_code, resp.text, dict(resp.headers), time.perf_counter() - start)

    def _post(self, body: str, content_type: str, extra: dict[str, str] | None = None) -> DriverResult:
        if self.socket_mode:
            return self._socket_deliver(body, content_type, extra or {})
        secret = self._signing_secret_override or self.signing_secret
        headers = signed_headers(secret, body, timestamp=int(time.time()) - self._age_seconds)
        headers["Content-Type"] = content_type
        headers.update(extra or {})
        return self.raw(body.encode("utf-8"), headers)

    def _socket_deliver(self, body: str, content_type: str, extra: dict[str, str]) -> DriverResult:
        """Send what would have been POSTed as a Socket Mode envelope; the ack plays the HTTP response."""
        assert self.fake is not None
        start = time.perf_counter()
        if content_type == "application/json":
            envelope_id = self.fake.socket_send(
                "events_api",
                json.loads(body),
                retry_attempt=int(extra.get("X-Slack-Retry-Num", 0)),
                retry_reason=extra.get("X-Slack-Retry-Reason", ""),
            )
        else:
            form = dict(parse_qsl(body, keep_blank_values=True))
            if "payload" in form:
                payload = json.loads(form["payload"])
                # Slack lets the app answer in the ack only where HTTP would take a response body.
                accepts = payload.get("type") in ("view_submission", "block_suggestion")
                envelope_id = self.fake.socket_send("interactive", payload, accepts_response_payload=accepts)
            else:
                envelope_id = self.fake.socket_send("slash_commands", form, accepts_response_payload=True)
        ack = self.fake.wait_for_socket_ack(envelope_id, self.timeout)
        if ack is None:
            raise AssertionError(f"the app did not ack envelope {envelope_id} within {self.timeout}s")
        answer = json.dumps(ack["payload"]) if ack.get("payload") else ""
        return DriverResult(200, answer, {"X-Envelope-Id": envelope_id}, time.perf_counter() - start)

    def _post_payload(self, payload: Json, **meta: Any) -> DriverResult:
        body = urlencode({"payload": json.dumps(payload)})
        result = self._post(body, "application/x-www-form-urlencoded")
        return dataclasses.replace(result, **meta)

    # ------------------------------------------------------------ shared pieces

    def _n(self) -> int:
        return next(self._counter)

    @property
    def bot_user_id(self) -> str:
        return self.fake.bot_user_id if self.fake else "UBOT"

    def _user(self, user: str) -> Json:
        seeded = self.fake.user(user) if self.fake else None
        name = seeded["name"] if seeded else user.lower()
        return {"id": user, "username": name, "name": name, "team_id": self.team_id}

    def _team(self) -> Json:
        return {"id": self.team_id, "domain": "fake-workspace"}

    def _trigger_id(self) -> str:
        if self.fake:
            return self.fake.new_trigger_id()
        return f"{self._n()}.{secrets.token_hex(8)}"

    def _ts(self) -> str:
        if self.fake:
            return self.fake.next_ts()
        return f"{int(time.time())}.{self._n():06d}"

    def _response_url(
        self, kind: str, *, channel: str | None, message_ts: str | None, user: str
    ) -> tuple[str, str]:
        name = f"{kind}-{self._n()}"
        if self.fake:
            return self.fake.response_url(name, channel=channel, message_ts=message_ts, user=user), name
        return f"https://hooks.slack.test/actions/{self.team_id}/{name}", name

    def _channel(self, channel: str) -> Json:
        name = (self.fake.channel_name(channel) if self.fake else None) or channel.lower()
        return {"id": channel, "name": name}

    # ------------------------------------------------------------ Events API

    def event(
        self,
        event: Json,
        *,
        retry_num: int | None = None,
        retry_reason: str | None = None,
        event_id: str | None = None,
    ) -> DriverResult:
        """Deliver ``event`` in an ``event_callback`` envelope, optionally as one of Slack's retries.

        Slack sends a retry with the first delivery's ``event_id``: pass it to retry that delivery."""
        envelope = {
            "token": VERIFICATION_TOKEN,
            "team_id": self.team_id,
            "context_team_id": self.team_id,
            "context_enterprise_id": None,
            "api_app_id": self.api_app_id,
            "event": event,
            "type": "event_callback",
            "event_id": event_id or new_event_id(),
            "event_time": int(time.time()),
            "authorizations": [
                {
                    "enterprise_id": None,
                    "team_id": self.team_id,
                    "user_id": self.bot_user_id,
                    "is_bot": True,
                    "is_enterprise_install": False,
                }
            ],
            "is_ext_shared_channel": False,
            "event_context": f"4-{secrets.token_hex(12)}",
        }
        extra: dict[str, str] = {}
        if retry_num is not None:
            extra["X-Slack-Retry-Num"] = str(retry_num)
        if retry_reason is not None:
            extra["X-Slack-Retry-Reason"] = retry_reason
        return self._post(json.dumps(envelope), "application/json", extra)

    def thread_message(
        self,
        channel: str,
        thread_ts: str,
        user: str,
        text: str,
        *,
        ts: str | None = None,
        bot_id: str | None = None,
        subtype: str | None = None,
        event_id: str | None = None,
        retry_num: int | None = None,
    ) -> str:
        """Someone replies in a thread: a ``message`` event (message.channels). Returns the ts used.

        With the ``event_id`` (and ``ts``) of an earlier call, it is Slack delivering that event again."""
        event = self.thread_message_event(
            channel, thread_ts, user, text, ts=ts, bot_id=bot_id, subtype=subtype
        )
        self.last_result = self.event(event, event_id=event_id, retry_num=retry_num)
        return str(event["ts"])

    def thread_message_event(
        self,
        channel: str,
        thread_ts: str,
        user: str,
        text: str,
        *,
        ts: str | None = None,
        bot_id: str | None = None,
        subtype: str | None = None,
    ) -> Json:
        """The ``message`` event of a thread reply, already shown in the fake; deliver it with ``event``."""
        ts = ts or self._ts()
        event: Json = {
            "type": "message",
            "channel": channel,
            "user": user,
            "text": text,
            "ts": ts,
            "thread_ts": thread_ts,
            "event_ts": ts,
            "channel_type": "channel",
            "team": self.team_id,
            "blocks": [
                {
                    "type": "rich_text",
                    "block_id": secrets.token_hex(3),
                    "elements": [{"type": "rich_text_section", "elements": [{"type": "text", "text": text}]}],
                }
            ],
        }
        if bot_id:
            event["bot_id"] = bot_id
        else:
            event["client_msg_id"] = f"{secrets.token_hex(4)}-{secrets.token_hex(2)}-{secrets.token_hex(6)}"
        if subtype:
            event["subtype"] = subtype
        if self.fake and self.fake.message(channel, thread_ts) is not None:
            parent = self.fake.message(channel, thread_ts) or {}
            event["parent_user_id"] = parent.get("user")
            if self.fake.message(channel, ts) is None:  # a redelivery is not a new message
                self.fake.add_message(
                    channel, user, text, thread_ts=thread_ts, ts=ts, bot_id=bot_id, subtype=subtype
                )
        return event

    def app_home_opened(self, user: str) -> DriverResult:
        event: Json = {
            "type": "app_home_opened",
            "user": user,
            "channel": f"D{user.lstrip('U')}",
            "tab": "home",
            "event_ts": self._ts(),
        }
        home = self.fake.home_view(user) if self.fake else None
        if home is not None:
            event["view"] = home
        return self.event(event)

    def url_verification(self, challenge: str) -> DriverResult:
        body = {"token": VERIFICATION_TOKEN, "challenge": challenge, "type": "url_verification"}
        return self._post(json.dumps(body), "application/json")

    # ------------------------------------------------------------ interactivity

    def _find_element(self, container: Json | None, action_id: str) -> tuple[Json, str] | None:
        for block in (container or {}).get("blocks", []):
            candidates = [block.get("accessory"), block.get("element"), *(block.get("elements") or [])]
            for el in candidates:
                if isinstance(el, dict) and el.get("action_id") == action_id:
                    return el, str(block.get("block_id", ""))
        return None

    def _block_actions(
        self,
        user: str,
        action: Json,
        *,
        channel: str | None,
        message_ts: str | None,
        container_type: str,
        message: Json | None,
        view: Json | None,
        trigger_id: str | None,
        response_url: str | None,
    ) -> DriverResult:
        if message is None and self.fake and channel and message_ts:
            message = self.fake.message(channel, message_ts)
        source = message if container_type == "message" else view
        found = self._find_element(source, action["action_id"])
        if found is not None:
            element, real_block_id = found
            action["block_id"] = action["block_id"] or real_block_id
            if "text" in element:
                action["text"] = element["text"]
        action["block_id"] = action["block_id"] or "b"
        action["action_ts"] = f"{time.time():.6f}"
        trigger_id = trigger_id or self._trigger_id()
        payload: Json = {
            "type": "block_actions",
            "user": self._user(user),
            "api_app_id": self.api_app_id,
            "token": VERIFICATION_TOKEN,
            "trigger_id": trigger_id,
            "team": self._team(),
            "enterprise": None,
            "is_enterprise_install": False,
            "state": {"values": {}},
            "actions": [action],
        }
        name = None
        if container_type == "message":
            if channel is None or message_ts is None:
                raise ValueError("a message click needs channel and message_ts")
            payload["container"] = {
                "type": "message",
                "message_ts": message_ts,
                "channel_id": channel,
                "is_ephemeral": False,
            }
            payload["channel"] = self._channel(channel)
            payload["message"] = message or {"type": "message", "ts": message_ts, "text": ""}
            if response_url is None:
                response_url, name = self._response_url(
                    "action", channel=channel, message_ts=message_ts, user=user
                )
            payload["response_url"] = response_url
        else:
            if view is None:
                raise ValueError("a view click needs the view (or a fake that has it)")
            payload["container"] = {"type": "view", "view_id": view["id"]}
            payload["view"] = view
            if view.get("type") == "modal" and response_url is not None:
                payload["response_urls"] = [response_url]
        return self._post_payload(
            payload, response_url=response_url, response_name=name, trigger_id=trigger_id
        )

    def click(
        self,
        user: str,
        action_id: str,
        value: str,
        *,
        channel: str | None = None,
        message_ts: str | None = None,
        block_id: str | None = None,
        container_type: str = "message",
        message: Json | None = None,
        view: Json | str | None = None,
        trigger_id: str | None = None,
        response_url: str | None = None,
    ) -> DriverResult:
        """A button click (``block_actions``). block_id defaults to the button's block in the message."""
        action: Json = {
            "type": "button",
            "action_id": action_id,
            "block_id": block_id,
            "text": {"type": "plain_text", "text": action_id, "emoji": True},
            "value": value,
        }
        return self._block_actions(
            user,
            action,
            channel=channel,
            message_ts=message_ts,
            container_type=container_type,
            message=message,
            view=self._resolve_view(view),
            trigger_id=trigger_id,
            response_url=response_url,
        )

    def click_home(
        self, user: str, action_id: str, value: str, *, block_id: str | None = None
    ) -> DriverResult:
        """A button click on the user's App Home tab (container type ``view``)."""
        home = self.fake.home_view(user) if self.fake else None
        if home is None:
            raise ValueError(f"no home view published for {user}")
        return self.click(user, action_id, value, block_id=block_id, container_type="view", view=home)

    def select(
        self,
        user: str,
        action_id: str,
        selected_value: str,
        *,
        channel: str | None = None,
        message_ts: str | None = None,
        block_id: str | None = None,
        container_type: str = "message",
        message: Json | None = None,
        view: Json | str | None = None,
        trigger_id: str | None = None,
        response_url: str | None = None,
    ) -> DriverResult:
        """Pick an option in a ``static_select`` (its label is taken from the element when known)."""
        resolved_view = self._resolve_view(view)
        source = message
        if source is None and container_type == "message" and self.fake and channel and message_ts:
            source = self.fake.message(channel, message_ts)
        label = selected_value
        found = self._find_element(source if container_type == "message" else resolved_view, action_id)
        if found is not None:
            for option in found[0].get("options", []):
                if option.get("value") == selected_value:
                    label = option.get("text", {}).get("text", selected_value)
        action: Json = {
            "type": "static_select",
            "action_id": action_id,
            "block_id": block_id,
            "selected_option": {
                "text": {"type": "plain_text", "text": label, "emoji": True},
                "value": selected_value,
            },
            "placeholder": {"type": "plain_text", "text": "Select", "emoji": True},
        }
        return self._block_actions(
            user,
            action,
            channel=channel,
            message_ts=message_ts,
            container_type=container_type,
            message=source,
            view=resolved_view,
            trigger_id=trigger_id,
            response_url=response_url,
        )

    def overflow(
        self, user: str, action_id: str, selected_value: str, *, channel: str, message_ts: str
    ) -> DriverResult:
        """Pick an option of an ``overflow`` menu on a message (its label is taken from the element)."""
        source = self.fake.message(channel, message_ts) if self.fake else None
        label = selected_value
        found = self._find_element(source, action_id)
        if found is not None:
            for option in found[0].get("options", []):
                if option.get("value") == selected_value:
                    label = option.get("text", {}).get("text", selected_value)
        action: Json = {
            "type": "overflow",
            "action_id": action_id,
            "block_id": None,
            "selected_option": {
                "text": {"type": "plain_text", "text": label, "emoji": True},
                "value": selected_value,
            },
        }
        return self._block_actions(
            user,
            action,
            channel=channel,
            message_ts=message_ts,
            container_type="message",
            message=source,
            view=None,
            trigger_id=None,
            response_url=None,
        )

    def select_user(
        self,
        user: str,
        action_id: str,
        selected_user: str,
        *,
        channel: str,
        message_ts: str,
        block_id: str | None = None,
    ) -> DriverResult:
        """Pick a person in a ``users_select`` on a message (the payload carries ``selected_user``)."""
        action: Json = {
            "type": "users_select",
            "action_id": action_id,
            "block_id": block_id,
            "selected_user": selected_user,
        }
        return self._block_actions(
            user,
            action,
            channel=channel,
            message_ts=message_ts,
            container_type="message",
            message=None,
            view=None,
            trigger_id=None,
            response_url=None,
        )

    def _resolve_view(self, view: Json | str | None) -> Json | None:
        if isinstance(view, str):
            if self.fake is None or self.fake.view(view) is None:
                raise ValueError(f"unknown view {view}")
            return self.fake.view(view)
        return view

    def submit_view(self, user: str, view: Json | str, values: dict[str, dict[str, Any]]) -> DriverResult:
        """Submit a modal (``view_submission``).

        ``view`` is the view the app opened (a dict, or its id when the driver has the fake). ``values``
        maps block_id -> action_id -> state: a plain string becomes a plain_text_input value, a dict is
        used as given (e.g. ``{"type": "static_select", "selected_option": {...}}``).
        """
        resolved = self._resolve_view(view)
        assert resolved is not None
        state: Json = {
            block_id: {
                action_id: {"type": "plain_text_input", "value": v} if isinstance(v, str) else v
                for action_id, v in actions.items()
            }
            for block_id, actions in values.items()
        }
        trigger_id = self._trigger_id()
        payload: Json = {
            "type": "view_submission",
            "team": self._team(),
            "user": self._user(user),
            "api_app_id": self.api_app_id,
            "token": VERIFICATION_TOKEN,
            "trigger_id": trigger_id,
            "view": {**resolved, "state": {"values": state}},
            "response_urls": [],
            "is_enterprise_install": False,
            "enterprise": None,
        }
        return self._post_payload(payload, trigger_id=trigger_id)

    def command(
        self,
        user: str,
        command: str,
        text: str,
        *,
        channel: str = "C0TEST",
        response_url: str | None = None,
        trigger_id: str | None = None,
    ) -> DriverResult:
        """A slash command, form-encoded like Slack sends it."""
        name = None
        if response_url is None:
            response_url, name = self._response_url("command", channel=channel, message_ts=None, user=user)
        trigger_id = trigger_id or self._trigger_id()
        form = {
            "token": VERIFICATION_TOKEN,
            "team_id": self.team_id,
            "team_domain": "fake-workspace",
            "channel_id": channel,
            "channel_name": self._channel(channel)["name"],
            "user_id": user,
            "user_name": self._user(user)["name"],
            "command": command,
            "text": text,
            "api_app_id": self.api_app_id,
            "is_enterprise_install": "false",
            "response_url": response_url,
            "trigger_id": trigger_id,
        }
        result = self._post(urlencode(form), "application/x-www-form-urlencoded")
        return dataclasses.replace(
            result, response_url=response_url, response_name=name, trigger_id=trigger_id
        )
