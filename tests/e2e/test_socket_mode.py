"""Socket Mode end to end: the real `slackbridge run` process, connected to the fake Slack's WebSocket."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import Session, col, select

from slackbridge.db import make_engine
from slackbridge.models import InboxStatus, SlackInbox
from slackbridge.testing.fake_slack import FakeSlack, find_button, message_text
from slackbridge.testing.fake_x import FakeX
from slackbridge.testing.slack_driver import SlackDriver
from tests.e2e.conftest import AGENT, CHANNEL, MANAGER, SIGNING_SECRET, bridge_env, wait_for

PY = sys.executable


def _env(slack: FakeSlack, x: FakeX, tmp_path: Path) -> dict[str, str]:
    inherited = {
        k: v for k, v in os.environ.items() if not k.startswith(("SLACK", "X_", "OPENAI", "DATABASE_URL"))
    }
    return {
        **inherited,
        **bridge_env(slack, x, f"sqlite:///{tmp_path / 'socket.db'}"),
        "SLACK_APP_TOKEN": slack.app_token,
        "SLACKBRIDGE_POLL_SECONDS": "1",
        "SLACKBRIDGE_ENV_FILE": os.devnull,
    }


@pytest.fixture
def service(fakes: tuple[FakeSlack, FakeX], tmp_path: Path) -> Iterator[subprocess.Popen[str]]:
    slack, x = fakes
    env = _env(slack, x, tmp_path)
    upgraded = subprocess.run(  # noqa: S603
        [PY, "-m", "slackbridge", "db", "upgrade"], env=env, cwd=tmp_path, capture_output=True, text=True
    )
    assert upgraded.returncode == 0, upgraded.stderr
    proc = subprocess.Popen(  # noqa: S603
        [PY, "-m", "slackbridge", "run"],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    yield proc
    if proc.poll() is None:
        proc.kill()
        proc.communicate(timeout=10)


def test_service_over_socket_mode_drafts_approves_posts_once_and_stops_on_sigterm(
    fakes: tuple[FakeSlack, FakeX], service: subprocess.Popen[str], tmp_path: Path
) -> None:
    slack, x = fakes
    tweet_id = x.mention("jane", "@acme my parcel never arrived")
    try:
        assert slack.wait_for_socket(30), "the service should open a Socket Mode connection"
        assert slack.socket_hellos() == 1
        [opened] = slack.calls("apps.connections.open")
        assert opened.params == {}, "the app-level token goes in the Authorization header, not the body"

        card = wait_for(
            lambda: next((m for m in slack.messages(CHANNEL) if tweet_id in message_text(m)), None),
            timeout=30,
            what="the poller's card for the mention",
        )
        driver = SlackDriver("http://unused.invalid", SIGNING_SECRET, fake=slack, socket_mode=True)
        text = "reply: So sorry Jane! DM us your order number?"
        ts = driver.thread_message(CHANNEL, card["ts"], AGENT, text, event_id="EvSOCKET1")
        assert driver.last_result is not None and driver.last_result.status == 200
        first_delivery = driver.last_result
        # Slack redelivers when an ack is late: acknowledged again, stored once, drafted once.
        driver.thread_message(CHANNEL, card["ts"], AGENT, text, ts=ts, event_id="EvSOCKET1", retry_num=1)
        assert driver.last_result.status == 200
        redelivery = driver.last_result

        draft_msg = wait_for(
            lambda: next(
                (m for m in slack.thread(CHANNEL, card["ts"]) if "Reply draft #" in message_text(m)), None
            ),
            what="the draft message in the thread",
        )
        assert "So sorry Jane! DM us your order number?" in message_text(draft_msg)
        button = find_button(draft_msg, "draft_approve")
        clicked = driver.click(
            MANAGER, "draft_approve", button["value"], channel=CHANNEL, message_ts=draft_msg["ts"]
        )
        assert clicked.status == 200

        wait_for(lambda: x.posted(), what="the reply on X")
        wait_for(
            lambda: "Sent on X" in message_text(slack.message(CHANNEL, draft_msg["ts"]) or {}),
            what="the draft marked as sent",
        )
        [posted] = x.posted()
        assert posted["text"] == "So sorry Jane! DM us your order number?"
        assert posted["in_reply_to_tweet_id"] == tweet_id

        acked = [a["envelope_id"] for a in slack.socket_acks()]
        sent = [r.headers["X-Envelope-Id"] for r in (first_delivery, redelivery, clicked)]
        assert sorted(acked) == sorted(sent), "every envelope is acked, once"
    finally:
        service.send_signal(signal.SIGTERM)
        output, _ = service.communicate(timeout=30)
    assert service.returncode == 0, output
    assert "server.socket_mode_connected" in output and "server.stopped" in output
    assert "Traceback" not in output, output
    assert slack.bot_token not in output and slack.app_token not in output
    assert len(x.posted()) == 1
    drafts = [m for m in slack.thread(CHANNEL, card["ts"]) if "Reply draft #" in message_text(m)]
    assert len(drafts) == 1
    with Session(make_engine(f"sqlite:///{tmp_path / 'socket.db'}")) as session:
        rows = session.exec(select(SlackInbox).order_by(col(SlackInbox.id))).all()
    assert [(r.kind, r.status) for r in rows] == [("event", InboxStatus.DONE), ("action", InboxStatus.DONE)]


def test_a_refused_app_token_stops_start_up_with_a_clear_message(
    fakes: tuple[FakeSlack, FakeX], tmp_path: Path
) -> None:
    slack, x = fakes
    env = {**_env(slack, x, tmp_path), "SLACK_APP_TOKEN": "xapp-revoked-token"}
    subprocess.run([PY, "-m", "slackbridge", "db", "upgrade"], env=env, cwd=tmp_path, check=True)  # noqa: S603
    result = subprocess.run(  # noqa: S603
        [PY, "-m", "slackbridge", "run"], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 2
    assert "Slack refused SLACK_APP_TOKEN" in result.stderr and "connections:write" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert "xapp-revoked-token" not in result.stderr + result.stdout
