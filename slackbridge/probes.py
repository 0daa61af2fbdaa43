"""What a live install needs, each checked against the real service and reported as one Finding.

`slackbridge run` stops at the first blocking failure (slackbridge.startup); `slackbridge check` shows them
all (slackbridge.check). Every `fix` is one line that names the setting or the thing to do, and never holds a
secret: tokens are named, never shown, and a database URL is shown as its host and port only.
"""

from __future__ import annotations

import logging
import socket
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any
from urllib.parse import urlsplit

import sqlalchemy as sa
import yaml
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackRequestError

from slackbridge.config import Settings, database_url_problem
from slackbridge.db import check_schema, current_revision, make_engine
from slackbridge.x.client import XClient
from slackbridge.x.types import XError, XErrorKind, XUser

logger = logging.getLogger(__name__)

_SLACK_APP = "your Slack app's page (api.slack.com/apps)"
_X_PORTAL = "the X developer portal (your app > Keys and tokens)"
_BAD_TOKEN = {"invalid_auth", "not_authed", "token_revoked", "token_expired", "account_inactive"}


@dataclass(frozen=True)
class Finding:
    """One thing a live install needs: what was found, or the one line that says how to fix it."""

    key: str  # stable: database, schema, slack.token, slack.scopes, slack.channel:C…, x.keys, …
    label: str
    ok: bool
    detail: str = ""  # what was found, for a pass
    fix: str = ""  # the problem and what to do, for a failure
    blocking: bool = True  # a failure that stops `slackbridge run` (an outage elsewhere does not)


def passed(key: str, label: str, detail: str = "") -> Finding:
    return Finding(key, label, True, detail=detail)


def failed(key: str, label: str, fix: str, *, blocking: bool = True) -> Finding:
    return Finding(key, label, False, fix=fix, blocking=blocking)


# -- database ------------------------------------------------------------------------------------------------


def where_database(url: str) -> str:
    """The database as people name it, without user or password."""
    parsed = sa.engine.make_url(
        "postgresql://" + url[len("postgres://") :] if url.startswith("postgres://") else url
    )
    if parsed.get_backend_name() == "sqlite":
        return f"SQLite file {parsed.database}" if parsed.database else "an in-memory SQLite database"
    return f"PostgreSQL at {parsed.host}:{parsed.port or 5432}/{parsed.database or ''}"


def _db_reason(exc: BaseException, url: str) -> str:
    """The driver's own reason, first line only (psycopg adds hints), with any password taken out."""
    text = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0] if str(exc).strip() else ""
    text = text.rsplit("failed: ", 1)[-1].removeprefix("FATAL:").strip()
    password = sa.engine.make_url(url.replace("postgres://", "postgresql://", 1)).password
    if password:
        text = text.replace(str(password), "[redacted]")
    return text or type(exc).__name__


def probe_database(url: str) -> list[Finding]:
    """Reachable, then at the newest schema."""
    problem = database_url_problem(url)
    if problem:
        return [failed("database", "Database", problem)]
    where = where_database(url)
    engine = make_engine(url)
    try:
        try:
            with engine.connect() as conn:
                conn.execute(sa.text("SELECT 1"))
        except sa.exc.SQLAlchemyError as exc:
            fix = f"cannot connect to the database ({where}, DATABASE_URL): {_db_reason(exc, url)}."
            if where.startswith("SQLite"):
                fix += " Check that the folder exists and is writable."
            else:
                fix += " Check that PostgreSQL is running there, and the host, port, user and database name."
            return [failed("database", "Database", fix)]
        found = [passed("database", "Database", where)]
        problem = check_schema(engine)
        if problem:
            found.append(failed("schema", "Database schema", problem))
        else:
            found.append(passed("schema", "Database schema", f"at revision {current_revision(engine)}"))
        return found
    finally:
        engine.dispose()


# -- Slack ---------------------------------------------------------------------------------------------------


@cache
def manifest_bot_scopes() -> tuple[str, ...]:
    """The bot scopes manifest.yml asks for (a copy ships inside the package, so pip installs have it)."""
    text = resources.files("slackbridge").joinpath("defaults/manifest.yml").read_text(encoding="utf-8")
    manifest: dict[str, Any] = yaml.safe_load(text)
    return tuple(manifest["oauth_config"]["scopes"]["bot"])


def _header(headers: Mapping[str, Any] | None, name: str) -> str | None:
    for key, value in (headers or {}).items():
        if key.lower() == name:
            return str(value[0] if isinstance(value, list) else value)
    return None


def _slack_host(settings: Settings) -> str:
    return urlsplit(settings.slack_api_url).netloc or settings.slack_api_url


class SlackProbe:
    """auth.test first: the other Slack checks only make sense with a working token."""

    def __init__(self, settings: Settings, client: WebClient) -> None:
        self.settings = settings
        self.client = client
        self.bot_name = "slackbridge"

    def _call(self, fn: Callable[..., Any], **kwargs: Any) -> tuple[Any, str | None]:
        """(response, None) or (None, Slack's error code, or "unreachable: <why>")."""
        try:
            return fn(**kwargs), None
        except SlackApiError as exc:
            return None, str(exc.response.get("error", "unknown_error"))
        except (SlackRequestError, OSError) as exc:
            reason = getattr(exc, "reason", None) or exc
            return None, f"unreachable: {reason}"

    def token(self) -> tuple[Finding, Any]:
        label = "Slack bot token"
        response, error = self._call(self.client.auth_test)
        if error and error.startswith("unreachable"):
            why = error.partition(": ")[2]
            fix = (
                f"cannot reach Slack at {_slack_host(self.settings)} (SLACK_API_URL): {why}. "
                "Check the network, proxy or firewall."
            )
            return failed("slack.token", label, fix), None
        if error in _BAD_TOKEN:
            fix = (
                f"Slack refused SLACK_BOT_TOKEN ({error}): copy the Bot User OAuth Token (xoxb-…) from "
                f"{_SLACK_APP} > OAuth & Permissions; if the app was removed, reinstall it first."
            )
            return failed("slack.token", label, fix), None
        if error:
            return failed(
                "slack.token", label, f"Slack refused auth.test ({error}) for SLACK_BOT_TOKEN."
            ), None
        self.bot_name = str(response.get("user") or "slackbridge")
        detail = f"workspace {response.get('team')} as @{self.bot_name}"
        return passed("slack.token", label, detail), response

    def scopes(self, auth: Any) -> Finding:
        label = "Slack app scopes"
        granted = _header(getattr(auth, "headers", None), "x-oauth-scopes")
        if granted is None:
            return passed("slack.scopes", label, "Slack did not list the granted scopes; not compared")
        have = {s.strip() for s in granted.split(",") if s.strip()}
        missing = [s for s in manifest_bot_scopes() if s not in have]
        if missing:
            fix = (
                f"the Slack app lacks the scope(s) {', '.join(missing)}: add them in {_SLACK_APP} > "
                "OAuth & Permissions > Bot Token Scopes (or update the app from manifest.yml), "
                "then reinstall the app to the workspace."
            )
            return failed("slack.scopes", label, fix)
        return passed("slack.scopes", label, ", ".join(manifest_bot_scopes()))

    def app_token(self) -> Finding:
        """Socket Mode: the app-level token may open a connection (the URL it returns is left unused)."""
        label = "Slack app-level token"
        _, error = self._call(self.client.apps_connections_open, app_token=self.settings.slack_app_token)
        if error is None:
            return passed("slack.app_token", label, "Socket Mode connections open")
        fix = (
            f"Slack refused SLACK_APP_TOKEN ({error}): create an app-level token with the connections:write "
            "scope (Basic Information > App-Level Tokens) and enable Socket Mode."
        )
        return failed("slack.app_token", label, fix)

    def configured_channels(self) -> Iterator[tuple[str, str]]:
        s = self.settings
        seen: set[str] = set()
        pairs = [("SLACKBRIDGE_CHANNEL", s.slack_channel)]
        pairs += [(f"SLACKBRIDGE_CATEGORY_CHANNELS ({name})", c) for name, c in s.category_channels.items()]
        if s.listen_channel:
            pairs.append(("SLACKBRIDGE_LISTEN_CHANNEL", s.listen_channel))
        if s.dm_channel:
            pairs.append(("SLACKBRIDGE_DM_CHANNEL", s.dm_channel))
        for setting, channel in pairs:
            if channel and channel not in seen:
                seen.add(channel)
                yield setting, channel

    def channel(self, setting: str, channel: str) -> Finding:
        """Reading one message needs the history scopes the app has anyway, and fails unless the bot is in."""
        key, label = f"slack.channel:{channel}", f"Channel {channel}"
        _, error = self._call(self.client.conversations_history, channel=channel, limit=1)
        if error is None:
            return passed(key, label, f"the bot is a member ({setting})")
        invite = f"/invite @{self.bot_name}"
        if error == "not_in_channel":
            fix = f"the bot is not in channel {channel} ({setting}): type {invite} in that channel in Slack."
        elif error == "channel_not_found":
            fix = (
                f"channel {channel} ({setting}) does not exist or is private without the bot: check the ID "
                f"(channel details, at the bottom), and for a private channel type {invite} in it."
            )
        elif error.startswith("unreachable"):
            fix = f"cannot reach Slack at {_slack_host(self.settings)} to check channel {channel}."
        else:
            fix = f"Slack refused to read channel {channel} ({setting}): {error}."
        return failed(key, label, fix)

    def approver(self, entry: str, setting: str = "SLACKBRIDGE_APPROVERS") -> Finding:
        key, label = f"slack.approver:{entry}", f"Approver {entry}"
        if entry.startswith("S"):
            label = f"User group {entry}"
            response, error = self._call(self.client.usergroups_users_list, usergroup=entry)
            if error is None:
                return passed(key, label, f"{len(response.get('users') or [])} member(s) ({setting})")
            what = "no such user group" if error == "no_such_subteam" else error
            return failed(key, label, f"{setting} entry {entry}: {what}; copy the group's ID (S…) again.")
        response, error = self._call(self.client.users_info, user=entry)
        if error is None:
            user = response.get("user") or {}
            if user.get("deleted"):
                fix = (
                    f"{setting} entry {entry} is a deactivated Slack account: remove it or name someone else."
                )
                return failed(key, label, fix)
            return passed(key, label, f"@{user.get('name', entry)} ({setting})")
        what = "no such user in this workspace" if error == "user_not_found" else error
        return failed(
            key, label, f"{setting} entry {entry}: {what}; copy the member ID (U…) from their profile."
        )


# -- X -------------------------------------------------------------------------------------------------------

_X_KEYS = "X_API_KEY, X_API_SECRET, X_ACCESS_TOKEN and X_ACCESS_TOKEN_SECRET"


def _x_host(settings: Settings) -> str:
    return urlsplit(settings.x_api_url).netloc or settings.x_api_url


def probe_x_account(settings: Settings, x: XClient) -> tuple[list[Finding], XUser | None]:
    """The brand account the keys belong to, and whether the access token may post replies."""
    label = "X keys"
    try:
        user, level = x.access()
    except XError as exc:
        if exc.kind == XErrorKind.AUTH:
            fix = (
                f"X rejected the keys ({_X_KEYS}): copy them again from {_X_PORTAL}; "
                "regenerate the Access Token and Secret if they were revoked."
            )
            return [failed("x.keys", label, fix)], None
        if exc.kind in (XErrorKind.TRANSIENT, XErrorKind.RATE_LIMITED):
            fix = f"could not check the X keys at {_x_host(settings)} (X_API_URL): {exc.message}"
            return [failed("x.keys", label, fix, blocking=False)], None
        return [failed("x.keys", label, f"X refused the keys ({_X_KEYS}): {exc.message}")], None
    found = [passed("x.keys", label, f"brand account @{user.username}")]
    write = "Reply permission"
    if level is None:
        found.append(passed("x.write", write, "X did not report the access level; not checked"))
    elif level.startswith("read-write"):
        found.append(passed("x.write", write, f"access token is {level}"))
    else:
        fix = (
            f"X_ACCESS_TOKEN is {level}-only, so approved replies cannot be posted: in the X developer "
            "portal set your app's User authentication settings > App permissions to 'Read and write', then "
            "regenerate the Access Token and Secret and update X_ACCESS_TOKEN and X_ACCESS_TOKEN_SECRET."
        )
        found.append(failed("x.write", write, fix))
    if settings.dm_channel and level is not None:
        found.append(_dm_permission(level))
    return found, user


def _dm_permission(level: str) -> Finding:
    """DM cases need an access token created with Direct Messages permission (X_ACCESS_TOKEN's level)."""
    label = "Direct message permission"
    if level == "read-write-directmessages":
        return passed("x.dm", label, f"access token is {level}")
    fix = (
        f"X_ACCESS_TOKEN is {level}, so direct messages cannot be read or sent (SLACKBRIDGE_DM_CHANNEL is "
        "set): in the X developer portal set User authentication settings > App permissions to 'Read, write "
        "and Direct Messages', then regenerate the Access Token and Secret and update X_ACCESS_TOKEN and "
        "X_ACCESS_TOKEN_SECRET."
    )
    return failed("x.dm", label, fix)


def probe_x_bearer(settings: Settings, x: XClient, brand: XUser) -> Finding:
    """Lookups and searches use the app-only bearer token when it is set."""
    label = "X bearer token"
    try:
        x.user_by_username(brand.username)
    except XError as exc:
        if exc.kind == XErrorKind.AUTH:
            fix = (
                f"X rejected X_BEARER_TOKEN: copy the Bearer Token from {_X_PORTAL}, "
                "or remove the setting to use the user keys."
            )
            return failed("x.bearer", label, fix)
        blocking = exc.kind not in (XErrorKind.TRANSIENT, XErrorKind.RATE_LIMITED)
        return failed(
            "x.bearer", label, f"X_BEARER_TOKEN could not be checked: {exc.message}", blocking=blocking
        )
    return passed("x.bearer", label, "app-only lookups work")


# -- the rest ------------------------------------------------------------------------------------------------


def probe_port(host: str, port: int) -> Finding:
    """Bind and release: a clearer answer than the server's own failure, before anything has started."""
    label = "Port"
    if port == 0:
        return passed("port", label, "a free port will be picked")
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError as exc:
            why = "it is already in use" if exc.errno in (98, 48, 10048) else (exc.strerror or str(exc))
            fix = (
                f"cannot listen on {host}:{port}: {why}. Stop the other process, "
                "or pick another port with PORT or --port."
            )
            return failed("port", label, fix)
    return passed("port", label, f"{host}:{port} is free")
