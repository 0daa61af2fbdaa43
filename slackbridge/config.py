"""Typed settings, validated once at start-up; the only module that reads the environment."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TypeVar

from slackbridge.services.sla import (
    BusinessHours,
    SlaConfigError,
    SlaPolicy,
    Targets,
    parse_business_hours,
    parse_holidays,
    parse_targets,
)
from slackbridge.x.prices import PriceTable, parse_prices


class ConfigError(Exception):
    """Start-up cannot continue: every problem found, each with where to get the value."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        if len(problems) == 1:
            super().__init__(f"slackbridge cannot start: {problems[0]}")
            return
        lines = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"slackbridge cannot start: {len(problems)} setting(s) need attention:\n{lines}")


_SLACK_APP = "your Slack app's settings page (api.slack.com/apps)"
_X_KEYS = "the X developer portal, your app's 'Keys and tokens' page"

DEFAULT_DATABASE_URL = "sqlite:///slackbridge.db"

# Values in .env.example that look valid but point nowhere: copied as they are, they must stop start-up.
_EXAMPLE_IDS = frozenset({"C0123ABCD", "C0456EFGH", "C0789IJKL", "U0123ABCD", "S0123ABCD", "G0123DMCARE"})
_EXAMPLE_DATABASE_URL = "postgresql://user:password@host:5432/slackbridge"
_DRIVERS = frozenset({"sqlite", "sqlite+pysqlite", "postgresql", "postgresql+psycopg"})
_DATABASE_FORMS = "sqlite:///path/to/slackbridge.db or postgresql://user:password@host:5432/dbname"

T = TypeVar("T")

_USER_OR_GROUP = re.compile(r"^[UWS][A-Z0-9]{2,}$")
_CHANNEL = re.compile(r"^[CGD][A-Z0-9]{2,}$")


@dataclass(frozen=True)
class Settings:
    slack_bot_token: str = field(repr=False)
    slack_signing_secret: str = field(repr=False)
    slack_channel: str
    x_api_key: str = field(repr=False)
    x_api_secret: str = field(repr=False)
    x_access_token: str = field(repr=False)
    x_access_token_secret: str = field(repr=False)
    approvers: tuple[str, ...] = ()
    slack_app_token: str | None = field(default=None, repr=False)
    slack_api_url: str = "https://slack.com/api/"
    x_bearer_token: str | None = field(default=None, repr=False)
    x_api_url: str = "https://api.x.com"
    x_timeout: float = 20.0
    poll_seconds: float = 60.0
    database_url: str = DEFAULT_DATABASE_URL
    port: int = 3000
    # AI suggestions and triage (all optional)
    openai_api_key: str | None = field(default=None, repr=False)
    openai_base_url: str | None = None
    openai_model: str = "gpt-4o-mini"
    openai_timeout: float = 20.0
    guidelines_path: Path | None = None
    knowledge_dir: Path | None = None
    canned_replies_path: Path | None = None
    triage_rules_path: Path | None = None
    allowed_link_domains: tuple[str, ...] = ()
    category_channels: Mapping[str, str] = field(default_factory=dict)
    auto_resolve_spam: bool = False
    urgent_notify_group: str | None = None
    # Listening and budgets
    listen_channel: str | None = None
    listen_seconds: float = 300.0
    daily_read_budget: int = 500
    listener_threads: int = 16
    post_interval: float = 1.0  # seconds between messages to one channel (Slack allows ~1/s)
    unhealthy_after: float = 1800.0  # a poller this process leads failing longer makes /healthz 503
    inbox_claim_seconds: float = 10.0  # a stored Slack request held by a process that died is retried after
    # Service levels
    sla: SlaPolicy | None = None  # None: no targets, no reminders
    escalate_to: str | None = None  # user (U…) or group (S…) told in the thread when a case breaches
    # approval turns
    four_eyes: bool = False  # an approver may not approve a draft they wrote or last edited
    approval_reminder: float = 600.0  # seconds a draft waits before approvers are reminded; 0 = never
    # team: how long a card shows "… is writing" after someone opened the reply window; 0 = never
    writing_minutes: float = 5.0
    # retention: post and draft text older than this many days is wiped (None keeps it)
    retention_days: int | None = None
    # Direct messages as cases, and CSAT (issue 8)
    dm_channel: str | None = None  # private channel for DM cases; DMs are off when unset
    dm_poll_seconds: float = 60.0
    csat: bool = False
    # Operations: metrics, logs, X spend and its budget
    prices: PriceTable = field(default_factory=PriceTable)
    monthly_budget: Decimal | None = None  # dollars of estimated X spend per calendar month (UTC)
    over_budget_poll_seconds: float = 900.0  # mention polling pace once the budget is spent
    log_format: str = "text"  # text or json
    metrics_dir: Path | None = None  # PROMETHEUS_MULTIPROC_DIR: per-process metrics shared by workers

    @property
    def socket_mode(self) -> bool:
        return bool(self.slack_app_token)

    @property
    def ai_enabled(self) -> bool:
        return bool(self.openai_api_key)


class _Reader:
    """Collects every problem instead of stopping at the first."""

    def __init__(self, env: Mapping[str, str]) -> None:
        self.env = env
        self.problems: list[str] = []

    def get(self, name: str) -> str | None:
        value = self.env.get(name, "").strip()
        return value or None

    def required(self, name: str, where: str, *, prefix: str | None = None) -> str:
        value = self.get(name)
        if value is None:
            self.problems.append(f"{name} is missing: get it from {where}.")
            return ""
        if _placeholder(value):
            self.problems.append(
                f"{name} still holds the example value from .env.example: get it from {where}."
            )
            return value
        if prefix and not value.startswith(prefix):
            self.problems.append(f"{name} does not look right: it should start with '{prefix}' ({where}).")
        return value

    def number(self, name: str, default: float, *, minimum: float, maximum: float) -> float:
        raw = self.get(name)
        if raw is None:
            return default
        try:
            value = float(raw)
        except ValueError:
            self.problems.append(f"{name} must be a number, got {raw!r}.")
            return default
        if not minimum <= value <= maximum:
            self.problems.append(f"{name} must be between {minimum:g} and {maximum:g}, got {raw}.")
            return default
        return value

    def whole(self, name: str, *, minimum: int, maximum: int) -> int | None:
        """An optional whole number (a count of days); None when unset."""
        raw = self.get(name)
        if raw is None:
            return None
        if not raw.isdigit() or not minimum <= int(raw) <= maximum:
            self.problems.append(f"{name} must be a whole number from {minimum} to {maximum}, got {raw!r}.")
            return None
        return int(raw)

    def path(self, name: str, *, directory: bool = False) -> Path | None:
        raw = self.get(name)
        if raw is None:
            return None
        path = Path(raw).expanduser()
        if directory and not path.is_dir():
            self.problems.append(f"{name} points to {raw}, which is not a folder.")
        elif not directory and not path.is_file():
            self.problems.append(f"{name} points to {raw}, which is not a readable file.")
        return path

    def url(self, name: str, default: str) -> str:
        value = self.get(name) or default
        if not re.match(r"^https?://[^\s/]+", value):
            self.problems.append(f"{name} must be an http(s) URL, got {value!r}.")
        return value

    def csv(self, name: str) -> tuple[str, ...]:
        raw = self.get(name) or ""
        items = tuple(item.strip() for item in raw.split(",") if item.strip())
        examples = [
            item.partition("=")[2] or item for item in items if _placeholder(item.partition("=")[2] or item)
        ]
        if examples:
            self.problems.append(
                f"{name} still holds the example value(s) {', '.join(examples)} from .env.example: "
                "put your workspace's own IDs there."
            )
        return items

    def example_id(self, name: str, value: str | None) -> None:
        if value and _placeholder(value):
            self.problems.append(
                f"{name} still holds the example value {value} from .env.example: "
                "put your workspace's own ID there."
            )

    def database_url(self, value: str | None) -> str:
        url = value or DEFAULT_DATABASE_URL
        problem = database_url_problem(url)
        if problem:
            self.problems.append(problem)
        return url

    def duration(self, name: str, default: float, *, maximum: float) -> float:
        """Seconds from `90`, `90s`, `10m` or `2h`; `0` turns the feature off."""
        raw = self.get(name)
        if raw is None:
            return default
        match = re.fullmatch(r"(\d+(?:\.\d+)?)\s*([smh]?)", raw.lower())
        if match is None:
            self.problems.append(f"{name} must be a duration like 90s, 10m or 2h (0 = off), got {raw!r}.")
            return default
        seconds = float(match.group(1)) * {"": 1, "s": 1, "m": 60, "h": 3600}[match.group(2)]
        if seconds > maximum:
            self.problems.append(f"{name} must be at most {maximum / 3600:g}h, got {raw}.")
            return default
        return seconds

    def prices(self, name: str) -> PriceTable:
        overrides, problems = parse_prices(self.get(name) or "")
        self.problems.extend(f"{name} {problem}." for problem in problems)
        return PriceTable(overrides)

    def dollars(self, name: str) -> Decimal | None:
        raw = self.get(name)
        if raw is None:
            return None
        try:
            value = Decimal(raw.lstrip("$").replace(",", ""))
        except InvalidOperation:
            value = Decimal(-1)
        if not value.is_finite() or value <= 0:
            self.problems.append(f"{name} must be an amount of dollars above 0, like 50, got {raw!r}.")
            return None
        return value

    def flag(self, name: str) -> bool:
        raw = (self.get(name) or "false").lower()
        if raw not in {"1", "true", "yes", "on", "0", "false", "no", "off"}:
            self.problems.append(f"{name} must be true or false, got {raw!r}.")
        return raw in {"1", "true", "yes", "on"}


def _sla(r: _Reader) -> SlaPolicy | None:
    """The service-level settings as one policy; each malformed one adds a problem naming it."""

    def parsed(name: str, parse: Callable[[str], T], default: T) -> T:
        raw = r.get(name)
        if raw is None:
            return default
        try:
            return parse(raw)
        except SlaConfigError as exc:
            r.problems.append(f"{name} is malformed: {exc}.")
            return default

    first = parsed("SLACKBRIDGE_SLA", parse_targets, Targets())
    following = parsed("SLACKBRIDGE_SLA_NEXT_RESPONSE", parse_targets, Targets())
    hours = parsed("SLACKBRIDGE_BUSINESS_HOURS", parse_business_hours, BusinessHours())
    holidays: frozenset[date] = parsed("SLACKBRIDGE_HOLIDAYS", parse_holidays, frozenset[date]())
    if not first and not following:
        return None
    return SlaPolicy(first=first, next=following, hours=hours.with_holidays(holidays))


def _placeholder(value: str) -> bool:
    """A value copied unchanged from .env.example (`xoxb-...`, `C0123ABCD`, the sample database URL)."""
    return value.endswith("...") or value in _EXAMPLE_IDS or value == _EXAMPLE_DATABASE_URL


def database_url_problem(url: str) -> str | None:
    """Why DATABASE_URL cannot work, in one line that never repeats the URL (it may hold a password)."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    if _placeholder(url):
        return f"DATABASE_URL still holds the example value from .env.example: use {_DATABASE_FORMS}."
    if url.startswith("postgres://"):  # Heroku-style, accepted by make_engine
        url = "postgresql://" + url[len("postgres://") :]
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError):
        return f"DATABASE_URL is not a database URL: use {_DATABASE_FORMS}."
    if parsed.drivername not in _DRIVERS:
        return (
            f"DATABASE_URL uses {parsed.drivername!r}, which slackbridge cannot use: use {_DATABASE_FORMS}."
        )
    if parsed.get_backend_name() == "postgresql" and not parsed.host:
        return f"DATABASE_URL names no PostgreSQL host: use {_DATABASE_FORMS}."
    return None


def load_settings(env: Mapping[str, str]) -> Settings:
    """Build Settings from environment-like data, raising ConfigError that names every problem."""
    r = _Reader(env)
    bot_token = r.required("SLACK_BOT_TOKEN", f"{_SLACK_APP} > OAuth & Permissions", prefix="xoxb-")
    signing_secret = r.required("SLACK_SIGNING_SECRET", f"{_SLACK_APP} > Basic Information")
    app_token = r.get("SLACK_APP_TOKEN")
    if app_token and not app_token.startswith("xapp-"):
        r.problems.append("SLACK_APP_TOKEN should start with 'xapp-' (Basic Information > App-Level Tokens).")
    channel = r.required("SLACKBRIDGE_CHANNEL", "the channel's details in Slack (ID at the bottom, C…)")
    if channel and not _placeholder(channel) and not _CHANNEL.match(channel):
        r.problems.append(f"SLACKBRIDGE_CHANNEL must be a channel ID like C0123ABCD, not {channel!r}.")
    approvers = r.csv("SLACKBRIDGE_APPROVERS")
    if not approvers:
        r.problems.append(
            "SLACKBRIDGE_APPROVERS is missing: list the Slack user IDs (U…) or user-group IDs (S…) "
            "allowed to approve replies, comma-separated (profile > ⋮ > Copy member ID)."
        )
    for item in approvers:
        if not _USER_OR_GROUP.match(item):
            r.problems.append(
                f"SLACKBRIDGE_APPROVERS entry {item!r} is not a user ID (U…/W…) or group ID (S…)."
            )

    category_channels: dict[str, str] = {}
    for item in r.csv("SLACKBRIDGE_CATEGORY_CHANNELS"):
        category, _, chan = item.partition("=")
        if not chan or not _CHANNEL.match(chan.strip()):
            r.problems.append(
                f"SLACKBRIDGE_CATEGORY_CHANNELS entry {item!r} should look like complaint=C0123ABCD."
            )
            continue
        category_channels[category.strip().lower()] = chan.strip()

    listen_channel = r.get("SLACKBRIDGE_LISTEN_CHANNEL")
    r.example_id("SLACKBRIDGE_LISTEN_CHANNEL", listen_channel)
    r.example_id("SLACKBRIDGE_URGENT_GROUP", r.get("SLACKBRIDGE_URGENT_GROUP"))
    app_token_value = r.get("SLACK_APP_TOKEN")
    if app_token_value and _placeholder(app_token_value):
        r.problems.append(
            "SLACK_APP_TOKEN still holds the example value from .env.example: create an app-level token "
            "(Basic Information > App-Level Tokens) or remove the line to use HTTP mode."
        )
    if listen_channel and not _CHANNEL.match(listen_channel):
        r.problems.append(
            f"SLACKBRIDGE_LISTEN_CHANNEL must be a channel ID like C0123ABCD, not {listen_channel!r}."
        )

    escalate_to = r.get("SLACKBRIDGE_ESCALATE_TO")
    r.example_id("SLACKBRIDGE_ESCALATE_TO", escalate_to)
    if escalate_to and not _placeholder(escalate_to) and not _USER_OR_GROUP.match(escalate_to):
        r.problems.append(
            f"SLACKBRIDGE_ESCALATE_TO must be a user ID (U…/W…) or user-group ID (S…), not {escalate_to!r}."
        )
    dm_channel = r.get("SLACKBRIDGE_DM_CHANNEL")
    r.example_id("SLACKBRIDGE_DM_CHANNEL", dm_channel)
    if dm_channel and not _placeholder(dm_channel) and not _CHANNEL.match(dm_channel):
        r.problems.append(f"SLACKBRIDGE_DM_CHANNEL must be a channel ID like G0123ABCD, not {dm_channel!r}.")
    if r.flag("SLACKBRIDGE_CSAT") and not dm_channel:
        r.problems.append(
            "SLACKBRIDGE_CSAT needs SLACKBRIDGE_DM_CHANNEL: the rating is asked and read by DM."
        )

    settings = Settings(
        slack_bot_token=bot_token,
        slack_signing_secret=signing_secret,
        slack_app_token=app_token,
        slack_api_url=r.url("SLACK_API_URL", "https://slack.com/api/"),
        slack_channel=channel,
        approvers=approvers,
        x_api_key=r.required("X_API_KEY", f"{_X_KEYS} (API Key)"),
        x_api_secret=r.required("X_API_SECRET", f"{_X_KEYS} (API Key Secret)"),
        x_access_token=r.required("X_ACCESS_TOKEN", f"{_X_KEYS} (Access Token, for the brand account)"),
        x_access_token_secret=r.required("X_ACCESS_TOKEN_SECRET", f"{_X_KEYS} (Access Token Secret)"),
        x_bearer_token=r.get("X_BEARER_TOKEN"),
        x_api_url=r.url("X_API_URL", "https://api.x.com"),
        x_timeout=r.number("SLACKBRIDGE_X_TIMEOUT", 20.0, minimum=1, maximum=120),
        poll_seconds=r.number("SLACKBRIDGE_POLL_SECONDS", 60.0, minimum=1, maximum=3600),
        database_url=r.database_url(r.get("DATABASE_URL")),
        port=int(r.number("PORT", 3000, minimum=1, maximum=65535)),
        openai_api_key=r.get("OPENAI_API_KEY"),
        openai_base_url=r.get("OPENAI_BASE_URL"),
        openai_model=r.get("OPENAI_MODEL") or "gpt-4o-mini",
        openai_timeout=r.number("OPENAI_TIMEOUT", 20.0, minimum=1, maximum=300),
        guidelines_path=r.path("SLACKBRIDGE_GUIDELINES"),
        knowledge_dir=r.path("SLACKBRIDGE_KNOWLEDGE_DIR", directory=True),
        canned_replies_path=r.path("SLACKBRIDGE_CANNED_REPLIES"),
        triage_rules_path=r.path("SLACKBRIDGE_TRIAGE_RULES"),
        allowed_link_domains=tuple(d.lower() for d in r.csv("SLACKBRIDGE_ALLOWED_LINK_DOMAINS")),
        category_channels=category_channels,
        auto_resolve_spam=r.flag("SLACKBRIDGE_AUTO_RESOLVE_SPAM"),
        urgent_notify_group=r.get("SLACKBRIDGE_URGENT_GROUP"),
        listen_channel=listen_channel,
        listen_seconds=r.number("SLACKBRIDGE_LISTEN_SECONDS", 300.0, minimum=10, maximum=86400),
        daily_read_budget=int(r.number("SLACKBRIDGE_DAILY_READ_BUDGET", 500, minimum=0, maximum=10_000_000)),
        listener_threads=int(r.number("SLACKBRIDGE_LISTENER_THREADS", 16, minimum=1, maximum=256)),
        post_interval=r.number("SLACKBRIDGE_POST_INTERVAL", 1.0, minimum=0, maximum=60),
        unhealthy_after=r.number("SLACKBRIDGE_UNHEALTHY_AFTER", 1800.0, minimum=60, maximum=86400),
        inbox_claim_seconds=r.number("SLACKBRIDGE_INBOX_CLAIM_SECONDS", 10.0, minimum=1, maximum=600),
        sla=_sla(r),
        escalate_to=escalate_to,
        four_eyes=r.flag("SLACKBRIDGE_FOUR_EYES"),
        approval_reminder=r.duration("SLACKBRIDGE_APPROVAL_REMINDER", 600.0, maximum=7 * 86400),
        writing_minutes=r.number("SLACKBRIDGE_WRITING_MINUTES", 5.0, minimum=0, maximum=60),
        retention_days=r.whole("SLACKBRIDGE_RETENTION_DAYS", minimum=1, maximum=36500),
        # Direct messages (issue 8): X allows 15 DM reads per 15 minutes, so never poll faster than 60 s.
        dm_channel=dm_channel,
        dm_poll_seconds=r.number("SLACKBRIDGE_DM_POLL_SECONDS", 60.0, minimum=60, maximum=86400),
        csat=r.flag("SLACKBRIDGE_CSAT"),
        prices=r.prices("SLACKBRIDGE_X_PRICES"),
        monthly_budget=r.dollars("SLACKBRIDGE_MONTHLY_BUDGET"),
        over_budget_poll_seconds=r.number(
            "SLACKBRIDGE_OVER_BUDGET_POLL_SECONDS", 900.0, minimum=60, maximum=86400
        ),
        log_format=log_format(env),
        metrics_dir=r.path("PROMETHEUS_MULTIPROC_DIR", directory=True),
    )
    if r.problems:
        raise ConfigError(r.problems)
    return settings


@dataclass(frozen=True)
class TriageSettings:
    """Just what `slackbridge triage` needs: no Slack or X settings required."""

    triage_rules_path: Path | None = None
    openai_api_key: str | None = field(default=None, repr=False)
    openai_base_url: str | None = None
    openai_model: str = "gpt-4o-mini"
    openai_timeout: float = 20.0


def load_triage_settings(env: Mapping[str, str]) -> TriageSettings:
    """The triage subset of Settings, validated the same way, raising ConfigError."""
    r = _Reader(env)
    settings = TriageSettings(
        triage_rules_path=r.path("SLACKBRIDGE_TRIAGE_RULES"),
        openai_api_key=r.get("OPENAI_API_KEY"),
        openai_base_url=r.get("OPENAI_BASE_URL"),
        openai_model=r.get("OPENAI_MODEL") or "gpt-4o-mini",
        openai_timeout=r.number("OPENAI_TIMEOUT", 20.0, minimum=1, maximum=300),
    )
    if r.problems:
        raise ConfigError(r.problems)
    return settings


LOG_FORMATS = ("text", "json")


def log_format(env: Mapping[str, str]) -> str:
    """SLACKBRIDGE_LOG_FORMAT, read before anything else so even start-up errors use it."""
    value = (env.get("SLACKBRIDGE_LOG_FORMAT") or "text").strip().lower()
    if value not in LOG_FORMATS:
        raise ConfigError([f"SLACKBRIDGE_LOG_FORMAT must be text or json, got {value!r}."])
    return value


def env_file(env: Mapping[str, str]) -> str:
    """Where the .env file is: SLACKBRIDGE_ENV_FILE, else .env in the working directory.

    An absent .env is fine (settings may all come from the environment); an SLACKBRIDGE_ENV_FILE that
    names a missing file is a mistake that would otherwise surface as a dozen missing settings."""
    named = (env.get("SLACKBRIDGE_ENV_FILE") or "").strip()
    if named and (not Path(named).expanduser().exists() or Path(named).expanduser().is_dir()):
        raise ConfigError([f"SLACKBRIDGE_ENV_FILE points to {named}, which is not a readable file."])
    return str(Path(named).expanduser()) if named else ".env"


def load_database_url(env: Mapping[str, str]) -> str:
    """Only the store's URL, for `slackbridge db` (which needs no Slack or X settings)."""
    url = (env.get("DATABASE_URL") or "").strip() or DEFAULT_DATABASE_URL
    problem = database_url_problem(url)
    if problem:
        raise ConfigError([problem])
    return url
