"""Logging set-up: one format, noisy libraries quieted, and every configured secret redacted."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable

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


def configure(level: str = "INFO", secrets: Iterable[str | None] = ()) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    handler.addFilter(RedactSecrets(secrets))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # tweepy logs full request headers (OAuth signatures, bearer token) at DEBUG: never let that through.
    for noisy in (
        "tweepy",
        "urllib3",
        "requests_oauthlib",
        "oauthlib",
        "httpx",
        "openai",
        "slack_sdk",
        "slack_bolt",
    ):
        logging.getLogger(noisy).setLevel(max(logging.INFO, root.level))
