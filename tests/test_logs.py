"""The log filter: configured secrets, token-shaped strings and signed URLs never reach the output."""

from __future__ import annotations

import logging

from slackbridge.logs import RedactSecrets


def _render(filter_: RedactSecrets, message: str, *args: object) -> str:
    record = logging.LogRecord("slackbridge.test", logging.INFO, __file__, 1, message, args, None)
    filter_.filter(record)
    return record.getMessage()


def test_configured_secrets_and_token_shapes_are_redacted() -> None:
    redact = RedactSecrets(["my-signing-secret-123"])
    line = _render(redact, "secret=%s bot=%s", "my-signing-secret-123", "xoxb-1234-abcd")
    assert line == "secret=[redacted] bot=[redacted]"


def test_signed_storage_urls_keep_their_path_but_lose_their_grant() -> None:
    redact = RedactSecrets([])
    url = (
        "https://storage.googleapis.com/twttr-tweet-compliance/1372966999991541762/submission/"
        "1.json?X-Goog-Algorithm=GOOG4-RSA-SHA256&X-Goog-Credential=complianceapi%40twttr.iam&"
        "X-Goog-Date=20261123T000000Z&X-Goog-Signature=abcdef0123456789"
    )
    line = _render(redact, "upload failed url=%s", url)
    assert "abcdef0123456789" not in line and "complianceapi" not in line
    assert "X-Goog-Signature=[redacted]" in line and "/1372966999991541762/submission/" in line
    assert _render(redact, "GET /_storage/download/7?sig=8520b198ef647316 200") == (
        "GET /_storage/download/7?sig=[redacted] 200"
    )


# Operations: JSON logs
def test_json_lines_carry_event_and_fields_with_secrets_redacted() -> None:
    import json

    from slackbridge.logs import JsonFormatter

    redact = RedactSecrets(["my-signing-secret-123"])
    record = logging.LogRecord(
        "slackbridge.poller",
        logging.WARNING,
        __file__,
        1,
        "poller.x_error poller=%s kind=%s key=%s",
        ("mentions", "auth", "my-signing-secret-123"),
        None,
    )
    redact.filter(record)
    entry = json.loads(JsonFormatter().format(record))
    assert entry["level"] == "warning" and entry["logger"] == "slackbridge.poller"
    assert entry["event"] == "poller.x_error"
    assert entry["fields"] == {"poller": "mentions", "kind": "auth", "key": "[redacted]"}
    assert entry["time"].endswith("+00:00")

    plain = logging.LogRecord(
        "gunicorn.error", logging.ERROR, __file__, 1, "Worker timeout (pid:%s)", (42,), None
    )
    entry = json.loads(JsonFormatter().format(plain))
    assert entry["event"] is None and entry["message"] == "Worker timeout (pid:42)" and entry["fields"] == {}
