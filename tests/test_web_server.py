"""`slackbridge run` on gunicorn as operators run it: workers, SIGTERM, and a kill -9 after the ack."""

from __future__ import annotations

import os
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import requests
import sqlalchemy as sa
from sqlmodel import Session, select

from slackbridge.db import make_engine, upgrade
from slackbridge.models import Draft, InboxStatus, SlackInbox
from slackbridge.testing.env import fake_service_env
from slackbridge.testing.fake_slack import FakeSlack, message_text
from slackbridge.testing.fake_x import FakeX
from slackbridge.testing.slack_driver import DriverResult, SlackDriver
from tests.test_cli import _clean_env, _Output

PY = sys.executable
SECRET = "sign-me-please"
CHANNEL = "C0CARE"
AGENT = "UAGENT"


def _env(tmp_path: Path, slack: FakeSlack, x: FakeX, db_url: str) -> dict[str, str]:
    return _clean_env(
        tmp_path,
        **fake_service_env(
            slack,
            x,
            db_url,
            signing_secret=SECRET,
            channel=CHANNEL,
            approvers="UBOSS",
            SLACKBRIDGE_POLL_SECONDS="1",
            SLACKBRIDGE_INBOX_CLAIM_SECONDS="2",
        ),
    )


class Service:
    """One `slackbridge run` process group (gunicorn's master and its workers)."""

    def __init__(self, env: dict[str, str], cwd: Path, *extra: str) -> None:
        self.proc = subprocess.Popen(  # noqa: S603
            [PY, "-m", "slackbridge", "run", "--host", "127.0.0.1", "--port", "0", *extra],
            env=env,
            cwd=cwd,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,  # its own process group, so kill -9 reaches the workers too
        )
        self.output = _Output(self.proc)
        port = int(self.output.wait_for(r"server\.listening host=\S+ port=(\d+)").group(1))
        self.url = f"http://127.0.0.1:{port}"

    def terminate(self) -> int:
        self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(timeout=60)

    def kill(self) -> None:
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=30)

    def close(self) -> None:
        if self.proc.poll() is None:
            self.kill()


@contextmanager
def running(env: dict[str, str], cwd: Path, *extra: str) -> Iterator[Service]:
    service = Service(env, cwd, *extra)
    try:
        yield service
    finally:
        service.close()


def wait_for(predicate: Any, timeout: float = 30.0, what: str = "condition") -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := predicate():
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def _drafts_in(slack: FakeSlack, card: dict[str, Any]) -> list[dict[str, Any]]:
    return [m for m in slack.thread(CHANNEL, card["ts"]) if "Reply draft #" in message_text(m)]


def _fakes() -> tuple[FakeSlack, FakeX]:
    slack, x = FakeSlack().start(), FakeX(brand_username="acme").start()
    slack.add_channel(CHANNEL, "x-care")
    slack.add_user(AGENT, "alex", real_name="Alex")
    return slack, x


def test_two_workers_answer_health_and_signed_slack_requests_and_stop_on_sigterm(tmp_path: Path) -> None:
    slack, x = _fakes()
    try:
        db_url = f"sqlite:///{tmp_path / 'run.db'}"
        upgrade(make_engine(db_url))
        x.mention("jane", "@acme where is my order?")
        with running(_env(tmp_path, slack, x, db_url), tmp_path, "--workers", "2", "--threads", "4") as web:
            card = wait_for(lambda: slack.messages(CHANNEL), what="the card")[0]
            for _ in range(6):
                health = requests.get(f"{web.url}/healthz", timeout=10)
                assert health.status_code == 200 and health.json()["database"] == "ok"
            driver = SlackDriver(web.url, SECRET, fake=slack)
            driver.thread_message(CHANNEL, card["ts"], AGENT, "reply: Sorry Jane, checking now.")
            assert driver.last_result is not None and driver.last_result.status == 200
            [draft] = wait_for(lambda: _drafts_in(slack, card), what="the draft")
            assert "checking now" in message_text(draft)
            forged = driver.with_signing(secret="not-the-secret")
            forged.thread_message(CHANNEL, card["ts"], AGENT, "reply: forged")
            assert forged.last_result is not None and forged.last_result.status == 401
            assert web.terminate() == 0
            logs = web.output.text()
        assert logs.count("Booting worker") == 2, logs
        # Each worker polls X until leadership in the store picks one; their rounds may collide on SQLite.
        assert "server.stopped" in logs
        assert SECRET not in logs
    finally:
        slack.stop()
        x.stop()


def test_sigterm_during_a_slow_request_lets_it_finish_and_exits_0(tmp_path: Path) -> None:
    slack, x = _fakes()
    try:
        db_path = tmp_path / "run.db"
        db_url = f"sqlite:///{db_path}"
        upgrade(make_engine(db_url))
        with running(_env(tmp_path, slack, x, db_url), tmp_path, "--workers", "1") as web:
            wait_for(lambda: requests.get(f"{web.url}/healthz", timeout=5).ok, what="health")
            driver = SlackDriver(web.url, SECRET, fake=slack)
            lock = sqlite3.connect(db_path, isolation_level=None)
            lock.execute("BEGIN IMMEDIATE")  # every writer waits: storing the next request is slow
            answers: list[DriverResult | None] = []

            def send() -> None:
                driver.thread_message(CHANNEL, "1700000000.000100", AGENT, "reply: slow one")
                answers.append(driver.last_result)

            in_flight = threading.Thread(target=send)
            in_flight.start()
            time.sleep(1.0)  # the request is in the worker, waiting on the store
            web.proc.send_signal(signal.SIGTERM)
            time.sleep(1.0)
            assert in_flight.is_alive(), "the request should still be in flight during the stop"
            lock.execute("ROLLBACK")
            lock.close()
            in_flight.join(30)
            assert web.proc.wait(timeout=60) == 0, web.output.text()
        assert [a.status if a else None for a in answers] == [200]
        with Session(make_engine(db_url)) as session:
            rows = session.exec(select(SlackInbox)).all()
        assert [(r.kind, r.status) for r in rows] == [("event", InboxStatus.DONE)]
        assert "server.stopped" in web.output.text()
    finally:
        slack.stop()
        x.stop()


@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
def test_a_reply_acknowledged_just_before_kill_9_is_drafted_once_after_restart(
    tmp_path: Path, request: pytest.FixtureRequest, database: str
) -> None:
    slack, x = _fakes()
    try:
        db_url = (
            request.getfixturevalue("postgres_url")
            if database == "postgresql"
            else f"sqlite:///{tmp_path / 'run.db'}"
        )
        engine = make_engine(db_url)
        upgrade(engine)
        env = _env(tmp_path, slack, x, db_url)
        x.mention("jane", "@acme my refund?")
        with running(env, tmp_path, "--workers", "1") as first:
            card = wait_for(lambda: slack.messages(CHANNEL), what="the card")[0]
            driver = SlackDriver(first.url, SECRET, fake=slack)
            with engine.connect() as conn:
                if database == "postgresql":
                    # The handler cannot save drafts yet: the kill lands after the ack, before the draft.
                    conn.execute(sa.text("LOCK TABLE draft IN EXCLUSIVE MODE"))
                driver.thread_message(CHANNEL, card["ts"], AGENT, "reply: Refund is on its way.")
                assert driver.last_result is not None and driver.last_result.status == 200
                first.kill()
                conn.rollback()
        if database == "postgresql":
            assert _drafts_in(slack, card) == []
        with running(env, tmp_path, "--workers", "1") as second:
            [draft] = wait_for(lambda: _drafts_in(slack, card), what="the draft after the restart")
            assert "Refund is on its way." in message_text(draft)
            time.sleep(3)  # past another claim period and sweep: nothing may show it a second time
            assert len(_drafts_in(slack, card)) == 1
            assert second.terminate() == 0
        with Session(engine) as session:
            assert len(session.exec(select(Draft)).all()) == 1
            [row] = session.exec(select(SlackInbox)).all()
            assert row.status == InboxStatus.DONE
            if database == "postgresql":
                assert row.attempts == 2  # the dead process's attempt, then the sweep's
    finally:
        slack.stop()
        x.stop()


def test_a_port_already_in_use_stops_start_up_with_one_clear_line(tmp_path: Path) -> None:
    slack, x = _fakes()
    taken = socket.socket()
    try:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        db_url = f"sqlite:///{tmp_path / 'run.db'}"
        upgrade(make_engine(db_url))
        result = subprocess.run(  # noqa: S603
            [PY, "-m", "slackbridge", "run", "--host", "127.0.0.1", "--port", str(port)],
            env=_env(tmp_path, slack, x, db_url),
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.returncode == 2
        assert f"cannot listen on 127.0.0.1:{port}" in result.stderr
        assert "Traceback" not in result.stderr + result.stdout
    finally:
        taken.close()
        slack.stop()
        x.stop()
