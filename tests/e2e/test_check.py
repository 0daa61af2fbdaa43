"""`slackbridge check` against the fakes: all ✓ and exit 0 when the install is right; each broken thing gives
its own ✗ line with the fix, and exit 1."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from slackbridge.cli import main
from slackbridge.testing.fake_openai import FakeOpenAI
from slackbridge.testing.fake_slack import FakeSlack
from slackbridge.testing.fake_x import FakeX
from tests.e2e.conftest import CHANNEL, SIGNING_SECRET, Bridge, bridge_env


@pytest.fixture
def model() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as fake:
        yield fake


@pytest.fixture
def check_env(
    monkeypatch: pytest.MonkeyPatch, fakes: tuple[FakeSlack, FakeX], db_url: str, model: FakeOpenAI
) -> Callable[..., None]:
    """Points the process's settings at the fakes, as an operator's .env would; extra values override."""
    slack, x = fakes
    for name in list(os.environ):
        if name.startswith(("SLACK", "X_", "OPENAI", "DATABASE_URL")):
            monkeypatch.delenv(name)

    def apply(**extra: str) -> None:
        env = bridge_env(
            slack,
            x,
            db_url,
            SLACKBRIDGE_ENV_FILE=os.devnull,
            OPENAI_API_KEY=model.api_key,
            OPENAI_BASE_URL=model.base_url,
            OPENAI_MODEL=model.model,
        )
        for name, value in {**env, **extra}.items():
            monkeypatch.setenv(name, value)

    apply()
    return apply


def _check(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, list[str]]:
    code = main(["check", *args])
    out = capsys.readouterr()
    assert "Traceback" not in out.err
    return code, out.out.splitlines()


def _failures(lines: list[str]) -> list[str]:
    return [line for line in lines if line.startswith("✗")]


def test_everything_right_passes_with_exit_0(
    check_env: Callable[..., None], bridge: Bridge, capsys: pytest.CaptureFixture[str]
) -> None:
    code, lines = _check(capsys, "--url", bridge.url)
    assert code == 0, "\n".join(lines)
    assert not _failures(lines)
    checks = lines[:-1]
    assert all(line.startswith("✓") for line in checks)
    labels = " | ".join(checks)
    for expected in [
        "Database:",
        "Database schema",
        "Slack bot token: workspace Fake Team as @slackbridge",
        "Slack app scopes",
        f"Channel {CHANNEL}",
        "Approver UMANAGER",
        "User group S0LEADS",
        "X keys: brand account @acme",
        "Reply permission: access token is read-write",
        "X bearer token",
        "AI model fake-model",
        "Public URL",
    ]:
        assert expected in labels
    assert lines[-1].startswith(f"All {len(checks)} checks passed")


Breaker = Callable[[FakeSlack, FakeX, FakeOpenAI, Callable[..., None], Path], None]


def _schema_missing(slack: FakeSlack, x: FakeX, m: FakeOpenAI, env: Callable[..., None], tmp: Path) -> None:
    env(DATABASE_URL=f"sqlite:///{tmp / 'new.db'}")


def _scopes(slack: FakeSlack, x: FakeX, m: FakeOpenAI, env: Callable[..., None], tmp: Path) -> None:
    slack.grant_scopes(["chat:write", "commands", "channels:history", "groups:history", "users:read"])


def _not_invited(slack: FakeSlack, x: FakeX, m: FakeOpenAI, env: Callable[..., None], tmp: Path) -> None:
    slack.set_member(CHANNEL, False)


def _private(slack: FakeSlack, x: FakeX, m: FakeOpenAI, env: Callable[..., None], tmp: Path) -> None:
    slack.add_channel("G0SECRET", "vip-care", private=True, member=False)
    env(SLACKBRIDGE_CATEGORY_CHANNELS="complaint=G0SECRET")


def _approver(slack: FakeSlack, x: FakeX, m: FakeOpenAI, env: Callable[..., None], tmp: Path) -> None:
    env(SLACKBRIDGE_APPROVERS="UMANAGER,UGONE,S0NOPE")


def _x_keys(slack: FakeSlack, x: FakeX, m: FakeOpenAI, env: Callable[..., None], tmp: Path) -> None:
    env(X_ACCESS_TOKEN_SECRET="wrong-secret")


def _read_only(slack: FakeSlack, x: FakeX, m: FakeOpenAI, env: Callable[..., None], tmp: Path) -> None:
    x.access_level = "read"


def _bearer(slack: FakeSlack, x: FakeX, m: FakeOpenAI, env: Callable[..., None], tmp: Path) -> None:
    env(X_BEARER_TOKEN="wrong-bearer")


def _model_key(slack: FakeSlack, x: FakeX, m: FakeOpenAI, env: Callable[..., None], tmp: Path) -> None:
    env(OPENAI_API_KEY="sk-wrong-key-123456")


def _model_name(slack: FakeSlack, x: FakeX, m: FakeOpenAI, env: Callable[..., None], tmp: Path) -> None:
    m.fail_next(404)


def _slack_token(slack: FakeSlack, x: FakeX, m: FakeOpenAI, env: Callable[..., None], tmp: Path) -> None:
    slack.fail_next("auth.test", error="token_revoked")


def _app_token(slack: FakeSlack, x: FakeX, m: FakeOpenAI, env: Callable[..., None], tmp: Path) -> None:
    env(SLACK_APP_TOKEN="xapp-revoked-token")


@pytest.mark.parametrize(
    ("breaker", "expected"),
    [
        (_schema_missing, ["✗ Database schema:", "slackbridge db upgrade"]),
        (_slack_token, ["✗ Slack bot token:", "SLACK_BOT_TOKEN (token_revoked)", "reinstall"]),
        (_app_token, ["✗ Slack app-level token:", "SLACK_APP_TOKEN (invalid_auth)", "connections:write"]),
        (_scopes, ["✗ Slack app scopes:", "usergroups:read, files:write", "reinstall the app"]),
        (_not_invited, [f"✗ Channel {CHANNEL}:", "/invite @slackbridge", "SLACKBRIDGE_CHANNEL"]),
        (_private, ["✗ Channel G0SECRET:", "private", "SLACKBRIDGE_CATEGORY_CHANNELS (complaint)"]),
        (_approver, ["✗ Approver UGONE:", "no such user", "✗ User group S0NOPE:", "no such user group"]),
        (_x_keys, ["✗ X keys:", "X_ACCESS_TOKEN_SECRET", "X developer portal"]),
        (_read_only, ["✗ Reply permission:", "read-only", "'Read and write'", "regenerate"]),
        (_bearer, ["✗ X bearer token:", "X_BEARER_TOKEN"]),
        (_model_key, ["✗ AI model fake-model:", "OPENAI_API_KEY"]),
        (_model_name, ["✗ AI model fake-model:", "does not know the model", "OPENAI_MODEL"]),
    ],
    ids=lambda v: getattr(v, "__name__", "")[1:] if callable(v) else "",
)
def test_each_broken_thing_gets_its_line_and_fix(
    breaker: Breaker,
    expected: list[str],
    check_env: Callable[..., None],
    fakes: tuple[FakeSlack, FakeX],
    model: FakeOpenAI,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    slack, x = fakes
    breaker(slack, x, model, check_env, tmp_path)
    code, lines = _check(capsys)
    assert code == 1
    failures = "\n".join(_failures(lines))
    for fragment in expected:
        assert fragment in failures, f"{fragment!r} not in:\n" + "\n".join(lines)
    assert lines[-1].endswith("fix the lines marked ✗ and check again.")
    for secret in (
        "wrong-secret",
        "wrong-bearer",
        "sk-wrong-key-123456",
        SIGNING_SECRET,
        x.access_token_secret,
    ):
        assert secret not in "\n".join(lines)


def test_public_url_with_another_signing_secret_or_nothing_listening(
    check_env: Callable[..., None], bridge: Bridge, capsys: pytest.CaptureFixture[str]
) -> None:
    check_env(SLACK_SIGNING_SECRET="not-what-the-service-uses")
    code, lines = _check(capsys, "--url", bridge.url)
    assert code == 1
    assert any("✗ Public URL:" in line and "SLACK_SIGNING_SECRET" in line for line in lines), lines

    check_env()
    code, lines = _check(capsys, "--url", "http://127.0.0.1:9/slack/events")
    assert code == 1
    assert any("✗ Public URL: cannot reach http://127.0.0.1:9/slack/events" in line for line in lines), lines


def test_json_for_scripts(
    check_env: Callable[..., None], fakes: tuple[FakeSlack, FakeX], capsys: pytest.CaptureFixture[str]
) -> None:
    fakes[1].access_level = "read"
    code = main(["check", "--json"])
    report = json.loads(capsys.readouterr().out)
    assert code == 1 and report["ok"] is False
    by_key = {c["key"]: c for c in report["checks"]}
    assert by_key["slack.token"]["ok"] and by_key["slack.token"]["fix"] is None
    assert not by_key["x.write"]["ok"] and "Read and write" in by_key["x.write"]["fix"]


def test_the_packaged_manifest_is_the_one_people_install() -> None:
    """check compares scopes against the copy inside the package (pip installs have no repo checkout)."""
    root = Path(__file__).resolve().parents[2]
    assert (root / "slackbridge" / "defaults" / "manifest.yml").read_text() == (
        root / "manifest.yml"
    ).read_text()


def test_postgresql_is_checked_by_host_and_schema(
    check_env: Callable[..., None], postgres_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    from slackbridge.db import make_engine, upgrade

    name = postgres_url.rsplit("/", 1)[1]
    check_env(DATABASE_URL=postgres_url)
    code, lines = _check(capsys)
    assert code == 1
    assert f"✓ Database: PostgreSQL at 127.0.0.1:5432/{name}" in lines
    assert any(line.startswith("✗ Database schema:") and "slackbridge db upgrade" in line for line in lines)

    upgrade(make_engine(postgres_url))
    code, lines = _check(capsys)
    assert code == 0, "\n".join(lines)


def test_socket_mode_app_token_is_checked(
    check_env: Callable[..., None], fakes: tuple[FakeSlack, FakeX], capsys: pytest.CaptureFixture[str]
) -> None:
    check_env(SLACK_APP_TOKEN=fakes[0].app_token)
    code, lines = _check(capsys)
    assert code == 0, "\n".join(lines)
    assert "✓ Slack app-level token: Socket Mode connections open" in lines


def test_the_dm_channel_must_be_private_and_the_token_allowed_to_use_dms(
    check_env: Callable[..., None], fakes: tuple[FakeSlack, FakeX], capsys: pytest.CaptureFixture[str]
) -> None:
    slack, x = fakes
    slack.add_channel("C0PUBLICDM", "dm-care-public")
    slack.set_channel_members("C0PUBLICDM", ["UAGENT"])
    check_env(SLACKBRIDGE_DM_CHANNEL="C0PUBLICDM")
    code, lines = _check(capsys)
    assert code == 1
    failures = " | ".join(_failures(lines))
    assert "SLACKBRIDGE_DM_CHANNEL C0PUBLICDM is a public channel" in failures
    assert "X_ACCESS_TOKEN is read-write, so direct messages cannot be read or sent" in failures
    assert "'Read, write and Direct Messages'" in failures

    slack.add_channel("G0DMCARE", "dm-care", private=True)
    x.access_level = "read-write-directmessages"
    check_env(SLACKBRIDGE_DM_CHANNEL="G0DMCARE")
    code, lines = _check(capsys)
    assert code == 0, "\n".join(lines)
    assert any(line.startswith("✓ Direct message permission") for line in lines), lines
