"""The driver's requests are accepted by a real Bolt app served over HTTP, and reach its listeners."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

from _bolt_harness import SIGNING_SECRET, BoltHarness
from slack_sdk import WebClient
from slack_sdk.signature import SignatureVerifier

from slackbridge.testing.fake_slack import FakeSlack, find_button, message_text
from slackbridge.testing.signing import sign, signed_headers

CHANNEL = "C0TEST"


def _post_card(client: WebClient) -> str:
    blocks: list[dict[str, Any]] = [
        {"type": "section", "text": {"type": "mrkdwn", "text": "@ann: my order is late"}},
        {
            "type": "actions",
            "block_id": "card_actions",
            "elements": [
                {
                    "type": "button",
                    "action_id": "approve",
                    "text": {"type": "plain_text", "text": "Approve"},
                    "value": "draft:7",
                },
                {
                    "type": "static_select",
                    "action_id": "pick_tone",
                    "placeholder": {"type": "plain_text", "text": "Tone"},
                    "options": [
                        {"text": {"type": "plain_text", "text": "Friendly"}, "value": "friendly"},
                        {"text": {"type": "plain_text", "text": "Formal"}, "value": "formal"},
                    ],
                },
            ],
        },
    ]
    return str(client.chat_postMessage(channel=CHANNEL, text="New mention", blocks=blocks)["ts"])


def _wait_for(predicate: Callable[[], object], timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.02)
    raise AssertionError("condition not met in time")


def test_sign_matches_slack_sdk_verifier() -> None:
    body = b"payload=%7B%7D"
    headers = signed_headers(SIGNING_SECRET, body)
    verifier = SignatureVerifier(SIGNING_SECRET)
    assert verifier.is_valid(body, headers["X-Slack-Request-Timestamp"], headers["X-Slack-Signature"])
    assert sign(SIGNING_SECRET, 1700000000, body) == verifier.generate_signature(
        timestamp="1700000000", body=body
    )


def test_button_click_reaches_listener_and_app_edits_the_card(bolt: BoltHarness, fake: FakeSlack) -> None:
    ts = _post_card(bolt.app.client)
    button = find_button(fake.message(CHANNEL, ts) or {}, "approve")

    result = bolt.driver.click("U0AGENT", "approve", button["value"], channel=CHANNEL, message_ts=ts)

    assert result.status == 200 and result.elapsed < 3.0
    body = bolt.seen.wait("action")
    action = body["actions"][0]
    assert (action["action_id"], action["value"], action["block_id"]) == (
        "approve",
        "draft:7",
        "card_actions",
    )
    assert body["user"] == {"id": "U0AGENT", "username": "alice", "name": "alice", "team_id": "T0TEST"}
    assert body["container"] == {
        "type": "message",
        "message_ts": ts,
        "channel_id": CHANNEL,
        "is_ephemeral": False,
    }
    assert body["message"]["ts"] == ts and "my order is late" in message_text(body["message"])
    _wait_for(lambda: fake.ephemerals("U0AGENT"))
    assert (fake.message(CHANNEL, ts) or {})["text"] == "Approved"
    assert [r.body["text"] for r in fake.responses(result.response_name)] == ["You approved it"]


def test_select_reaches_listener_with_option_label(bolt: BoltHarness) -> None:
    ts = _post_card(bolt.app.client)
    assert bolt.driver.select("U0AGENT", "pick_tone", "formal", channel=CHANNEL, message_ts=ts).status == 200
    action = bolt.seen.wait("select")["actions"][0]
    assert action["type"] == "static_select"
    assert action["selected_option"] == {
        "text": {"type": "plain_text", "text": "Formal", "emoji": True},
        "value": "formal",
    }


def test_command_opens_modal_and_submission_reaches_view_listener(bolt: BoltHarness, fake: FakeSlack) -> None:
    result = bolt.driver.command("U0AGENT", "/tweetcare", "status 42")
    assert result.status == 200
    assert bolt.seen.wait("command")["text"] == "status 42"
    assert [r.body["text"] for r in fake.responses(result.response_name)] == ["Working on: status 42"]
    assert [e["text"] for e in fake.ephemerals("U0AGENT")] == ["Working on: status 42"]

    [opened] = fake.views_opened
    submitted = bolt.driver.submit_view("U0AGENT", opened, {"draft": {"text": "Sorry, on it!"}})
    assert submitted.status == 200
    body = bolt.seen.wait("view")
    assert body["view"]["private_metadata"] == "tweet:42"
    assert body["view"]["state"]["values"]["draft"]["text"] == {
        "type": "plain_text_input",
        "value": "Sorry, on it!",
    }


def test_thread_message_event_reaches_listener_with_retry_headers(bolt: BoltHarness, fake: FakeSlack) -> None:
    parent = _post_card(bolt.app.client)
    ts = bolt.driver.thread_message(CHANNEL, parent, "U0AGENT", "Looks good")
    body = bolt.seen.wait("message")
    event = body["event"]
    assert (event["ts"], event["thread_ts"], event["text"], event["channel_type"]) == (
        ts,
        parent,
        "Looks good",
        "channel",
    )
    assert body["type"] == "event_callback" and body["authorizations"][0]["user_id"] == "UBOT"
    assert [m["text"] for m in fake.thread(CHANNEL, parent)] == ["Looks good"]

    retried = bolt.driver.event(event, retry_num=1, retry_reason="http_timeout")
    assert retried.status == 200
    _wait_for(lambda: len(bolt.seen.bodies["message"]) == 2)
    headers = bolt.seen.headers["message"][-1]
    assert headers["x-slack-retry-num"] == ["1"] and headers["x-slack-retry-reason"] == ["http_timeout"]


def test_app_home_opened_and_home_click(bolt: BoltHarness, fake: FakeSlack) -> None:
    assert bolt.driver.app_home_opened("U0AGENT").status == 200
    bolt.seen.wait("home")
    _wait_for(lambda: fake.home_view("U0AGENT") is not None)
    assert bolt.driver.click_home("U0AGENT", "home_refresh", "refresh").status == 200
    body = bolt.seen.wait("home_action")
    assert body["container"]["type"] == "view" and body["view"]["type"] == "home"
    assert body["actions"][0]["block_id"] == "home_actions"


def test_wrong_signature_stale_timestamp_and_forged_requests_get_401(bolt: BoltHarness) -> None:
    assert (
        bolt.driver.with_signing(secret="not-the-secret").command("U0AGENT", "/tweetcare", "x").status == 401
    )
    assert bolt.driver.stale().command("U0AGENT", "/tweetcare", "x").status == 401
    unsigned = bolt.driver.raw(b"command=%2Ftweetcare", {"Content-Type": "application/x-www-form-urlencoded"})
    assert unsigned.status == 401
    assert "command" not in bolt.seen.bodies


def test_url_verification(bolt: BoltHarness) -> None:
    result = bolt.driver.url_verification("abc123")
    assert result.status == 200 and json.loads(result.body)["challenge"] == "abc123"
