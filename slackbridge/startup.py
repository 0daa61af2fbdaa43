"""What `slackbridge run` verifies before serving: the first thing that would fail stops it in one line."""

from __future__ import annotations

import argparse
import logging
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

from slackbridge.config import Settings

if TYPE_CHECKING:  # imported when used: `slackbridge --version` and settings errors stay quick
    from slackbridge.probes import Finding

logger = logging.getLogger(__name__)


class StartupError(Exception):
    """Start-up cannot go on; the message is one line naming the setting or the thing to fix."""

    def __init__(self, line: str, *, prefix: str = "slackbridge cannot start") -> None:
        super().__init__(f"{prefix}: {line}")


def verify(settings: Settings, args: argparse.Namespace) -> None:
    """Database, Slack, X and the port, in that order; raises StartupError at the first blocking failure.

    An outage of X (unreachable, rate limited) does not stop start-up: the pollers retry, and Slack staff can
    work meanwhile. It is logged instead."""
    http = not getattr(args, "poller_only", False) and not settings.socket_mode
    port = settings.port if getattr(args, "port", None) is None else int(args.port)
    host = getattr(args, "host", "0.0.0.0")  # noqa: S104
    _team_files(settings)
    # The libraries log each refused call on the way; the one line below says it all, so keep them quiet.
    logging.disable(logging.CRITICAL)
    try:
        found = list(_until_blocked(_run_findings(settings, http=http, host=host, port=port)))
    finally:
        logging.disable(logging.NOTSET)
    for finding in found:
        if finding.ok:
            continue
        if finding.blocking:
            raise StartupError(finding.fix)
        logger.warning("startup.check_failed check=%s: %s", finding.key, finding.fix)


def _run_findings(settings: Settings, *, http: bool, host: str, port: int) -> Iterator[Finding]:
    from slackbridge.app import build_slack_client, build_x_client
    from slackbridge.probes import SlackProbe, probe_database, probe_port, probe_x_account, probe_x_bearer

    yield from probe_database(settings.database_url)
    slack = SlackProbe(settings, build_slack_client(settings))
    token, auth = slack.token()
    yield token
    if auth is not None:
        yield slack.scopes(auth)
        # SLACK_APP_TOKEN is proven by the Socket Mode connection itself (a refusal is one line in cmd_run):
        # asking for a second connection URL here would only leave one unused.
        for setting, channel in slack.configured_channels():
            yield slack.channel(setting, channel)
        if settings.dm_channel:  # direct messages (issue 8): their channel must be private
            from slackbridge.dm_probe import probe_dm_channel

            yield probe_dm_channel(settings, slack.client)
    x = build_x_client(settings)
    found, brand = probe_x_account(settings, x)
    yield from found
    if brand is not None and settings.x_bearer_token:
        yield probe_x_bearer(settings, x, brand)
    if http:
        yield probe_port(host, port)


def _team_files(settings: Settings) -> None:
    """The team's own files first: a broken rule is reported before anything remote (raises ConfigError)."""
    from slackbridge.services.suggestions import load_canned_replies
    from slackbridge.services.triage import build_triage

    build_triage(settings.triage_rules_path, None)
    load_canned_replies(settings.canned_replies_path)


def _until_blocked(findings: Iterable[Finding]) -> Iterator[Finding]:
    """Stop probing at the first blocking failure: what comes after depends on it."""
    for finding in findings:
        yield finding
        if not finding.ok and finding.blocking:
            return


def open_database(url: str) -> None:
    """For `slackbridge db`: the URL parses and the server answers, else one line saying which and why."""
    from slackbridge.probes import probe_database

    for finding in probe_database(url):
        if finding.key == "database" and not finding.ok:
            raise StartupError(finding.fix, prefix="slackbridge db")
