"""X's direct-message endpoints: DM events newest first, sending by participant or conversation, and the
DM rules (user context only, the DM permission, 15 requests per 15 minutes, recipients closed to DMs)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slackbridge.testing.fake_x.errors import ApiError, invalid_request, problem
from slackbridge.testing.fake_x.records import Response
from slackbridge.testing.fake_x.render import _csv, _decode_token, _encode_token, _iso
from slackbridge.testing.fake_x.routes import XRoutes

DM_TEXT_LIMIT = 10_000
DM_SENDS_PER_DAY = 1440
DM_EVENT_FIELDS_DEFAULT = {"id", "event_type", "text"}
# X's answer when the recipient does not accept DMs from the sender (privacy settings, or blocked us).
DM_NOT_ALLOWED = "You cannot send messages to this user."
DM_ACCESS_LEVEL = "read-write-directmessages"


def conversation_of(*user_ids: str) -> str:
    """X's id of a one-to-one conversation: the two user ids, smaller first, joined by a dash."""
    return "-".join(sorted(user_ids, key=int))


class XDms(XRoutes):
    """DM state and endpoints; like every route they expect the caller to hold ``self._lock``."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._dm_events: list[dict[str, Any]] = []
        self._dm_sent: list[str] = []  # events created through the API, oldest first
        self._dm_closed: set[str] = set()  # users who do not accept DMs from the brand
        self._dm_sends_day: dict[str, int] = {}

    # -- test helpers --------------------------------------------------------------------------------------

    def send_dm(self, username: str, text: str, *, quote_of: str | None = None) -> str:
        """The customer writes to the brand by DM (an unknown user is created); returns the event id."""
        with self._lock:
            user = self._user_named(username) or self.add_user(username)
            refs = [{"id": quote_of}] if quote_of else []
            return self._dm_store(user["id"], conversation_of(user["id"], self.brand_id), text, refs=refs)

    def brand_dm(self, username: str, text: str) -> str:
        """A colleague answers from X's own app: an event sent by the brand, not through our API calls."""
        with self._lock:
            user = self._user_named(username) or self.add_user(username)
            return self._dm_store(self.brand_id, conversation_of(user["id"], self.brand_id), text)

    def group_dm(self, sender: str, others: list[str], text: str, *, conversation_id: str) -> str:
        """A message in a group conversation the brand is part of."""
        with self._lock:
            user = self._user_named(sender) or self.add_user(sender)
            members = [user["id"], self.brand_id]
            for name in others:
                members.append((self._user_named(name) or self.add_user(name))["id"])
            return self._dm_store(user["id"], conversation_id, text, participants=members)

    def close_dms(self, username: str) -> None:
        """This user no longer accepts DMs from the brand."""
        with self._lock:
            user = self._user_named(username) or self.add_user(username)
            self._dm_closed.add(user["id"])

    def dms_sent(self) -> list[dict[str, Any]]:
        """DMs the brand sent through the API, oldest first, with the recipient's user id."""
        with self._lock:
            out = []
            for event_id in self._dm_sent:
                event = next(e for e in self._dm_events if e["id"] == event_id)
                others = [p for p in event["participant_ids"] if p != self.brand_id]
                out.append({"id": event_id, "text": event["text"], "to": others, **_plain(event)})
            return out

    # -- internals -----------------------------------------------------------------------------------------

    def _dm_store(
        self,
        sender_id: str,
        conversation_id: str,
        text: str,
        *,
        refs: list[dict[str, str]] | None = None,
        participants: list[str] | None = None,
    ) -> str:
        event_id = str(next(self._tweet_ids))  # X's ids are one snowflake space
        self._dm_events.append(
            {
                "id": event_id,
                "event_type": "MessageCreate",
                "text": text,
                "sender_id": sender_id,
                "dm_conversation_id": conversation_id,
                "participant_ids": participants or conversation_id.split("-"),
                "created_at": self.clock(),
                "referenced_tweets": refs or [],
            }
        )
        return event_id

    def _route(self, method: str, path: str) -> tuple[str, Callable[..., Response], list[str]] | None:
        parts = path.strip("/").split("/")
        routes: list[tuple[str, list[str], str, Callable[..., Response]]] = [
            ("GET", ["2", "dm_events"], "dm_events", self._get_dm_events),
            (
                "GET",
                ["2", "dm_conversations", "with", "*", "dm_events"],
                "dm_conversation_events",
                self._get_dm_events_with,
            ),
            ("POST", ["2", "dm_conversations", "with", "*", "messages"], "dm_send", self._post_dm_with),
            ("POST", ["2", "dm_conversations", "*", "messages"], "dm_send", self._post_dm_in),
        ]
        for verb, pattern, name, handler in routes:
            if verb == method and len(pattern) == len(parts):
                pairs = list(zip(parts, pattern, strict=True))
                if all(want in ("*", part) for part, want in pairs):
                    return name, handler, [part for part, want in pairs if want == "*"]
        return super()._route(method, path)

    def _get_dm_events_with(self, q: dict[str, str], body: Any, participant_id: str) -> Response:
        return self._get_dm_events(q, body, conversation=conversation_of(participant_id, self.brand_id))

    def _get_dm_events(self, q: dict[str, str], body: Any, conversation: str | None = None) -> Response:
        try:
            size = int(q.get("max_results", "100"))
        except ValueError:
            size = 0
        if not 1 <= size <= 100:
            raise invalid_request(
                f"The `max_results` query parameter value [{q.get('max_results')}] is not between 1 and 100"
            )
        types = _csv(q.get("event_types")) or {"MessageCreate", "ParticipantsJoin", "ParticipantsLeave"}
        mine = [
            e for e in self._dm_events if self.brand_id in e["participant_ids"] and e["event_type"] in types
        ]
        mine.sort(key=lambda e: int(e["id"]), reverse=True)
        token = q.get("pagination_token")
        if token:
            before = _decode_token(token)
            if before is None:
                raise invalid_request("The `pagination_token` query parameter value is invalid")
            mine = [e for e in mine if int(e["id"]) < before]
        page, rest = mine[:size], mine[size:]
        fields = DM_EVENT_FIELDS_DEFAULT | _csv(q.get("dm_event.fields"))
        answer: dict[str, Any] = {"meta": {"result_count": len(page)}}
        if page:
            answer["data"] = [_event_json(e, fields) for e in page]
        if rest:
            answer["meta"]["next_token"] = _encode_token(int(page[-1]["id"]))
        if "sender_id" in _csv(q.get("expansions")):
            senders = {e["sender_id"] for e in page}
            user_fields = _csv(q.get("user.fields"))
            answer["includes"] = {"users": [self._user_json(self._users[u], user_fields) for u in senders]}
        return 200, answer, {}

    def _post_dm_with(self, q: dict[str, str], body: Any, participant_id: str) -> Response:
        if participant_id not in self._users:
            raise ApiError(400, problem(400, f"Could not find user with id: [{participant_id}]."))
        return self._send(conversation_of(participant_id, self.brand_id), body)

    def _post_dm_in(self, q: dict[str, str], body: Any, conversation_id: str) -> Response:
        known = any(e["dm_conversation_id"] == conversation_id for e in self._dm_events)
        if not known:
            raise ApiError(404, problem(404, f"Could not find DM conversation: [{conversation_id}]."))
        return self._send(conversation_id, body)

    def _send(self, conversation_id: str, body: Any) -> Response:
        text = body.get("text") if isinstance(body, dict) else None
        if not isinstance(text, str) or not text.strip():
            raise invalid_request("You must specify either text or attachments")
        if len(text) > DM_TEXT_LIMIT:
            raise invalid_request(f"Text must be at most {DM_TEXT_LIMIT} characters")
        events = [e for e in self._dm_events if e["dm_conversation_id"] == conversation_id]
        participants = events[0]["participant_ids"] if events else conversation_id.split("-")
        if any(p in self._dm_closed for p in participants if p != self.brand_id):
            raise ApiError(403, problem(403, DM_NOT_ALLOWED))
        day = self.clock().strftime("%Y-%m-%d")
        if self._dm_sends_day.get(day, 0) >= DM_SENDS_PER_DAY:
            raise ApiError(429, problem(429), {"x-user-limit-24hour-remaining": "0"})
        self._dm_sends_day[day] = self._dm_sends_day.get(day, 0) + 1
        event_id = self._dm_store(self.brand_id, conversation_id, text, participants=list(participants))
        self._dm_sent.append(event_id)
        self.writes += 1
        return 201, {"data": {"dm_conversation_id": conversation_id, "dm_event_id": event_id}}, {}


def _event_json(event: dict[str, Any], fields: set[str]) -> dict[str, Any]:
    out: dict[str, Any] = {"id": event["id"], "event_type": event["event_type"], "text": event["text"]}
    for name in ("sender_id", "dm_conversation_id", "participant_ids"):
        if name in fields:
            out[name] = event[name]
    if "created_at" in fields:
        out["created_at"] = _iso(event["created_at"])
    if "referenced_tweets" in fields and event["referenced_tweets"]:
        out["referenced_tweets"] = event["referenced_tweets"]
    return out


def _plain(event: dict[str, Any]) -> dict[str, Any]:
    return {"dm_conversation_id": event["dm_conversation_id"], "created_at": event["created_at"]}
