"""`slackbridge check`: everything a live install needs, verified against the real services."""

from __future__ import annotations

import json
import secrets
import sys
import time
from collections.abc import Iterable, Iterator
from typing import IO
from urllib.parse import urlsplit

import requests
from slack_sdk.signature import SignatureVerifier

from slackbridge.config import Settings
from slackbridge.probes import (
    Finding,
    SlackProbe,
    failed,
    passed,
    probe_database,
    probe_x_account,
    probe_x_bearer,
)

EVENTS_PATH = "/slack/events"


def findings(settings: Settings, *, url: str | None = None) -> Iterator[Finding]:
    """Every check, in the order a person would set things up; dependent checks follow their prerequisite."""
    from slackbridge.app import build_ai_client, build_slack_client, build_x_client
    from slackbridge.dm_probe import probe_dm_channel

    yield from probe_database(settings.database_url)
    slack = SlackProbe(settings, build_slack_client(settings))
    token, auth = slack.token()
    yield token
    if auth is not None:
        yield slack.scopes(auth)
        if settings.socket_mode:
            yield slack.app_token()
        for setting, channel in slack.configured_channels():
            yield slack.channel(setting, channel)
        if settings.dm_channel:  # DMs are private by the customer's choice: so must their channel be
            yield probe_dm_channel(settings, slack.client)
        for entry in settings.approvers:
            yield slack.approver(entry)
        if settings.urgent_notify_group:
            yield slack.approver(settings.urgent_notify_group, "SLACKBRIDGE_URGENT_GROUP")
    x = build_x_client(settings)
    found, brand = probe_x_account(settings, x)
    yield from found
    if brand is not None and settings.x_bearer_token:
        yield probe_x_bearer(settings, x, brand)
    ai = build_ai_client(settings)
    if ai is not None:
        yield probe_model(ai, settings)
    if url:
        yield probe_url(url, settings.slack_signing_secret)


def probe_model(ai: object, settings: Settings) -> Finding:
    """A one-token request: proves the key, the server address and the model name together."""
    from slackbridge.ai.client import AIClient, AIError, AIErrorKind

    assert isinstance(ai, AIClient)
    label = f"AI model {settings.openai_model}"
    base = settings.openai_base_url or "OpenAI's default"
    try:
        ai.chat([{"role": "user", "content": "Reply with OK."}], max_tokens=1, temperature=0)
    except AIError as exc:
        fixes = {
            AIErrorKind.AUTH: "the AI server refused OPENAI_API_KEY: copy the key again from your provider.",
            AIErrorKind.REJECTED: f"the AI server refused the request: {exc.message} (OPENAI_MODEL).",
            AIErrorKind.UNAVAILABLE: f"{exc.message} (OPENAI_BASE_URL: {base}).",
            AIErrorKind.TIMEOUT: f"{exc.message} (OPENAI_TIMEOUT is {settings.openai_timeout:g} s).",
        }
        return failed("openai", label, fixes.get(exc.kind, exc.message))
    return passed("openai", label, "answers")


def probe_url(url: str, signing_secret: str) -> Finding:
    """Sends what Slack sends when you save a Request URL: a signed url_verification challenge."""
    target = url.rstrip("/")
    if not urlsplit(target).path:
        target += EVENTS_PATH
    label = "Public URL"
    challenge = secrets.token_urlsafe(16)
    body = json.dumps({"token": "slackbridge-check", "challenge": challenge, "type": "url_verification"})
    timestamp = str(int(time.time()))
    signature = SignatureVerifier(signing_secret).generate_signature(timestamp=timestamp, body=body)
    headers = {
        "Content-Type": "application/json",
        "X-Slack-Request-Timestamp": timestamp,
        "X-Slack-Signature": signature,
    }
    try:
        answer = requests.post(target, data=body.encode(), headers=headers, timeout=10)
    except requests.RequestException as exc:
        why = type(exc).__name__
        return failed(
            "url", label, f"cannot reach {target} ({why}): check the URL, DNS and that the service runs."
        )
    if answer.status_code == 401:
        fix = (
            f"{target} rejected Slack's signature: the service there runs with another SLACK_SIGNING_SECRET "
            "(Basic Information > Signing Secret)."
        )
        return failed("url", label, fix)
    if answer.status_code == 404:
        return failed("url", label, f"{target} answered 404: Slack's Request URL must end in {EVENTS_PATH}.")
    try:
        echoed = answer.json().get("challenge")
    except ValueError:
        echoed = answer.text.strip()
    if answer.status_code != 200 or echoed != challenge:
        fix = f"{target} answered {answer.status_code} without the challenge: is slackbridge what serves it?"
        return failed("url", label, fix)
    return passed("url", label, f"{target} answers Slack's url_verification")


def report(found: Iterable[Finding], out: IO[str], *, as_json: bool) -> bool:
    """The checklist, each line as soon as its check is done (a slow service must not look like a hang)."""
    if as_json:
        items = list(found)
        ok = all(f.ok for f in items)
        payload = {
            "ok": ok,
            "checks": [
                {"key": f.key, "label": f.label, "ok": f.ok, "detail": f.detail, "fix": f.fix or None}
                for f in items
            ],
        }
        out.write(json.dumps(payload, indent=2, ensure_ascii=False) + "\n")
        return ok
    good, bad = _marks(out)
    items = []
    for f in found:
        items.append(f)
        if f.ok:
            out.write(f"{good} {f.label}: {f.detail}\n" if f.detail else f"{good} {f.label}\n")
        else:
            out.write(f"{bad} {f.label}: {f.fix}\n")
        out.flush()
    failures = sum(not f.ok for f in items)
    ok = failures == 0
    if ok:
        out.write(f"All {len(items)} checks passed: ready to run `slackbridge run`.\n")
    else:
        out.write(f"{failures} of {len(items)} checks failed: fix the lines marked {bad} and check again.\n")
    return ok


def _marks(out: IO[str]) -> tuple[str, str]:
    """✓ and ✗ where the terminal can show them, else plain words."""
    try:
        "✓✗".encode(getattr(out, "encoding", None) or "utf-8")
    except (UnicodeEncodeError, LookupError):
        return "[ok]", "[FAIL]"
    return "✓", "✗"


def run_check(settings: Settings, *, url: str | None = None, as_json: bool = False) -> int:
    return 0 if report(findings(settings, url=url), sys.stdout, as_json=as_json) else 1
