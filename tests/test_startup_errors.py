"""Every way `slackbridge run` can fail to start, through the real CLI: one line, no traceback, no secret.

Each case runs the command as operators do (a subprocess) against the fake Slack and X servers over HTTP, or
with a broken setting, and checks the exit code, that stderr is exactly one line naming what to fix, and that
no secret value appears in it.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from slackbridge.db import make_engine, upgrade
from slackbridge.testing.fake_slack import FakeSlack
from slackbridge.testing.fake_x import FakeX

PY = sys.executable
CHANNEL = "C0CARE"
SIGNING_SECRET = "sign-me-please-7f3"
DB_PASSWORD = "hunter2-db-secret"


def _run(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603
        [PY, "-m", "slackbridge", *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=60
    )


class Setup:
    """A fully working configuration against the fakes; each test breaks one thing."""

    def __init__(self, slack: FakeSlack, x: FakeX, tmp_path: Path) -> None:
        self.slack, self.x, self.tmp_path = slack, x, tmp_path
        self.db_url = f"sqlite:///{tmp_path / 'store.db'}"
        upgrade(make_engine(self.db_url))
        base = {
            k: v for k, v in os.environ.items() if not k.startswith(("SLACK", "X_", "OPENAI", "DATABASE_URL"))
        }
        self.env: dict[str, str] = {
            **base,
            "SLACKBRIDGE_ENV_FILE": os.devnull,
            "SLACK_BOT_TOKEN": slack.bot_token,
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_API_URL": slack.api_url,
            "SLACKBRIDGE_CHANNEL": CHANNEL,
            "SLACKBRIDGE_APPROVERS": "UBOSS",
            "X_API_KEY": x.api_key,
            "X_API_SECRET": x.api_secret,
            "X_ACCESS_TOKEN": x.access_token,
            "X_ACCESS_TOKEN_SECRET": x.access_token_secret,
            "X_BEARER_TOKEN": x.bearer_token or "",
            "X_API_URL": x.url,
            "DATABASE_URL": self.db_url,
        }

    @property
    def secrets(self) -> list[str]:
        return [
            SIGNING_SECRET,
            DB_PASSWORD,
            self.slack.bot_token,
            self.x.api_secret,
            self.x.access_token_secret,
            self.x.bearer_token or "",
        ]

    def fails(self, *extra_args: str, **env: str) -> str:
        """Run `slackbridge run` (on a free port unless told otherwise); return its single stderr line."""
        args = ["run", "--host", "127.0.0.1", *extra_args]
        if "--port" not in extra_args:
            args += ["--port", "0"]
        result = _run(args, {**self.env, **env}, self.tmp_path)
        err = result.stderr
        assert result.returncode != 0, f"start-up should have failed; stdout:\n{result.stdout}"
        assert "Traceback" not in err, err
        assert len(err.splitlines()) == 1, f"expected exactly one line on stderr, got:\n{err}"
        for secret in self.secrets:
            assert not secret or secret not in err, "a secret value must never be echoed"
        return err


@pytest.fixture
def setup(tmp_path: Path) -> Iterator[Setup]:
    with FakeSlack() as slack, FakeX(brand_username="acme") as x:
        slack.add_channel(CHANNEL, "x-care")
        slack.add_user("UBOSS", "boss")
        yield Setup(slack, x, tmp_path)


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_malformed_database_url_names_the_setting(setup: Setup) -> None:
    line = setup.fails(DATABASE_URL=f"postgresql//admin:{DB_PASSWORD}@db.internal/care")
    assert "DATABASE_URL" in line and "postgresql://" in line


def test_unreachable_postgresql_names_host_and_port_never_the_password(setup: Setup) -> None:
    port = _closed_port()
    line = setup.fails(DATABASE_URL=f"postgresql://admin:{DB_PASSWORD}@127.0.0.1:{port}/care")
    assert f"127.0.0.1:{port}" in line and "DATABASE_URL" in line


def test_missing_schema_says_to_run_db_upgrade(setup: Setup) -> None:
    line = setup.fails(DATABASE_URL=f"sqlite:///{setup.tmp_path / 'empty.db'}")
    assert "slackbridge db upgrade" in line


def test_schema_behind_says_to_run_db_upgrade(setup: Setup) -> None:
    old = f"sqlite:///{setup.tmp_path / 'old.db'}"
    upgrade(make_engine(old), "0005")
    line = setup.fails(DATABASE_URL=old)
    assert "0005" in line and "slackbridge db upgrade" in line


def test_wrong_slack_token_names_slack_bot_token(setup: Setup) -> None:
    line = setup.fails(SLACK_BOT_TOKEN="xoxb-not-the-right-one")
    assert "SLACK_BOT_TOKEN" in line and "invalid_auth" in line
    assert "xoxb-not-the-right-one" not in line


def test_revoked_slack_token_says_to_reinstall(setup: Setup) -> None:
    setup.slack.fail_next("auth.test", error="token_revoked")
    line = setup.fails()
    assert "SLACK_BOT_TOKEN" in line and "token_revoked" in line and "reinstall" in line


def test_unreachable_slack_names_slack_api_url(setup: Setup) -> None:
    port = _closed_port()
    line = setup.fails(SLACK_API_URL=f"http://127.0.0.1:{port}/api/")
    assert "SLACK_API_URL" in line and f"127.0.0.1:{port}" in line


def test_missing_scopes_are_named_with_reinstall(setup: Setup) -> None:
    setup.slack.grant_scopes(["chat:write", "commands", "channels:history", "groups:history", "users:read"])
    line = setup.fails()
    assert "usergroups:read" in line and "files:write" in line and "reinstall the app" in line


def test_bot_not_in_the_channel_says_invite(setup: Setup) -> None:
    setup.slack.set_member(CHANNEL, False)
    line = setup.fails()
    assert "/invite @slackbridge" in line and CHANNEL in line and "SLACKBRIDGE_CHANNEL" in line


def test_wrong_x_keys_stop_start_up(setup: Setup) -> None:
    line = setup.fails(X_ACCESS_TOKEN_SECRET="not-the-secret-at-all")
    assert "X_ACCESS_TOKEN_SECRET" in line and "not-the-secret-at-all" not in line


def test_read_only_x_token_cannot_post_replies(setup: Setup) -> None:
    setup.x.access_level = "read"
    line = setup.fails()
    assert "X_ACCESS_TOKEN" in line and "Read and write" in line and "regenerate" in line


def test_wrong_bearer_token_is_named(setup: Setup) -> None:
    line = setup.fails(X_BEARER_TOKEN="bearer-that-x-never-issued")
    assert "X_BEARER_TOKEN" in line and "bearer-that-x-never-issued" not in line


def test_port_in_use(setup: Setup) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        line = setup.fails("--port", str(port))
    assert f"127.0.0.1:{port}" in line and "in use" in line and "PORT" in line


def test_env_file_that_does_not_exist(setup: Setup) -> None:
    line = setup.fails(SLACKBRIDGE_ENV_FILE=str(setup.tmp_path / "prod.env"))
    assert "SLACKBRIDGE_ENV_FILE" in line and "prod.env" in line


def test_values_copied_from_env_example_are_refused(setup: Setup) -> None:
    example = Path(__file__).resolve().parent.parent / ".env.example"
    env = {k: v for k, v in setup.env.items() if k not in ("SLACK_BOT_TOKEN", "SLACKBRIDGE_CHANNEL")}
    env["SLACKBRIDGE_ENV_FILE"] = str(example)
    result = _run(["run", "--port", "0"], env, setup.tmp_path)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "SLACK_BOT_TOKEN still holds the example value" in result.stderr
    assert "SLACKBRIDGE_CHANNEL still holds the example value" in result.stderr


def test_debug_shows_the_traceback(setup: Setup) -> None:
    result = _run(
        ["run", "--debug", "--port", "0"], {**setup.env, "SLACK_BOT_TOKEN": "xoxb-wrong"}, setup.tmp_path
    )
    assert result.returncode == 2
    assert "Traceback" in result.stderr and "SLACK_BOT_TOKEN" in result.stderr.splitlines()[-1]


def test_no_poller_with_poller_only_is_refused(setup: Setup) -> None:
    line = setup.fails("--no-poller", "--poller-only")
    assert "--no-poller" in line and "--poller-only" in line


def test_version(setup: Setup) -> None:
    result = _run(["--version"], setup.env, setup.tmp_path)
    assert result.returncode == 0 and result.stdout.startswith("slackbridge ")


def test_db_upgrade_on_a_new_database_says_what_it_created(setup: Setup) -> None:
    fresh = setup.tmp_path / "fresh.db"
    result = _run(["db", "upgrade"], {**setup.env, "DATABASE_URL": f"sqlite:///{fresh}"}, setup.tmp_path)
    assert result.returncode == 0, result.stderr
    assert f"created the slackbridge schema in SQLite file {fresh}" in result.stdout
    assert "tweet" in result.stdout and "up to date" in result.stdout
