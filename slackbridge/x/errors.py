"""Mapping tweepy and requests failures to XError, the few kinds of failure the rest of slackbridge sees."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import requests
import tweepy
from urllib3.exceptions import MaxRetryError

from slackbridge import metrics
from slackbridge.x.types import XError, XErrorKind

logger = logging.getLogger(__name__)


class XErrorMapper:
    """Turns a failed call to X into an XError; no message or detail ever carries one of our keys."""

    def __init__(self, *, host: str, secrets: list[str]) -> None:
        self._host = host
        self._secrets = secrets

    @contextmanager
    def errors(self, action: str, subject: str, *, write: bool) -> Iterator[None]:
        try:
            yield
        except XError:
            raise
        except tweepy.TooManyRequests as exc:
            retry_at = (
                datetime.fromtimestamp(exc.reset_time, UTC)
                if exc.reset_time is not None
                else datetime.now(UTC) + timedelta(seconds=60)
            )
            raise self.error(
                XErrorKind.RATE_LIMITED,
                f"X rate limit reached while {action}: try again {_in_minutes(retry_at)}.",
                exc,
                retry_at=retry_at,
            ) from exc
        except tweepy.Forbidden as exc:
            reason = _reason(exc) or "no reason given"
            raise self.error(XErrorKind.NOT_ALLOWED, f"X does not allow {subject}: {reason}", exc) from exc
        except tweepy.NotFound as exc:
            raise self.error(
                XErrorKind.NOT_FOUND, f"X found nothing for {subject}: {_reason(exc)}", exc
            ) from exc
        except tweepy.Unauthorized as exc:
            raise self.error(
                XErrorKind.AUTH,
                "X rejected the credentials: check X_API_KEY, X_API_SECRET, X_ACCESS_TOKEN, "
                "X_ACCESS_TOKEN_SECRET and X_BEARER_TOKEN, and that the app still has access.",
                exc,
            ) from exc
        except tweepy.TwitterServerError as exc:
            status = exc.response.status_code
            message = f"X had a server error ({status}) while {action}."
            if write:
                message += " The post may have gone out anyway: check before trying again."
            raise self.error(XErrorKind.TRANSIENT, message, exc, ambiguous=write) from exc
        except tweepy.HTTPException as exc:  # 400 and any other 4xx
            status = exc.response.status_code
            if status == 402:  # pay-per-use: the account's credits are spent; nothing works until topped up
                raise self.error(
                    XErrorKind.PAYMENT,
                    f"X refused {subject}: the X developer account is out of credits. Buy credits in the "
                    "X developer console (Billing).",
                    exc,
                ) from exc
            raise self.error(
                XErrorKind.BAD_REQUEST,
                f"X refused the request while {action} ({status}): {_reason(exc) or 'no reason given'}",
                exc,
            ) from exc
        except requests.Timeout as exc:
            # ConnectTimeout means nothing was sent; a read timeout means X may have acted on it.
            sent = not isinstance(exc, requests.ConnectTimeout)
            ambiguous = write and sent
            message = f"X did not answer in time while {action}."
            if ambiguous:
                message += " The post may have gone out anyway: check before trying again."
            raise self.error(XErrorKind.TRANSIENT, message, None, ambiguous=ambiguous) from exc
        except requests.ConnectionError as exc:
            # A refused or unresolvable connection is wrapped in MaxRetryError: nothing reached X.
            never_sent = bool(exc.args) and isinstance(exc.args[0], MaxRetryError)
            ambiguous = write and not never_sent
            message = f"Could not reach X at {self._host} while {action}."
            if ambiguous:
                message += " The connection dropped after sending: check before trying again."
            raise self.error(XErrorKind.TRANSIENT, message, None, ambiguous=ambiguous) from exc
        except requests.exceptions.JSONDecodeError as exc:
            # The status was 2xx, so on a write X has most likely acted: let the caller check.
            raise self.error(
                XErrorKind.TRANSIENT, f"X sent an unreadable answer while {action}.", None, ambiguous=write
            ) from exc
        except requests.RequestException as exc:
            message = f"The connection to X failed while {action}."
            if write:
                message += " The post may have gone out anyway: check before trying again."
            raise self.error(XErrorKind.TRANSIENT, message, None, ambiguous=write) from exc

    def error(
        self,
        kind: XErrorKind,
        message: str,
        exc: tweepy.HTTPException | None,
        *,
        retry_at: datetime | None = None,
        ambiguous: bool = False,
    ) -> XError:
        status = exc.response.status_code if exc is not None else None
        details = [self.redact(str(m)) for m in exc.api_messages] if exc is not None else []
        error = XError(
            kind=kind,
            message=self.redact(message),
            status=status,
            retry_at=retry_at,
            ambiguous=ambiguous,
            details=details,
        )
        logger.info("x.error kind=%s status=%s ambiguous=%s", kind.value, status, ambiguous)
        metrics.process().x_errors.labels(kind.value).inc()
        return error

    def not_found(self, message: str, body: dict[str, Any]) -> XError:
        details = [
            self.redact(str(e.get("detail") or e.get("title") or e))
            for e in body.get("errors") or []
            if isinstance(e, dict)
        ]
        return XError(kind=XErrorKind.NOT_FOUND, message=message, status=200, details=details)

    def redact(self, text: str) -> str:
        """Belt and braces: X never echoes our keys, but a message must never carry one."""
        for secret in self._secrets:
            text = text.replace(secret, "[redacted]")
        return text


def _in_minutes(moment: datetime) -> str:
    """'in about 12 minutes': right in every time zone, unlike a clock time."""
    minutes = max(1, round((moment - datetime.now(UTC)).total_seconds() / 60))
    return "in about a minute" if minutes == 1 else f"in about {minutes} minutes"


def _reason(exc: tweepy.HTTPException) -> str:
    """X's own words: the problem `detail`, else the messages tweepy collected."""
    try:
        body = exc.response.json()
    except ValueError:
        body = None
    if isinstance(body, dict) and isinstance(body.get("detail"), str):
        messages = [str(m) for m in exc.api_messages if m != body["detail"]]
        return " ".join([body["detail"], *messages]).strip()
    return " ".join(str(m) for m in exc.api_messages)
