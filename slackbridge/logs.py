"""Logging set-up: one format, noisy libraries quieted, and every configured secret redacted."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

_TOKEN_SHAPES = re.compile(
    r"(xox[abprs]-[A-Za-z0-9-]+|xapp-[A-Za-z0-9-]+|sk-[A-Za-z0-9_-]{8,}|Bearer\s+[A-Za-z0-9%._~+/=-]+)"
)

# Pre-signed storage URLs (X's compliance job files) carry their grant in the query string.
_SIGNED_QUERY = re.compile(
    r"(?i)([?&](?:sig|signature|x-goog-signature|x-goog-credential|x-amz-signature|x-amz-credential)=)"
    r"[^&\s\"'<>]+"
)


class RedactSecrets(logging.Filter):
    """Replaces known secret values and token-shaped strings in every record with [redacted]."""

    def __init__(self, secrets: Iterable[str | None]) -> None:
        super().__init__()
        self.secrets = sorted({s for s in secrets if s and len(s) >= 6}, key=len, reverse=True)

    def redact(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, "[redacted]")
        text = _SIGNED_QUERY.sub(r"\1[redacted]", text)
        return _TOKEN_SHAPES.sub("[redacted]", text)

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = self.redact(message)
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        if cleaned != message or record.args:
            record.msg, record.args = cleaned, ()
        return True


_EVENT = re.compile(r"^([a-z][a-z0-9_]*(?:\.[a-z0-9_]+)+)(?:\s+|:\s*|$)")
_FIELD = re.compile(r"([a-z_][a-z0-9_]*)=(\[[^\]]*\]|'[^']*'|\S+)")

# HTTP clients log a line per request at INFO and tweepy logs full request headers (OAuth signatures,
# bearer token) at DEBUG: both stay at WARNING and above whatever the level.
_CHATTY = ("tweepy", "urllib3", "requests_oauthlib", "oauthlib", "httpx", "httpcore", "openai", "slack_sdk")
# Libraries with nothing for an operator below WARNING (font lookups, plot back-ends).
_QUIET = ("matplotlib", "PIL", "alembic.runtime.migration")


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, event and its key=value fields."""

    def format(self, record: logging.LogRecord) -> str:
        message = record.getMessage()
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
        }
        event = _EVENT.match(message)
        if event:
            entry["event"] = event.group(1)
            rest = message[event.end() :]
            entry["fields"] = dict(_FIELD.findall(rest))
            text = _FIELD.sub("", rest).strip(" :,")
            if text:
                entry["message"] = text
        else:
            entry["event"] = None
            entry["fields"] = {}
            entry["message"] = message
        if record.exc_text or record.exc_info:
            entry["exception"] = record.exc_text or self.formatException(record.exc_info)  # type: ignore[arg-type]
        return json.dumps(entry, ensure_ascii=False)


def configure(level: str = "INFO", secrets: Iterable[str | None] = (), *, fmt: str = "text") -> None:
    handler = logging.StreamHandler()
    if fmt == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    handler.addFilter(RedactSecrets(secrets))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for noisy in _CHATTY + _QUIET:
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))
    logging.getLogger("slack_bolt").setLevel(max(logging.INFO, root.level))
