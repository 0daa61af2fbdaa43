"""The whole service over real HTTP: fake Slack and X servers, the real Bolt app and inbox, a real store."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from slackbridge.app import Services, build_app, build_inbox, build_services
from slackbridge.config import Settings, load_settings
from slackbridge.db import make_engine, upgrade
from slackbridge.server import Process, Runtime, make_wsgi
from slackbridge.testing.env import fake_service_env
from slackbridge.testing.fake_slack import FakeSlack, find_button, message_text
from slackbridge.testing.fake_x import FakeX
from slackbridge.testing.slack_driver import SlackDriver
from slackbridge.testing.wsgi_server import TestServer

SIGNING_SECRET = "test-signing-secret"
CHANNEL = "C0CARDS"
AGENT = "UAGENT"
MANAGER = "UMANAGER"
LEAD = "ULEAD"  # approver through the S0LEADS user group
OUTSIDER = "UOTHER"


def wait_for(predicate: Callable[[], Any], timeout: float = 10.0, what: str = "condition") -> Any:
    """Listeners run after the ack; poll for the outcome a user would eventually see."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what}")


@dataclass
class Bridge:
    slack: FakeSlack
    x: FakeX
    driver: SlackDriver
    settings: Settings
    services: Services
    runtime: Runtime
    url: str
    process: Process | None = None

    def poll(self) -> int:
        return self.runtime.mentions_round()

    def cards(self, channel: str = CHANNEL) -> list[dict[str, Any]]:
        return self.slack.messages(channel)

    def card_for(self, tweet_id: str, channel: str = CHANNEL) -> dict[str, Any]:
        for message in self.slack.messages(channel):
            if tweet_id in message_text(message):
                return self.slack.message(channel, message["ts"]) or message
        raise AssertionError(f"no card for tweet {tweet_id}")

    def thread(self, card: dict[str, Any], channel: str = CHANNEL) -> list[dict[str, Any]]:
        return self.slack.thread(channel, card["ts"])

    def click(self, user: str, message: dict[str, Any], action_id: str, channel: str = CHANNEL) -> Any:
        button = find_button(message, action_id)
        return self.driver.click(user, action_id, button["value"], channel=channel, message_ts=message["ts"])

    def drafts_in(self, card: dict[str, Any], channel: str = CHANNEL) -> list[dict[str, Any]]:
        return [m for m in self.thread(card, channel) if "Reply draft #" in message_text(m)]

    def current(self, message: dict[str, Any], channel: str = CHANNEL) -> dict[str, Any]:
        found = self.slack.message(channel, message["ts"])
        assert found is not None
        return found


def bridge_env(slack: FakeSlack, x: FakeX, db_url: str, **extra: str) -> dict[str, str]:
    approvers = f"{MANAGER},S0LEADS"
    return fake_service_env(
        slack, x, db_url, signing_secret=SIGNING_SECRET, channel=CHANNEL, approvers=approvers, **extra
    )


class RunningBridge:
    """Starts (and restarts) the service against the same fakes and database."""

    def __init__(self, slack: FakeSlack, x: FakeX, db_url: str, env_extra: dict[str, str]) -> None:
        self.slack, self.x, self.db_url, self.env_extra = slack, x, db_url, env_extra
        self.server: TestServer | None = None
        self.process: Process | None = None

    def start(self) -> Bridge:
        settings = load_settings(bridge_env(self.slack, self.x, self.db_url, **self.env_extra))
        services = build_services(settings, engine=make_engine(self.db_url))
        app = build_app(settings, services)
        runtime = Runtime(app=app, services=services)
        inbox = build_inbox(settings, services)  # tests run its sweep() themselves where they need it
        self.process = Process(runtime=runtime, inbox=inbox)
        self.server = TestServer(make_wsgi(runtime, inbox)).start()
        driver = SlackDriver(self.server.url, SIGNING_SECRET, fake=self.slack)
        return Bridge(self.slack, self.x, driver, settings, services, runtime, self.server.url, self.process)

    def stop(self) -> None:
        if self.server is not None:
            self.server.stop()
            self.server = None
        if self.process is not None:
            self.process.inbox.close()
            self.process = None


@pytest.fixture
def fakes() -> Iterator[tuple[FakeSlack, FakeX]]:
    with FakeSlack() as slack, FakeX(brand_username="acme") as x:
        slack.add_channel(CHANNEL, "x-care")
        for user_id, name in [(AGENT, "alex"), (MANAGER, "maria"), (LEAD, "lee"), (OUTSIDER, "olga")]:
            slack.add_user(user_id, name, real_name=name.capitalize())
        slack.add_usergroup("S0LEADS", [LEAD])
        yield slack, x


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'slackbridge.db'}"
    upgrade(make_engine(url))
    return url


@pytest.fixture
def env_extra() -> dict[str, str]:
    return {}


@pytest.fixture
def service(
    fakes: tuple[FakeSlack, FakeX], db_url: str, env_extra: dict[str, str]
) -> Iterator[RunningBridge]:
    slack, x = fakes
    running = RunningBridge(slack, x, db_url, env_extra)
    yield running
    running.stop()


@pytest.fixture
def bridge(service: RunningBridge) -> Bridge:
    return service.start()
