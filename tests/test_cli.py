"""The `slackbridge` command as operators use it: real processes, real signals, the fakes over HTTP."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import IO

import requests

from slackbridge.testing.fake_slack import FakeSlack, message_text
from slackbridge.testing.fake_x import FakeX

PY = sys.executable


def _run(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603
        [PY, "-m", "slackbridge", *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=60
    )


def _clean_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK", "X_", "OPENAI", "DATABASE_URL"))}
    env["SLACKBRIDGE_ENV_FILE"] = os.devnull
    env.update(extra)
    return env


def test_missing_configuration_names_every_problem_and_where_to_get_it(tmp_path: Path) -> None:
    result = _run(
        ["run"],
        _clean_env(tmp_path, SLACK_BOT_TOKEN="xoxp-wrong-kind", SLACKBRIDGE_POLL_SECONDS="soon"),
        tmp_path,
    )
    assert result.returncode == 2
    err = result.stderr
    for name in [
        "SLACK_SIGNING_SECRET",
        "SLACKBRIDGE_CHANNEL",
        "SLACKBRIDGE_APPROVERS",
        "X_API_KEY",
        "X_ACCESS_TOKEN_SECRET",
        "SLACKBRIDGE_POLL_SECONDS",
    ]:
        assert name in err
    assert "should start with 'xoxb-'" in err
    assert "xoxp-wrong-kind" not in err, "a secret value must never be echoed"
    assert "Traceback" not in err


def test_env_file_is_read_and_schema_must_be_created_first(tmp_path: Path) -> None:
    env_file = tmp_path / "service.env"
    db = tmp_path / "store.db"
    env_file.write_text(
        "SLACK_BOT_TOKEN=xoxb-1\nSLACK_SIGNING_SECRET=s3cret-value\nSLACKBRIDGE_CHANNEL=C0CARE\n"
        "SLACKBRIDGE_APPROVERS=UBOSS\nX_API_KEY=k\nX_API_SECRET=s\nX_ACCESS_TOKEN=t\nX_ACCESS_TOKEN_SECRET=ts\n"
        f"DATABASE_URL=sqlite:///{db}\n"
    )
    env = _clean_env(tmp_path, SLACKBRIDGE_ENV_FILE=str(env_file))
    before = _run(["run"], env, tmp_path)
    assert before.returncode == 2 and "slackbridge db upgrade" in before.stderr

    assert _run(["db", "check"], env, tmp_path).returncode == 1
    upgraded = _run(["db", "upgrade"], env, tmp_path)
    assert upgraded.returncode == 0, upgraded.stderr
    assert "up to date" in upgraded.stdout
    assert _run(["db", "check"], env, tmp_path).returncode == 0


class _Output:
    """Collects a child process's output lines as they come, so the test can wait for one."""

    def __init__(self, proc: subprocess.Popen[str]) -> None:
        self.lines: list[str] = []
        assert proc.stdout is not None
        self._thread = threading.Thread(target=self._read, args=(proc.stdout,), daemon=True)
        self._thread.start()

    def _read(self, stream: IO[str]) -> None:
        for line in stream:
            self.lines.append(line)

    def wait_for(self, pattern: str, timeout: float = 30) -> re.Match[str]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for line in list(self.lines):
                if found := re.search(pattern, line):
                    return found
            time.sleep(0.05)
        raise AssertionError(f"no line matching {pattern!r} in:\n{self.text()}")

    def text(self) -> str:
        self._thread.join(timeout=1)
        return "".join(self.lines)


def test_run_serves_slack_polls_x_and_stops_cleanly_on_sigterm(tmp_path: Path) -> None:
    with FakeSlack() as slack, FakeX() as x:
        env = _clean_env(
            tmp_path,
            SLACK_BOT_TOKEN=slack.bot_token,
            SLACK_SIGNING_SECRET="sign-me-please",
            SLACK_API_URL=slack.api_url,
            SLACKBRIDGE_CHANNEL="C0CARE",
            SLACKBRIDGE_APPROVERS="UBOSS",
            X_API_KEY=x.api_key,
            X_API_SECRET=x.api_secret,
            X_ACCESS_TOKEN=x.access_token,
            X_ACCESS_TOKEN_SECRET=x.access_token_secret,
            X_BEARER_TOKEN=x.bearer_token or "",
            X_API_URL=x.url,
            SLACKBRIDGE_POLL_SECONDS="1",
            DATABASE_URL=f"sqlite:///{tmp_path / 'run.db'}",
            SLACKBRIDGE_POST_INTERVAL="0",
        )
        assert _run(["db", "upgrade"], env, tmp_path).returncode == 0
        x.mention("jane", "@acme hello from the real process")
        proc = subprocess.Popen(  # noqa: S603
            [PY, "-m", "slackbridge", "run", "--host", "127.0.0.1", "--port", "0"],
            env=env,
            cwd=tmp_path,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        output = _Output(proc)
        try:
            port = int(output.wait_for(r"server\.listening host=\S+ port=(\d+)").group(1))
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline and not slack.messages("C0CARE"):
                time.sleep(0.2)
            assert slack.messages("C0CARE"), "the poller should have carded the mention"
            assert "hello from the real process" in message_text(slack.messages("C0CARE")[0])
            # The card shows before the round ends; health reports the round once it has.
            health = requests.get(f"http://127.0.0.1:{port}/healthz", timeout=5).json()
            while time.monotonic() < deadline and not health["pollers"]["mentions"]["last_success"]:
                time.sleep(0.2)
                health = requests.get(f"http://127.0.0.1:{port}/healthz", timeout=5).json()
            assert health["ok"] and health["pollers"]["mentions"]["last_success"]
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=30)
        logs = output.text()
        assert proc.returncode == 0, logs
        assert "server.stopped" in logs
        for secret in ("sign-me-please", x.api_secret, x.access_token_secret):
            assert secret not in logs
