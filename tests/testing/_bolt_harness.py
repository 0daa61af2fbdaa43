"""A real Bolt app with small listeners that record what they receive, served by the threaded test server."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk import WebClient

from slackbridge.testing.fake_slack import FakeSlack
from slackbridge.testing.slack_driver import SlackDriver
from slackbridge.testing.wsgi_server import TestServer

TOKEN = "xoxb-test"
SIGNING_SECRET = "test-signing-secret"


@dataclass
class Seen:
    """What the app's listeners received, with an event per listener to wait on."""

    bodies: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    headers: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    _events: dict[str, threading.Event] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, kind: str, body: dict[str, Any], headers: dict[str, Any] | None = None) -> None:
        with self._lock:
            self.bodies.setdefault(kind, []).append(body)
            self.headers.setdefault(kind, []).append(headers or {})
            self._event(kind).set()

    def _event(self, kind: str) -> threading.Event:
        return self._events.setdefault(kind, threading.Event())

    def wait(self, kind: str, timeout: float = 5.0) -> dict[str, Any]:
        with self._lock:
            event = self._event(kind)
        assert event.wait(timeout), f"listener {kind!r} was not called"
        return self.bodies[kind][-1]


@dataclass
class BoltHarness:
    app: App
    url: str
    seen: Seen
    driver: SlackDriver


def build_app(fake: FakeSlack, seen: Seen) -> App:
    app = App(
        token=TOKEN,
        signing_secret=SIGNING_SECRET,
        client=WebClient(token=TOKEN, base_url=fake.api_url),
    )

    @app.action("approve")
    def handle_approve(ack: Any, body: dict[str, Any], client: WebClient, respond: Any) -> None:
        ack()
        seen.add("action", body)
        client.chat_update(
            channel=body["channel"]["id"], ts=body["message"]["ts"], text="Approved", blocks=[]
        )
        respond(text="You approved it", response_type="ephemeral")

    @app.action("pick_tone")
    def handle_pick_tone(ack: Any, body: dict[str, Any]) -> None:
        ack()
        seen.add("select", body)

    @app.action("home_refresh")
    def handle_home_refresh(ack: Any, body: dict[str, Any]) -> None:
        ack()
        seen.add("home_action", body)

    @app.command("/tweetcare")
    def handle_command(ack: Any, body: dict[str, Any], client: WebClient, respond: Any) -> None:
        ack()
        client.views_open(
            trigger_id=body["trigger_id"],
            view={
                "type": "modal",
                "callback_id": "draft_modal",
                "private_metadata": "tweet:42",
                "title": {"type": "plain_text", "text": "Draft reply"},
                "submit": {"type": "plain_text", "text": "Save"},
                "blocks": [
                    {
                        "type": "input",
                        "block_id": "draft",
                        "label": {"type": "plain_text", "text": "Reply"},
                        "element": {"type": "plain_text_input", "action_id": "text", "max_length": 280},
                    }
                ],
            },
        )
        respond(text=f"Working on: {body['text']}")
        seen.add("command", body)

    @app.view("draft_modal")
    def handle_draft_submit(ack: Any, body: dict[str, Any], view: dict[str, Any]) -> None:
        ack()
        seen.add("view", body)

    @app.event("message")
    def handle_message(body: dict[str, Any], request: Any) -> None:
        seen.add("message", body, dict(request.headers))

    @app.event("app_home_opened")
    def handle_home(event: dict[str, Any], client: WebClient) -> None:
        client.views_publish(
            user_id=event["user"],
            view={
                "type": "home",
                "blocks": [
                    {
                        "type": "actions",
                        "block_id": "home_actions",
                        "elements": [
                            {
                                "type": "button",
                                "action_id": "home_refresh",
                                "text": {"type": "plain_text", "text": "Refresh"},
                                "value": "refresh",
                            }
                        ],
                    }
                ],
            },
        )
        seen.add("home", event)

    return app


@contextmanager
def serve_bolt(fake: FakeSlack) -> Iterator[BoltHarness]:
    seen = Seen()
    app = build_app(fake, seen)
    server = TestServer(SlackRequestHandler(app)).start()
    url = server.url
    try:
        yield BoltHarness(app, url, seen, SlackDriver(url, SIGNING_SECRET, fake=fake))
    finally:
        server.stop()
