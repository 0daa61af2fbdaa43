"""Many processes on one database: one polls X for each poller, and another takes over when it goes."""

from __future__ import annotations

import time
from collections.abc import Iterator
from functools import partial

import pytest
import sqlalchemy as sa

from slackbridge.app import build_app, build_services
from slackbridge.config import load_settings
from slackbridge.db import make_engine, upgrade
from slackbridge.runtime import Runtime
from slackbridge.testing.fake_slack import FakeSlack
from slackbridge.testing.fake_x import FakeX
from tests.e2e.conftest import CHANNEL, bridge_env, wait_for

POLLERS = ["mentions", "compliance"]


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: object) -> str:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path}/shared.db"
    else:
        url = request.getfixturevalue("postgres_url")
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    return url


class Processes:
    """Several service processes on one database and the same fakes (each with an engine of its own)."""

    def __init__(self, slack: FakeSlack, x: FakeX, url: str) -> None:
        self.slack, self.x, self.url = slack, x, url
        self.runtimes: list[Runtime] = []

    def start(self) -> Runtime:
        settings = load_settings(bridge_env(self.slack, self.x, self.url, SLACKBRIDGE_POLL_SECONDS="1"))
        services = build_services(settings, engine=make_engine(self.url))
        runtime = Runtime(app=build_app(settings, services), services=services)
        runtime.add_default_pollers()
        runtime.add_default_loops()
        runtime.start_pollers()
        self.runtimes.append(runtime)
        return runtime

    def leaders(self, poller: str) -> list[Runtime]:
        return [r for r in self.runtimes if poller in r.leads()]

    def stop(self) -> None:
        for runtime in self.runtimes:
            runtime.stop()
            runtime.services.deps.engine.dispose()


@pytest.fixture
def processes(fakes: tuple[FakeSlack, FakeX], store_url: str) -> Iterator[Processes]:
    slack, x = fakes
    running = Processes(slack, x, store_url)
    yield running
    running.stop()


def mention_reads(x: FakeX) -> int:
    return sum(1 for r in x.requests if r.path.endswith("/mentions"))


def test_two_processes_one_leads_each_poller_and_x_is_read_once(processes: Processes) -> None:
    first, second = processes.start(), processes.start()
    for name in POLLERS:
        wait_for(partial(processes.leaders, name), what=f"a leader for {name}")
    tweet_id = processes.x.mention("jane", "@acme is anyone polling?")
    wait_for(lambda: processes.slack.messages(CHANNEL), what="the mention carded")
    time.sleep(3)  # a few more rounds

    for name in POLLERS:
        assert len(processes.leaders(name)) == 1, name
    leader = processes.leaders("mentions")[0]
    standby = second if leader is first else first
    assert standby.health()[1]["pollers"]["mentions"]["role"] == "standby"
    assert leader.health()[1]["pollers"]["mentions"]["role"] == "leader"
    # Only the leader read X: the standby never ran a round.
    standby_poller = next(p for p in standby.pollers if p.name == "mentions")
    assert standby_poller.status.last_success is None and mention_reads(processes.x) >= 3
    rounds = mention_reads(processes.x)
    time.sleep(2.2)
    assert mention_reads(processes.x) - rounds <= 3  # one process's pace (1 s), not two
    assert len([m for m in processes.slack.messages(CHANNEL) if tweet_id in str(m)]) == 1


def test_a_clean_stop_hands_the_lead_over_at_once(processes: Processes) -> None:
    processes.start(), processes.start()
    leader = wait_for(lambda: processes.leaders("mentions"), what="a leader")[0]
    leader.stop()
    processes.runtimes.remove(leader)
    started = time.monotonic()
    wait_for(lambda: processes.leaders("mentions"), timeout=10, what="the standby taking over")
    assert time.monotonic() - started < 5  # released, not expired
    processes.runtimes.append(leader)  # stopped again at the end: harmless


def test_a_leader_whose_database_session_dies_loses_the_lead_to_one_process(
    processes: Processes, store_url: str
) -> None:
    if not store_url.startswith("postgresql"):
        pytest.skip("the session-bound advisory lock is PostgreSQL's")
    processes.start(), processes.start()
    leader = wait_for(lambda: processes.leaders("mentions"), what="a leader")[0]
    admin = make_engine(store_url)
    with admin.connect() as conn:  # what the server does when the leader's host or network dies
        killed = conn.execute(
            sa.text(
                # this test's database only: tests running beside it hold advisory locks of their own
                "SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' "
                "AND pid <> pg_backend_pid() "
                "AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
            )
        ).all()
    admin.dispose()
    assert killed
    deadline = time.monotonic() + 10
    seen_loss = False
    while time.monotonic() < deadline:
        leaders = processes.leaders("mentions")
        assert len(leaders) <= 1, "two processes led at once"
        seen_loss = seen_loss or leader not in leaders
        if seen_loss and leaders:
            break
        time.sleep(0.05)
    assert seen_loss and len(processes.leaders("mentions")) == 1
