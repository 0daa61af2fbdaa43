"""The HTTP edge: forged, stale and malformed requests are refused; health is reported; secrets never leak."""

from __future__ import annotations

import json
import logging
import time
import urllib.parse

import pytest
import requests

from slackbridge.testing.fake_slack import message_text
from slackbridge.testing.signing import sign
from tests.e2e.conftest import AGENT, CHANNEL, SIGNING_SECRET, Bridge, wait_for


def _mention_and_card(bridge: Bridge) -> dict:
    bridge.x.mention("jane", "@acme hi")
    bridge.poll()
    return bridge.cards()[0]


def test_forged_and_stale_signatures_are_rejected_and_change_nothing(bridge: Bridge) -> None:
    card = _mention_and_card(bridge)
    forged = bridge.driver.with_signing(secret="not-the-secret")
    stale = bridge.driver.stale()

    assert forged.thread_message(CHANNEL, card["ts"], AGENT, "reply: forged") and forged.last_result
    assert forged.last_result.status == 401
    stale.thread_message(CHANNEL, card["ts"], AGENT, "reply: stale")
    assert stale.last_result is not None and stale.last_result.status == 401
    unsigned = requests.post(f"{bridge.url}/slack/events", data=b'{"type":"event_callback"}', timeout=5)
    assert unsigned.status_code == 401
    time.sleep(0.3)
    assert bridge.drafts_in(card) == []


def test_malformed_payloads_get_a_clear_status_and_the_service_stays_up(bridge: Bridge) -> None:
    bodies = [
        b"payload=%7Bnot-json",
        b"payload=" + urllib.parse.quote(json.dumps({"type": "block_actions", "actions": "nope"})).encode(),
        b"\xff\xfe\x00garbage",
        b"",
    ]
    for body in bodies:
        ts = str(int(time.time()))
        headers = {
            "X-Slack-Request-Timestamp": ts,
            "X-Slack-Signature": sign(SIGNING_SECRET, ts, body),
            "Content-Type": "application/x-www-form-urlencoded",
        }
        result = bridge.driver.raw(body, headers)
        assert result.status in (200, 400, 404), result
    assert requests.get(f"{bridge.url}/healthz", timeout=5).status_code == 200


def test_a_button_value_we_did_not_write_is_refused_politely(bridge: Bridge) -> None:
    card = _mention_and_card(bridge)
    bridge.driver.click(
        AGENT, "draft_approve", '{"d": "1; DROP TABLE draft"}', channel=CHANNEL, message_ts=card["ts"]
    )
    [notice] = wait_for(lambda: bridge.slack.responses(), what="notice")
    assert "could not be read" in notice.body["text"]
    assert bridge.x.posted() == []


def test_healthz_reports_database_and_unknown_paths_404(bridge: Bridge) -> None:
    health = requests.get(f"{bridge.url}/healthz", timeout=5)
    assert health.status_code == 200 and health.json()["database"] == "ok"
    assert requests.get(f"{bridge.url}/nope", timeout=5).status_code == 404
    assert requests.get(f"{bridge.url}/slack/events", timeout=5).status_code == 405


def test_secrets_never_reach_logs_or_slack(bridge: Bridge, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    card = _mention_and_card(bridge)
    bridge.x.fail_next("/2/tweets", 401, method="POST")
    bridge.driver.thread_message(CHANNEL, card["ts"], AGENT, "reply: hello")
    [draft_msg] = wait_for(lambda: bridge.drafts_in(card), what="draft")
    bridge.click("UMANAGER", draft_msg, "draft_approve")
    wait_for(lambda: "credentials" in message_text(bridge.current(draft_msg)), what="auth failure shown")

    secrets = [
        bridge.settings.slack_signing_secret,
        bridge.settings.slack_bot_token,
        bridge.settings.x_api_secret,
        bridge.settings.x_access_token_secret,
        bridge.settings.x_bearer_token,
    ]
    logged = "\n".join(r.getMessage() + (r.exc_text or "") for r in caplog.records)
    everything_in_slack = json.dumps([c.params for c in bridge.slack.calls() if c.method != "auth.test"])
    for secret in secrets:
        assert secret and secret not in logged
        assert secret not in everything_in_slack
