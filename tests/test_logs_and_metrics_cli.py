"""`slackbridge run` as operators start it: JSON logs that stay quiet, and /metrics summed across workers."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from slackbridge.db import make_engine, upgrade
from slackbridge.testing.env import fake_service_env
from slackbridge.testing.fake_slack import FakeSlack
from slackbridge.testing.fake_x import FakeX
from tests.test_cli import PY, _clean_env, _Output

CHANNEL = "C0CARE"
SIGNING_SECRET = "sign-me-please-5e1"


@pytest.fixture
def fakes() -> Iterator[tuple[FakeSlack, FakeX]]:
    with FakeSlack() as slack, FakeX(brand_username="acme") as x:
        slack.add_channel(CHANNEL, "care")
        slack.add_user("UBOSS", "boss")
        yield slack, x


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_json_logs_are_one_object_per_line_quiet_and_metrics_add_up_across_workers(
    fakes: tuple[FakeSlack, FakeX], tmp_path: Path
) -> None:
    slack, x = fakes
    db_url = f"sqlite:///{tmp_path / 'store.db'}"
    upgrade(make_engine(db_url))
    x.mention("jane", "@acme my parcel is late")
    shared = tmp_path / "metrics"
    shared.mkdir()
    env = _clean_env(
        tmp_path,
        **fake_service_env(
            slack, x, db_url, signing_secret=SIGNING_SECRET, channel=CHANNEL, approvers="UBOSS"
        ),
        SLACKBRIDGE_LOG_FORMAT="json",
        SLACKBRIDGE_POLL_SECONDS="1",
        PROMETHEUS_MULTIPROC_DIR=str(shared),
    )
    port = free_port()
    proc = subprocess.Popen(  # noqa: S603
        [PY, "-m", "slackbridge", "run", "--host", "127.0.0.1", "--port", str(port), "--workers", "2"],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    output = _Output(proc)
    try:
        output.wait_for(r'"event": "ingest\.stored"', timeout=60)
        scraped = ""
        for _ in range(4):  # two workers answer in turn: every answer holds both workers' figures
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as answer:
                scraped = answer.read().decode()
            assert "slackbridge_mentions_ingested_total 1.0" in scraped
            assert 'slackbridge_x_requests_total{endpoint="/2/users/:id/mentions",method="GET"}' in scraped
        me = [
            line
            for line in scraped.splitlines()
            if line.startswith('slackbridge_x_requests_total{endpoint="/2/users/me"')
        ]
        assert me and float(me[0].split()[-1]) >= 2  # each worker looked the brand up once
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=60)

    lines = [line for line in output.lines if line.strip()]
    assert lines
    for line in lines:
        entry = json.loads(line)  # every line is one JSON object
        assert {"time", "level", "logger", "event", "fields"} <= entry.keys()
    events = [json.loads(line)["event"] for line in lines]
    assert "server.listening" in events and "server.stopped" in events
    text = "\n".join(lines)
    # Quiet: no per-request lines from HTTP clients, no gunicorn chatter, no Bolt warning on start.
    loggers = {json.loads(line)["logger"] for line in lines}
    assert not loggers & {
        "urllib3.connectionpool",
        "httpx",
        "openai",
        "slack_sdk.web.base_client",
    }
    assert "token` will be unused" not in text
    assert sum(json.loads(line)["logger"] == "gunicorn.error" for line in lines) >= 2  # its lines, as JSON
    for secret in (SIGNING_SECRET, slack.bot_token, x.api_secret, x.access_token_secret):
        assert secret not in text
