"""Real `slackbridge run --poller-only` processes on one database, and `kill -9`: another process takes
over polling within 10 seconds, and a crash mid-delivery delays only the post it held."""

from __future__ import annotations

import re
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from slackbridge.db import make_engine
from slackbridge.testing.env import fake_service_env
from slackbridge.testing.fake_slack import FakeSlack, message_text
from slackbridge.testing.fake_x import FakeX
from tests.test_cli import PY, _clean_env, _Output, _run

CHANNEL = "C0CARE"
GAINED = r"leader\.gained poller=mentions holder=\S+-(\d+)-[0-9a-f]{6}\b"


def wait_until(predicate: Callable[[], Any], timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := predicate():
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")


class Worker:
    def __init__(self, env: dict[str, str], cwd: Path) -> None:
        self.proc = subprocess.Popen(  # noqa: S603
            [PY, "-m", "slackbridge", "run", "--poller-only"],
            env=env,
            cwd=cwd,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.output = _Output(self.proc)

    @property
    def pid(self) -> int:
        return self.proc.pid

    def leads_mentions(self) -> bool:
        return any(
            (m := re.search(GAINED, line)) and int(m.group(1)) == self.pid for line in list(self.output.lines)
        )

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'shared.db'}"
    url: str = request.getfixturevalue("postgres_url")
    return url


@pytest.fixture
def service(tmp_path: Path, store: str) -> Iterator[tuple[FakeSlack, FakeX, Callable[[], Worker], str]]:
    with FakeSlack() as slack, FakeX() as x:
        env = _clean_env(
            tmp_path,
            **fake_service_env(
                slack,
                x,
                store,
                signing_secret="sign-me-please",
                channel=CHANNEL,
                approvers="UBOSS",
                SLACKBRIDGE_POLL_SECONDS="1",
            ),
        )
        upgraded = _run(["db", "upgrade"], env, tmp_path)
        assert upgraded.returncode == 0, upgraded.stderr
        workers: list[Worker] = []

        def start() -> Worker:
            worker = Worker(env, tmp_path)
            workers.append(worker)
            return worker

        try:
            yield slack, x, start, store
        finally:
            for worker in workers:
                worker.stop()


def cards(slack: FakeSlack, tweet_id: str) -> int:
    return sum(tweet_id in message_text(m) for m in slack.messages(CHANNEL))


def test_kill_9_of_the_leader_hands_polling_to_the_other_process_within_10_seconds(
    service: tuple[FakeSlack, FakeX, Callable[[], Worker], str],
) -> None:
    slack, x, start, _ = service
    first, second = start(), start()
    leader = wait_until(
        lambda: next((w for w in (first, second) if w.leads_mentions()), None), 60, "a mentions leader"
    )
    standby = second if leader is first else first
    x.mention("jane", "@acme before the crash")
    wait_until(lambda: slack.messages(CHANNEL), 30, "the first card")
    assert not standby.leads_mentions()

    leader.proc.send_signal(signal.SIGKILL)
    leader.proc.wait()
    wait_until(standby.leads_mentions, 10, "the standby to lead (10 s after kill -9)")
    after = x.mention("ken", "@acme after the crash")
    wait_until(lambda: cards(slack, after), 20, "the new leader to card a new mention")


def test_kill_9_mid_delivery_delays_only_the_post_it_held(
    service: tuple[FakeSlack, FakeX, Callable[[], Worker], str],
) -> None:
    slack, x, start, store = service
    if not store.startswith("sqlite"):
        pytest.skip("slow (two processes' start-up); the claims themselves are tested on both stores in e2e")
    ids = [x.mention(f"user{n}", f"@acme order {n} is late") for n in range(10)]
    for _ in range(10):
        slack.delay_next("chat.postMessage", 0.8)  # Slack is slow: posts are in flight for a while
    first, second = start(), start()
    engine = make_engine(store)

    def holder_of_a_claim() -> Worker | None:
        with engine.connect() as conn:
            rows = conn.execute(
                sa.text("SELECT claimed_by FROM tweet WHERE claimed_by IS NOT NULL AND slack_ts IS NULL")
            ).all()
        pids = {int(m.group(1)) for (by,) in rows if (m := re.search(r"-(\d+)-[0-9a-f]{6}$", by))}
        return next((w for w in (first, second) if w.pid in pids), None)

    victim = wait_until(holder_of_a_claim, 60, "a process holding a post")
    victim.proc.send_signal(signal.SIGKILL)
    victim.proc.wait()
    shown = len(slack.messages(CHANNEL))
    wait_until(lambda: len(slack.messages(CHANNEL)) > shown, 10, "the next card from the other process")
    wait_until(lambda: all(cards(slack, i) for i in ids), 45, "every post carded")
    time.sleep(1)
    engine.dispose()
    assert {i: cards(slack, i) for i in ids} == dict.fromkeys(ids, 1)
