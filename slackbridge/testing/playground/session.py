"""The fakes the playground runs, the settings it writes for `slackbridge run`, and picking up old data."""

from __future__ import annotations

import socket
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Self

from sqlalchemy import create_engine, text
from sqlalchemy.exc import SQLAlchemyError

from slackbridge.testing.fake_openai import FakeOpenAI
from slackbridge.testing.fake_slack import FakeSlack
from slackbridge.testing.fake_x import FakeX

CHANNEL = "C0XCARE"
AGENT, MANAGER = "UAGENT", "UMANAGER"
SIGNING_SECRET = "playground-signing-secret"
DEFAULT_PORT = 3000
STAFF = {AGENT: ("alex", "Alex Agent"), MANAGER: ("maria", "Maria Manager")}


def choose_port(requested: int | None) -> int:
    """The asked-for port, else 3000 when it is free, else any free port on this machine."""
    if requested:
        return requested
    for candidate in (DEFAULT_PORT, 0):
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", candidate))
            except OSError:
                continue
            return int(probe.getsockname()[1])
    raise OSError("no free port on 127.0.0.1")


@dataclass(frozen=True)
class Stored:
    """What the database already holds from earlier runs: the fake X must not hand those ids out again."""

    posts: int = 0
    newest_id: int = 0
    customers: list[tuple[str, str, str, int, bool]] = field(default_factory=list)


def read_stored(database_url: str) -> Stored:
    """Highest post id and the customers in the service's database; nothing when it has no schema yet."""
    try:
        engine = create_engine(database_url)
        try:
            with engine.connect() as conn:
                posts = [int(r[0]) for r in conn.execute(text("SELECT id FROM tweet")) if str(r[0]).isdigit()]
                ids = list(posts)
                ids += [
                    int(r[0]) for r in conn.execute(text('SELECT value FROM "cursor"')) if str(r[0]).isdigit()
                ]
                ids += [
                    int(r[0])
                    for r in conn.execute(text("SELECT sent_tweet_id FROM draft"))
                    if str(r[0]).isdigit()
                ]
                rows = conn.execute(
                    text("SELECT id, username, name, followers_count, verified FROM customer")
                )
                customers = [(str(r[0]), str(r[1]), str(r[2]), int(r[3] or 0), bool(r[4])) for r in rows]
        finally:
            engine.dispose()
    except SQLAlchemyError:
        return Stored()
    return Stored(posts=len(posts), newest_id=max(ids, default=0), customers=customers)


class Session:
    """Fake Slack, X and OpenAI with a care channel and two staff, and the env file pointing at them."""

    def __init__(
        self, state_dir: Path, env_file: Path, *, port: int | None = None, socket_mode: bool = False
    ) -> None:
        self.state_dir = state_dir
        self.env_file = env_file
        self.port = choose_port(port)
        self.socket_mode = socket_mode
        self.database_url = f"sqlite:///{(state_dir / 'slackbridge.db').resolve()}"
        self.slack = FakeSlack()
        self.x = FakeX(brand_username="acme")
        self.ai = FakeOpenAI()
        self.stored = Stored()

    def start(self) -> Self:
        self.state_dir.mkdir(parents=True, exist_ok=True)
        self.slack.start()
        self.x.start()
        self.ai.start()
        self.slack.add_channel(CHANNEL, "x-care")
        for user_id, (name, real_name) in STAFF.items():
            self.slack.add_user(user_id, name, real_name=real_name)
        self.stored = read_stored(self.database_url)
        for user_id, username, name, followers, verified in self.stored.customers:
            if self.x.user(username) is None and user_id != self.x.brand_id:
                self.x.add_user(username, name or None, followers, verified=verified, user_id=user_id)
        self.x.continue_ids(self.stored.newest_id)
        self.write_env()
        return self

    def busy(self) -> bool:
        """slackbridge still has a stored Slack request to handle or a channel message to bring up to date."""
        try:
            engine = create_engine(self.database_url)
            try:
                with engine.connect() as conn:
                    pending = conn.execute(text("SELECT count(*) FROM slackinbox WHERE status = 'pending'"))
                    stale = conn.execute(
                        text("SELECT count(*) FROM slacksurface WHERE channel = :c AND rendered < version"),
                        {"c": CHANNEL},
                    )
                    return bool(pending.scalar_one() or stale.scalar_one())
            finally:
                engine.dispose()
        except SQLAlchemyError:
            return False

    def stop(self) -> None:
        self.ai.stop()
        self.x.stop()
        self.slack.stop()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    @property
    def app_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def settings(self) -> dict[str, str]:
        env = {
            "SLACK_BOT_TOKEN": self.slack.bot_token,
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_API_URL": self.slack.api_url,
            "SLACKBRIDGE_CHANNEL": CHANNEL,
            "SLACKBRIDGE_APPROVERS": MANAGER,
            "X_API_KEY": self.x.api_key,
            "X_API_SECRET": self.x.api_secret,
            "X_ACCESS_TOKEN": self.x.access_token,
            "X_ACCESS_TOKEN_SECRET": self.x.access_token_secret,
            "X_BEARER_TOKEN": self.x.bearer_token or "",
            "X_API_URL": self.x.url,
            "OPENAI_API_KEY": self.ai.api_key,
            "OPENAI_BASE_URL": self.ai.base_url,
            "OPENAI_MODEL": self.ai.model,
            "SLACKBRIDGE_POLL_SECONDS": "3",
            "DATABASE_URL": self.database_url,
            "PORT": str(self.port),
        }
        if self.socket_mode:
            env["SLACK_APP_TOKEN"] = self.slack.app_token
        return env

    def write_env(self) -> None:
        self.env_file.write_text("".join(f"{k}={v}\n" for k, v in self.settings().items()))
