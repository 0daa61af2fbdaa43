"""Slack request signing (v0), the same computation as ``slack_sdk.signature.SignatureVerifier``."""

from __future__ import annotations

import hashlib
import hmac
import time

STALE_AFTER_SECONDS = 60 * 5


def sign(signing_secret: str, timestamp: int | str, body: bytes | str) -> str:
    """Return ``X-Slack-Signature``: "v0=" + hex HMAC-SHA256 of ``v0:{timestamp}:{body}``."""
    raw = body.encode("utf-8") if isinstance(body, str) else body
    base = b"v0:" + str(timestamp).encode("ascii") + b":" + raw
    return "v0=" + hmac.new(signing_secret.encode("utf-8"), base, hashlib.sha256).hexdigest()


def signed_headers(signing_secret: str, body: bytes | str, *, timestamp: int | None = None) -> dict[str, str]:
    """The two headers Slack adds to every request it sends to an app."""
    ts = int(time.time()) if timestamp is None else timestamp
    return {
        "X-Slack-Request-Timestamp": str(ts),
        "X-Slack-Signature": sign(signing_secret, ts, body),
    }
