"""Which Slack requests the front stores before acknowledging, and under which key."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

from slackbridge.slack.ids import ActionId
from slackbridge.slack.inbound import FORM, JSON, SOCKET, classify, classify_socket


def _click(action_id: str, *, action_ts: str = "1700000001.000200", user: str = "UAGENT") -> dict[str, Any]:
    return {
        "type": "block_actions",
        "team": {"id": "T0TEST"},
        "user": {"id": user},
        "container": {"type": "message", "message_ts": "1700000000.000100", "channel_id": "C0CARE"},
        "trigger_id": "123.456",
        "response_url": "https://hooks.slack.test/actions/1",
        "actions": [{"action_id": action_id, "value": '{"d":1}', "action_ts": action_ts}],
    }


def _form(payload: dict[str, Any]) -> str:
    return urlencode({"payload": json.dumps(payload)})


def test_events_are_stored_under_their_event_id_and_url_verification_is_not() -> None:
    body = json.dumps({"type": "event_callback", "event_id": "Ev123", "event": {"type": "message"}})
    incoming = classify(body, JSON)
    assert incoming is not None and (incoming.key, incoming.kind, incoming.body) == (
        "event:Ev123",
        "event",
        body,
    )
    assert classify(json.dumps({"type": "url_verification", "challenge": "x"}), JSON) is None
    assert classify(json.dumps({"type": "event_callback"}), JSON) is None  # no id: Bolt answers
    assert classify("{not json", JSON) is None


def test_a_click_that_changes_state_is_stored_and_its_retry_has_the_same_key() -> None:
    first = classify(_form(_click(ActionId.APPROVE)), FORM)
    again = classify(_form(_click(ActionId.APPROVE)), FORM)
    assert first is not None and again is not None and first.kind == "action"
    assert first.key == again.key and len(first.key) <= 160
    other_click = classify(_form(_click(ActionId.APPROVE, action_ts="1700000002.000300")), FORM)
    other_user = classify(_form(_click(ActionId.APPROVE, user="UOTHER")), FORM)
    assert other_click is not None and other_user is not None
    assert len({first.key, other_click.key, other_user.key}) == 3


def test_clicks_that_open_a_modal_commands_and_views_stay_live() -> None:
    for action in (ActionId.WRITE_REPLY, ActionId.EDIT, ActionId.OPEN_ON_X, ActionId.HOME_REFRESH):
        assert classify(_form(_click(action)), FORM) is None
    assert classify(urlencode({"command": "/tweetcare", "text": "stats"}), FORM) is None
    assert classify(_form({"type": "view_submission", "view": {}}), FORM) is None
    assert classify("payload=%7Bnot-json", FORM) is None


def test_socket_mode_envelopes_get_the_same_keys() -> None:
    event = {"type": "event_callback", "event_id": "Ev9", "event": {}}
    stored = classify_socket("events_api", event)
    assert stored is not None and stored.key == "event:Ev9" and stored.content_type == SOCKET
    click = classify_socket("interactive", _click(ActionId.RESOLVE))
    http = classify(_form(_click(ActionId.RESOLVE)), FORM)
    assert click is not None and http is not None and click.key == http.key
    assert classify_socket("slash_commands", {"command": "/tweetcare"}) is None
