"""The fake's Socket Mode endpoint, driven by slack_sdk's own builtin SocketModeClient over a real socket."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.socket_mode import SocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.socket_mode.response import SocketModeResponse

from slackbridge.testing.fake_slack import FakeSlack
from slackbridge.testing.fake_slack.socket_mode import accept_key

APP_TOKEN = "xapp-1-A0TEST-123-abc"


def _wait(predicate: Callable[[], Any], timeout: float = 5.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := predicate():
            return value
        time.sleep(0.02)
    raise AssertionError("timed out")


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    with FakeSlack(app_token=APP_TOKEN) as server:
        yield server


@pytest.fixture
def client(fake: FakeSlack) -> Iterator[SocketModeClient]:
    web = WebClient(base_url=fake.api_url)
    sm = SocketModeClient(app_token=APP_TOKEN, web_client=web, auto_reconnect_enabled=False)
    yield sm
    fake.stop()  # a close frame wakes the client's blocking read, so close() need not wait it out
    _wait(lambda: not sm.is_connected())
    sm.close()


def test_apps_connections_open_takes_only_the_app_level_token(fake: FakeSlack) -> None:
    opened = WebClient(base_url=fake.api_url).apps_connections_open(app_token=APP_TOKEN)
    assert opened["ok"] is True
    assert opened["url"].startswith("ws://127.0.0.1:") and "/link/?ticket=" in opened["url"]

    with pytest.raises(SlackApiError) as bot:
        WebClient(base_url=fake.api_url).apps_connections_open(app_token=fake.bot_token)
    assert bot.value.response["error"] == "not_allowed_token_type"
    with pytest.raises(SlackApiError) as other:
        WebClient(APP_TOKEN, base_url=fake.api_url).chat_postMessage(channel="C0TEST", text="hi")
    assert other.value.response["error"] == "not_allowed_token_type"
    with pytest.raises(SlackApiError) as wrong:
        WebClient(base_url=fake.api_url).apps_connections_open(app_token="xapp-someone-else")
    assert wrong.value.response["error"] == "invalid_auth"


def test_sdk_client_connects_gets_hello_receives_an_envelope_and_acks_it(
    fake: FakeSlack, client: SocketModeClient
) -> None:
    messages: list[dict[str, Any]] = []
    requests: list[SocketModeRequest] = []
    client.message_listeners.append(lambda _c, message, _raw: messages.append(message))

    def handle(sm: SocketModeClient, req: SocketModeRequest) -> None:
        requests.append(req)
        sm.send_socket_mode_response(SocketModeResponse(req.envelope_id, payload={"text": "got it"}))

    client.socket_mode_request_listeners.append(handle)  # type: ignore[arg-type]
    client.connect()
    assert fake.wait_for_socket(5) and fake.socket_hellos() == 1
    [hello] = _wait(lambda: [m for m in messages if m.get("type") == "hello"])
    assert hello["num_connections"] == 1 and hello["connection_info"] == {"app_id": fake.app_id}

    event = {"type": "event_callback", "event": {"type": "app_mention", "text": "x" * 70_000}}
    envelope_id = fake.socket_send("events_api", event)  # > 64 KiB: the 64-bit length form
    ack = fake.wait_for_socket_ack(envelope_id, 5)
    assert ack == {"envelope_id": envelope_id, "payload": {"text": "got it"}}
    [req] = requests
    assert (req.type, req.payload, req.retry_attempt, req.retry_reason) == ("events_api", event, 0, "")
    # The client pings right after the handshake; only a pong echoing its payload sets this.
    assert _wait(lambda: client.current_session and client.current_session.last_ping_pong_time)

    action = {"type": "block_actions", "actions": [{"action_id": "a"}]}
    second = fake.socket_send("interactive", action)
    assert fake.wait_for_socket_ack(second, 5) is not None
    assert requests[1].type == "interactive" and requests[1].retry_attempt is None
    assert [a["envelope_id"] for a in fake.socket_acks()] == [envelope_id, second]


def test_stopping_the_fake_closes_the_connection_with_a_close_frame(
    fake: FakeSlack, client: SocketModeClient
) -> None:
    closed = threading.Event()
    client.on_close_listeners.append(lambda code, _reason: closed.set() if code == 1001 else None)
    client.connect()
    assert fake.wait_for_socket(5)
    fake.stop()
    assert closed.wait(5)
    _wait(lambda: not client.is_connected())  # the client drops its socket right after the close frame
    with pytest.raises(RuntimeError, match="no app is connected"):
        fake.socket_send("events_api", {})


def _handshake(url: str, key: str = "dGhlIHNhbXBsZSBub25jZQ==") -> bytes:
    host_port, _, path = url.removeprefix("ws://").partition("/")
    host, _, port = host_port.partition(":")
    with socket.create_connection((host, int(port)), timeout=5) as sock:
        sock.sendall(
            f"GET /{path} HTTP/1.1\r\nHost: {host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n".encode()
        )
        return sock.recv(4096)


def test_handshake_follows_rfc_6455_and_refuses_unknown_tickets(fake: FakeSlack) -> None:
    assert accept_key("dGhlIHNhbXBsZSBub25jZQ==") == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="  # RFC 6455's example
    url = WebClient(base_url=fake.api_url).apps_connections_open(app_token=APP_TOKEN)["url"]
    answer = _handshake(url)
    assert answer.startswith(b"HTTP/1.1 101 ")
    assert b"Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=" in answer
    forged = url.split("?")[0] + "?ticket=guessed"
    assert _handshake(forged).startswith(b"HTTP/1.1 401 ")
